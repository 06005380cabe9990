package model

import (
	"math"
	"testing"
	"time"
)

func TestConstantVelocity(t *testing.T) {
	o := [3]float64{1, 2, 3}
	v := [3]float64{1, -2, 0.5}
	tests := []struct {
		el, step time.Duration
		want     [3]float64
	}{
		{0, 0, o},
		{2 * time.Second, 0, [3]float64{3, -2, 4}},
		{1500 * time.Millisecond, 0, [3]float64{2.5, -1, 3.75}},
		{-time.Second, 0, o},
		{2900 * time.Millisecond, 3 * time.Second, o},
		{3 * time.Second, 3 * time.Second, [3]float64{4, -4, 4.5}},
		{7 * time.Second, 3 * time.Second, [3]float64{7, -10, 6}},
	}
	for _, tt := range tests {
		if got := constantVelocity(o, v, tt.el, tt.step); got != tt.want {
			t.Errorf("after %v step %v: %v, want %v", tt.el, tt.step, got, tt.want)
		}
	}
}

func TestWaypoint(t *testing.T) {
	w := &Waypoint{Min: [3]float64{0, 0, 0}, Max: [3]float64{100, 50, 0}, MinSpeed: 1, MaxSpeed: 3, Pause: 2 * time.Second}
	origin := [3]float64{50, 25, 0}
	var hint wpLeg
	var prev [3]float64
	paused := 0
	for i := 0; i <= 20000; i++ {
		tm := float64(i) * 0.1
		p := w.walk(7, 1, 1, origin, tm, &hint)
		for a := 0; a < 3; a++ {
			if p[a] < w.Min[a]-1e-9 || p[a] > w.Max[a]+1e-9 {
				t.Fatalf("t=%g: %v outside the box", tm, p)
			}
		}
		if i == 0 && p != origin {
			t.Fatalf("starts at %v, not %v", p, origin)
		}
		if i > 0 {
			step := distance(p, prev)
			if step > 3*0.1+1e-9 {
				t.Fatalf("t=%g: moved %g m in 0.1 s, faster than 3 m/s", tm, step)
			}
			if step == 0 {
				paused++
			}
		}
		// Same answer without the hint, i.e. from leg 0.
		if i%997 == 0 {
			var fresh wpLeg
			if q := w.walk(7, 1, 1, origin, tm, &fresh); distance(p, q) > 1e-9 {
				t.Fatalf("t=%g: %v with hint, %v without", tm, p, q)
			}
		}
		prev = p
	}
	if paused == 0 {
		t.Error("never paused")
	}
	if hint.k < 10 {
		t.Errorf("only %d legs in 2000 s", hint.k)
	}
	// Time going backwards restarts from leg 0 and still agrees.
	var fresh wpLeg
	if p, q := w.walk(7, 1, 1, origin, 5, &hint), w.walk(7, 1, 1, origin, 5, &fresh); p != q {
		t.Errorf("backwards: %v vs %v", p, q)
	}
	// Another radio (or seed) walks elsewhere.
	var h2 wpLeg
	if w.walk(7, 2, 1, origin, 100, &h2) == w.walk(7, 1, 1, origin, 100, &fresh) {
		t.Error("two radios on the same walk")
	}
	// A degenerate box pauses forever but terminates.
	d := &Waypoint{MinSpeed: 1, MaxSpeed: 1}
	var h3 wpLeg
	if p := d.walk(1, 1, 1, [3]float64{}, 10, &h3); p != [3]float64{} {
		t.Errorf("degenerate: %v", p)
	}
}

func TestMobilityInModel(t *testing.T) {
	c := newClock()
	cfg := DefaultConfig()
	cfg.Now = c.Now
	cfg.Propagation.Model = PropFreeSpace
	a, b := NewRadio(), NewRadio()
	a.Name, a.Placed = "vw0", true
	b.Name, b.Placed, b.X = "vw1", true, 10
	b.Mobility.Velocity = [3]float64{9, 0, 0} // 9 m/s away from vw0
	cfg.Radios = []Radio{a, b}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := peers(2)
	// 20 − FSPL(d): d = 10 → −40.1; d = 100 → −60.1; d = 1000 → −80.1.
	for _, tt := range []struct {
		after time.Duration
		want  int32
	}{{0, -40}, {10 * time.Second, -60}, {100 * time.Second, -80}} {
		c.Advance(tt.after)
		if sig, _ := m.Hear(p[0], p[1], 2412); sig != tt.want {
			t.Errorf("after %v more: %d, want %d", tt.after, sig, tt.want)
		}
	}
	// Moving restarts the motion from the new point.
	if err := m.Move("vw1", 0, 10, 0); err != nil {
		t.Fatal(err)
	}
	if sig, _ := m.Hear(p[0], p[1], 2412); sig != -40 {
		t.Errorf("after move: %d", sig)
	}
	c.Advance(10 * time.Second) // at (90, 10): 90.55 m → 20 − 79.23
	want := int32(math.Round(20 - FreeSpace(math.Hypot(90, 10), 2412)))
	if sig, _ := m.Hear(p[0], p[1], 2412); sig != want {
		t.Errorf("moving after move: %d, want %d", sig, want)
	}
	// Stop it, then send it on a random walk.
	if err := m.SetMobility("vw1", Mobility{}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if sig, _ := m.Hear(p[0], p[1], 2412); sig != want {
		t.Errorf("stopped: %d, want %d", sig, want)
	}
	wp := &Waypoint{Min: [3]float64{-500, -500}, Max: [3]float64{500, 500}, MinSpeed: 5, MaxSpeed: 10}
	if err := m.SetMobility("vw1", Mobility{Waypoint: wp}); err != nil {
		t.Fatal(err)
	}
	seen := map[int32]bool{}
	for range 200 {
		c.Advance(10 * time.Second)
		sig, _ := m.Hear(p[0], p[1], 2412)
		seen[sig] = true
	}
	if len(seen) < 10 {
		t.Errorf("random walk shows only %d signals", len(seen))
	}
	if err := m.SetMobility("vw1", Mobility{Waypoint: &Waypoint{MinSpeed: 0}}); err == nil {
		t.Error("bad waypoint accepted")
	}
}
