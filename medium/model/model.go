// Package model is the radio-realism layer of hwsim-medium: a
// medium.LossModel that places radios in space, computes the signal each
// one receives from every other with a propagation model, and derives the
// probability that a frame is lost from the SNR, the rate and the length.
//
// A Model is built from a Config (New) or a configuration file (Load: our
// YAML format, or a wmediumd libconfig .cfg as a drop-in). Per-link
// overrides fix a link's SNR or loss probability, or block it, one
// direction at a time. Radios can move (constant velocity or random
// waypoint, driven by an injected clock) and be changed live (Move,
// SetTxPower, SetLinkSNR, SetLinkLoss, ClearLink) while frames flow.
//
// # Concurrency
//
// The per-frame methods Hear and PER are called by the medium with its
// lock held, so they are never called concurrently with each other; they
// read the model's parameters from an immutable snapshot behind an
// atomic.Pointer and allocate nothing once every radio has been seen.
// Every other method may be called from any goroutine at any time: a
// change copies the snapshot, edits the copy and publishes it (copy on
// write), serialised by a mutex that the per-frame path takes only the
// first time it meets a radio (or after the set of radios changed). A
// frame is thus judged entirely by the snapshot in force when it was sent.
//
// See docs/models.md for the models, their parameters and the formats.
package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// Model is a medium.LossModel with positions, propagation, error rates,
// per-link overrides and mobility. Create it with New or Load.
type Model struct {
	now   func() time.Time
	mu    sync.Mutex // serialises writers of state
	state atomic.Pointer[state]
	epoch uint64 // last mobility epoch handed out; under mu

	// hot is owned by the per-frame path (Hear, PER), which the medium
	// serialises.
	hot struct {
		peers []peerSlot // by medium.RadioID
		legs  []legHint  // by radio index
		rng   *rand.Rand
	}
}

// The medium finds Learn, CCAThreshold and NoiseFloor by type assertion
// and quietly falls back to its defaults without them: these make a
// renamed method a compile error instead.
var (
	_ medium.LossModel   = (*Model)(nil)
	_ medium.Learner     = (*Model)(nil)
	_ medium.RadioLevels = (*Model)(nil)
)

// New returns a Model for cfg.
func New(cfg Config) (*Model, error) {
	m := &Model{now: cfg.Now}
	if m.now == nil {
		m.now = time.Now
	}
	s, err := m.build(&cfg)
	if err != nil {
		return nil, err
	}
	m.hot.rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d))
	m.state.Store(s)
	return m, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (m *Model) build(cfg *Config) (*state, error) {
	p := params{
		seed: cfg.Seed, noise: cfg.NoiseFloor, sens: cfg.Sensitivity, cca: cfg.CCAThreshold,
		defaultSNR: cfg.DefaultSNR, defaultLoss: -1, fading: cfg.FadingSigma, prop: cfg.Propagation,
	}
	for name, f := range map[string]float64{"noise_floor": p.noise, "sensitivity": p.sens, "cca_threshold": p.cca, "default_snr": p.defaultSNR} {
		if !finite(f) {
			return nil, fmt.Errorf("model: %s %v is not a number", name, f)
		}
	}
	if !(p.fading >= 0) || !finite(p.fading) {
		return nil, fmt.Errorf("model: fading_sigma %v must be a non-negative number", p.fading)
	}
	if cfg.DefaultLoss != nil {
		if !(*cfg.DefaultLoss >= 0 && *cfg.DefaultLoss <= 1) {
			return nil, fmt.Errorf("model: default_loss %v is not a probability", *cfg.DefaultLoss)
		}
		p.defaultLoss = *cfg.DefaultLoss
	}
	if err := checkPropagation(&p.prop); err != nil {
		return nil, err
	}
	p.propKind = propKinds[p.prop.Model]

	s := &state{p: p, byName: map[string]int32{}, byAddr: map[mac.Addr]int32{}, links: map[linkKey]override{}}
	now := m.now()
	for i := range cfg.Radios {
		r := &cfg.Radios[i]
		if r.Name == "" && r.Addr == "" {
			return nil, fmt.Errorf("model: radio %d has neither name nor address", i)
		}
		e := entry{name: r.Name, placed: r.Placed, node: r.Node, mob: r.Mobility, t0: now}
		if err := checkRadio(r); err != nil {
			return nil, err
		}
		if r.Addr != "" {
			a, err := mac.ParseAddr(r.Addr)
			if err != nil {
				return nil, fmt.Errorf("model: radio %d: %w", i, err)
			}
			if _, dup := s.byAddr[a]; dup {
				return nil, fmt.Errorf("model: radio address %s given twice", a)
			}
			e.addr, e.hasAddr = a, true
		}
		if r.Name != "" {
			if _, dup := s.byName[r.Name]; dup {
				return nil, fmt.Errorf("model: radio name %q given twice", r.Name)
			}
		}
		if e.mob.moving() {
			m.epoch++
			e.epoch = m.epoch
		}
		s.add(e)
	}
	for i := range cfg.Links {
		l := &cfg.Links[i]
		from, to := s.findOrAdd(l.From, now), s.findOrAdd(l.To, now)
		if from < 0 || to < 0 {
			return nil, fmt.Errorf("model: link %d: a radio needs a name or an address", i)
		}
		if from == to {
			return nil, fmt.Errorf("model: link %d: %q to itself", i, l.From)
		}
		o := s.links[linkKey{from, to}]
		if l.SNR != nil {
			if !finite(*l.SNR) {
				return nil, fmt.Errorf("model: link %s -> %s: snr %v is not a number", l.From, l.To, *l.SNR)
			}
			o.hasSNR, o.snr = true, *l.SNR
		}
		if l.Loss != nil {
			if !(*l.Loss >= 0 && *l.Loss <= 1) {
				return nil, fmt.Errorf("model: link %s -> %s: loss %v is not a probability", l.From, l.To, *l.Loss)
			}
			o.hasLoss, o.loss = true, *l.Loss
		}
		o.blocked = o.blocked || l.Blocked
		if !o.hasSNR && !o.hasLoss && !o.blocked {
			return nil, fmt.Errorf("model: link %s -> %s sets nothing (snr, loss or blocked)", l.From, l.To)
		}
		s.links[linkKey{from, to}] = o
	}
	return s, nil
}

