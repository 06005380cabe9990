package model

import (
	"math"
	"time"
)

// Mobility moves a radio. The zero value keeps it still.
//
// Positions are computed from the model's clock when a frame is sent, so
// motion is continuous and needs no background goroutine; tests inject the
// clock.
type Mobility struct {
	// Velocity in m/s per axis (constant-velocity motion).
	Velocity [3]float64 `json:"velocity,omitzero"`
	// Step, if not zero, moves the radio in jumps: every Step it advances
	// by Velocity·Step, as wmediumd does with its `directions` every 3 s.
	Step time.Duration `json:"step,omitzero"`
	// Waypoint, if set, replaces Velocity with random-waypoint motion.
	Waypoint *Waypoint `json:"waypoint,omitempty"`
}

// Waypoint is random-waypoint motion: the radio picks a point uniformly at
// random inside the box [Min, Max], moves to it in a straight line at a
// speed drawn uniformly from [MinSpeed, MaxSpeed], waits Pause, and starts
// over. The draws are a pure function of the model's seed, the radio and
// the leg number, so a run is reproducible.
type Waypoint struct {
	Min      [3]float64    `json:"min"`
	Max      [3]float64    `json:"max"`
	MinSpeed float64       `json:"min_speed"` // m/s
	MaxSpeed float64       `json:"max_speed"` // m/s
	Pause    time.Duration `json:"pause,omitzero"`
}

// minLeg bounds the length of one waypoint leg from below, so a degenerate
// box cannot make the walk spin.
const minLeg = time.Millisecond

func (m *Mobility) moving() bool {
	return m.Waypoint != nil || m.Velocity != [3]float64{}
}

// splitmix64 is the finaliser of the SplitMix64 generator: a good 64-bit
// mix, used to derive independent uniform draws from (seed, radio, leg).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// uniform returns a float in [0, 1) from the hash of its arguments.
func uniform(seed uint64, parts ...uint64) float64 {
	h := splitmix64(seed)
	for _, p := range parts {
		h = splitmix64(h ^ p)
	}
	return float64(h>>11) / (1 << 53)
}

// gauss returns a standard normal draw from the hash of its arguments
// (Box–Muller).
func gauss(seed uint64, a, b uint64) float64 {
	u1 := uniform(seed, a, b, 1)
	u2 := uniform(seed, a, b, 2)
	if u1 < 1e-300 {
		u1 = 1e-300
	}
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// wpLeg is one leg of a waypoint walk.
type wpLeg struct {
	k        uint64     // leg number
	start    float64    // seconds since the walk began
	from, to [3]float64 // endpoints
	travel   float64    // seconds moving
	dur      float64    // travel + pause
}

// leg computes leg k of the walk of radio id starting at from.
func (w *Waypoint) leg(seed, id, epoch, k uint64, from [3]float64, start float64) wpLeg {
	l := wpLeg{k: k, start: start, from: from}
	for a := 0; a < 3; a++ {
		l.to[a] = w.Min[a] + uniform(seed, id, epoch, k, uint64(a))*(w.Max[a]-w.Min[a])
	}
	speed := w.MinSpeed + uniform(seed, id, epoch, k, 3)*(w.MaxSpeed-w.MinSpeed)
	dist := distance(l.from, l.to)
	if speed > 0 {
		l.travel = dist / speed
	}
	l.dur = l.travel + w.Pause.Seconds()
	if l.dur < minLeg.Seconds() {
		l.dur = minLeg.Seconds()
	}
	return l
}

// at returns the position on leg l at t seconds since the walk began.
func (l *wpLeg) at(t float64) [3]float64 {
	tau := t - l.start
	if tau >= l.travel || l.travel <= 0 {
		return l.to
	}
	var p [3]float64
	for a := range p {
		p[a] = l.from[a] + (l.to[a]-l.from[a])*tau/l.travel
	}
	return p
}

// walk finds the leg containing t, starting from hint when it is usable
// (same walk, not after t), and returns the position.
func (w *Waypoint) walk(seed, id, epoch uint64, origin [3]float64, t float64, hint *wpLeg) [3]float64 {
	if t < 0 {
		t = 0
	}
	if hint.dur == 0 || hint.start > t {
		*hint = w.leg(seed, id, epoch, 0, origin, 0)
	}
	for t >= hint.start+hint.dur {
		*hint = w.leg(seed, id, epoch, hint.k+1, hint.to, hint.start+hint.dur)
	}
	return hint.at(t)
}

func distance(a, b [3]float64) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// constantVelocity returns origin moved by v for elapsed seconds, in jumps
// of step when step > 0.
func constantVelocity(origin, v [3]float64, elapsed time.Duration, step time.Duration) [3]float64 {
	if elapsed < 0 {
		elapsed = 0
	}
	if step > 0 {
		elapsed = elapsed / step * step
	}
	s := elapsed.Seconds()
	return [3]float64{origin[0] + v[0]*s, origin[1] + v[1]*s, origin[2] + v[2]*s}
}