func checkPropagation(p *Propagation) error {
	if _, ok := propKinds[p.Model]; !ok {
		return fmt.Errorf("model: unknown propagation model %q (want free_space, log_distance, itu, two_ray_ground, log_normal_shadowing or none)", p.Model)
	}
	for name, f := range map[string]float64{"exponent": p.Exponent, "extra_loss": p.ExtraLoss, "power_loss_coeff": p.PowerLossCoeff, "floor_loss": p.FloorLoss} {
		if !finite(f) {
			return fmt.Errorf("model: propagation %s %v is not a number", name, f)
		}
	}
	if p.RefLoss != nil && !finite(*p.RefLoss) {
		return fmt.Errorf("model: propagation ref_loss %v is not a number", *p.RefLoss)
	}
	if !(p.Sigma >= 0) || !finite(p.Sigma) {
		return fmt.Errorf("model: propagation sigma %v must be a non-negative number", p.Sigma)
	}
	if !(p.AntennaHeight > 0) || !finite(p.AntennaHeight) {
		return fmt.Errorf("model: propagation antenna_height %v must be positive", p.AntennaHeight)
	}
	if p.Floors < 0 {
		return fmt.Errorf("model: propagation floors %d must not be negative", p.Floors)
	}
	return nil
}

func checkRadio(r *Radio) error {
	who := r.Name
	if who == "" {
		who = r.Addr
	}
	for _, f := range []float64{r.X, r.Y, r.Z, r.TxPower, r.AntennaGain, r.Mobility.Velocity[0], r.Mobility.Velocity[1], r.Mobility.Velocity[2]} {
		if !finite(f) {
			return fmt.Errorf("model: radio %s: %v is not a number", who, f)
		}
	}
	if r.Mobility.Step < 0 {
		return fmt.Errorf("model: radio %s: negative mobility step", who)
	}
	if w := r.Mobility.Waypoint; w != nil {
		for a := 0; a < 3; a++ {
			if !finite(w.Min[a]) || !finite(w.Max[a]) || w.Min[a] > w.Max[a] {
				return fmt.Errorf("model: radio %s: waypoint box min %v max %v is not a box", who, w.Min, w.Max)
			}
		}
		if !(w.MinSpeed > 0) || !(w.MaxSpeed >= w.MinSpeed) || !finite(w.MaxSpeed) {
			return fmt.Errorf("model: radio %s: waypoint speeds must satisfy 0 < min_speed <= max_speed", who)
		}
		if w.Pause < 0 {
			return fmt.Errorf("model: radio %s: negative waypoint pause", who)
		}
	}
	return nil
}
