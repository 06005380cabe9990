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
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// Defaults.
const (
	// DefaultNoiseFloor is the thermal noise plus receiver noise figure
	// of a 20 MHz channel, in dBm (wmediumd's NOISE_LEVEL).
	DefaultNoiseFloor = -91.0
	// DefaultSensitivity is the weakest signal, in dBm, at which a radio
	// still receives a frame: 1 dB above the default noise floor, like
	// wmediumd, which drops frames below its CCA threshold of -90 dBm.
	DefaultSensitivity = -90.0
	// DefaultCCAThreshold is the signal, in dBm, at which a radio senses
	// the medium busy: the OFDM receiver's minimum sensitivity for
	// 20 MHz channels in IEEE 802.11 (17.3.10.6). The airtime mode's
	// carrier sense uses it.
	DefaultCCAThreshold = -82.0
	// DefaultSNR is the SNR, in dB, of a link that has no override and
	// no propagation (a radio without a position, or no propagation
	// model): wmediumd's SNR_DEFAULT.
	DefaultSNR = 30.0
	// DefaultTxPower is a radio's transmit power in dBm when the
	// configuration does not say (mac80211_hwsim reports 20 dBm).
	DefaultTxPower = 20.0
	// DefaultSeed seeds fading, shadowing and waypoints.
	DefaultSeed = 1
)

// Propagation model names.
const (
	PropNone               = "none"
	PropFreeSpace          = "free_space"
	PropLogDistance        = "log_distance"
	PropITU                = "itu"
	PropTwoRayGround       = "two_ray_ground"
	PropLogNormalShadowing = "log_normal_shadowing"
)

// Node is a radio's place and RF front end.
type Node struct {
	// X, Y, Z position in metres.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
	// TxPower is the transmit power in dBm.
	TxPower float64 `json:"tx_power"`
	// AntennaGain in dBi, counted both when sending and receiving.
	AntennaGain float64 `json:"antenna_gain"`
}

func (n *Node) pos() [3]float64 { return [3]float64{n.X, n.Y, n.Z} }

// Radio configures one radio.
type Radio struct {
	// Name matches a radio's interface name (vw0) or wiphy name
	// (vw_phy0). Empty when the radio is known by address only.
	Name string `json:"name,omitempty"`
	// Addr matches a radio's hwsim address; for wmediumd compatibility it
	// also matches a hwsim address that differs from it only by the 0x40
	// bit of the first octet (the kernel's second, "hwsim" address of a
	// radio whose permanent address is Addr). Empty when known by name.
	Addr string `json:"addr,omitempty"`
	// Placed says the radio has a position: propagation applies to its
	// links. Links of unplaced radios have DefaultSNR.
	Placed bool `json:"placed"`
	// Aliases are the names the model learned for the radio from the
	// medium (interface and wiphy names); Snapshot fills them, New
	// ignores them.
	Aliases []string `json:"aliases,omitempty"`
	Node
	Mobility Mobility `json:"mobility,omitzero"`
}

// Link overrides one direction of a link, From transmitting to To.
type Link struct {
	From string `json:"from"`
	To   string `json:"to"`
	// SNR fixes the link's SNR in dB, replacing propagation.
	SNR *float64 `json:"snr,omitempty"`
	// Loss fixes the probability in [0, 1] that one try is lost,
	// replacing the SNR-based error rate.
	Loss *float64 `json:"loss,omitempty"`
	// Blocked: To hears nothing From sends.
	Blocked bool `json:"blocked,omitempty"`
}

// Propagation selects and parameterises the path loss model.
type Propagation struct {
	// Model is one of the Prop* names; "" means none.
	Model string `json:"model"`
	// Exponent is the path loss exponent n of log_distance and
	// log_normal_shadowing.
	Exponent float64 `json:"exponent"`
	// RefLoss is PL0, the loss at 1 m, of log_distance and
	// log_normal_shadowing; nil means the free-space loss at 1 m on the
	// frame's channel.
	RefLoss *float64 `json:"ref_loss,omitempty"`
	// ExtraLoss, in dB, is added to every path (wmediumd's xg and sL).
	ExtraLoss float64 `json:"extra_loss,omitzero"`
	// Sigma is the standard deviation, in dB, of log_normal_shadowing's
	// Xσ, drawn once per pair of radios.
	Sigma float64 `json:"sigma,omitzero"`
	// PowerLossCoeff is itu's distance power loss coefficient N.
	PowerLossCoeff float64 `json:"power_loss_coeff"`
	// Floors between the radios, and FloorLoss per floor in dB, for itu.
	Floors    int     `json:"floors,omitzero"`
	FloorLoss float64 `json:"floor_loss"`
	// AntennaHeight of every radio above ground, in metres, for
	// two_ray_ground.
	AntennaHeight float64 `json:"antenna_height"`
}

// Config configures a Model.
type Config struct {
	// Seed seeds fading, shadowing and random waypoints.
	Seed uint64 `json:"seed"`
	// NoiseFloor in dBm; SNR = signal − NoiseFloor.
	NoiseFloor float64 `json:"noise_floor"`
	// Sensitivity: a frame whose signal is below it is not heard, in dBm.
	Sensitivity float64 `json:"sensitivity"`
	// CCAThreshold in dBm: a radio that receives another's
	// transmission at or above it senses the channel busy (airtime mode).
	CCAThreshold float64 `json:"cca_threshold"`
	// DefaultSNR is the SNR of links without propagation or override.
	DefaultSNR float64 `json:"default_snr"`
	// DefaultLoss, if set, is the loss probability of every link without
	// a Loss override, instead of the SNR-based error rate (wmediumd's
	// prob model and its default_prob).
	DefaultLoss *float64 `json:"default_loss,omitempty"`
	// FadingSigma, if positive, adds a zero-mean Gaussian of this
	// standard deviation (dB) to every frame's SNR (wmediumd's
	// fading_coefficient).
	FadingSigma float64     `json:"fading_sigma,omitzero"`
	Propagation Propagation `json:"propagation"`
	Radios      []Radio     `json:"radios,omitempty"`
	Links       []Link      `json:"links,omitempty"`
	// Warnings are things the loader accepted but does not implement.
	Warnings []string `json:"warnings,omitempty"`
	// Now is the clock for mobility; nil means time.Now.
	Now func() time.Time `json:"-"`
}

// DefaultConfig returns a Config with every default filled in, no radios
// and no propagation model.
func DefaultConfig() Config {
	return Config{
		Seed:         DefaultSeed,
		NoiseFloor:   DefaultNoiseFloor,
		Sensitivity:  DefaultSensitivity,
		CCAThreshold: DefaultCCAThreshold,
		DefaultSNR:   DefaultSNR,
		Propagation:  DefaultPropagation(),
	}
}

// DefaultPropagation returns the defaults of every propagation parameter,
// with Model none.
func DefaultPropagation() Propagation {
	return Propagation{
		Model:          PropNone,
		Exponent:       3,
		PowerLossCoeff: 30,
		FloorLoss:      15,
		AntennaHeight:  1,
	}
}

// NewRadio returns a Radio with the default transmit power.
func NewRadio() Radio { return Radio{Node: Node{TxPower: DefaultTxPower}} }

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

var _ medium.LossModel = (*Model)(nil)

// peerSlot caches which radio a medium peer is.
type peerSlot struct {
	ok          bool
	gen         uint64
	hw          mac.Addr
	name, iface string
	idx         int32
}

// legHint caches the current waypoint leg of a radio.
type legHint struct {
	epoch uint64
	leg   wpLeg
}

// params are the scalar parameters of a snapshot.
type params struct {
	seed        uint64
	noise       float64
	sens        float64
	cca         float64
	defaultSNR  float64
	defaultLoss float64 // < 0: none
	fading      float64
	prop        Propagation
	propKind    int
}

const (
	propNone = iota
	propFree
	propLogDist
	propITU
	propTwoRay
	propShadow
)

var propKinds = map[string]int{
	"": propNone, PropNone: propNone, PropFreeSpace: propFree, PropLogDistance: propLogDist,
	PropITU: propITU, PropTwoRayGround: propTwoRay, PropLogNormalShadowing: propShadow,
}

// entry is one radio in a snapshot.
type entry struct {
	name    string // configured name, or ""
	addr    mac.Addr
	hasAddr bool
	aliases []string // names learned from the medium; shared, never edited in place
	placed  bool
	node    Node // position at t0
	mob     Mobility
	t0      time.Time
	epoch   uint64
}

// override is one direction of a link override.
type override struct {
	hasSNR, hasLoss, blocked bool
	snr, loss                float64
}

type linkKey [2]int32

// state is an immutable snapshot of the model.
type state struct {
	gen    uint64 // changes when radios or their names change
	p      params
	radios []entry
	byName map[string]int32
	byAddr map[mac.Addr]int32
	links  map[linkKey]override
}

func (s *state) clone() *state {
	n := *s
	n.radios = slices.Clone(s.radios)
	n.byName = make(map[string]int32, len(s.byName))
	for k, v := range s.byName {
		n.byName[k] = v
	}
	n.byAddr = make(map[mac.Addr]int32, len(s.byAddr))
	for k, v := range s.byAddr {
		n.byAddr[k] = v
	}
	n.links = make(map[linkKey]override, len(s.links))
	for k, v := range s.links {
		n.links[k] = v
	}
	return &n
}

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

// add appends e and indexes its name and address.
func (s *state) add(e entry) int32 {
	i := int32(len(s.radios))
	s.radios = append(s.radios, e)
	if e.name != "" {
		s.byName[e.name] = i
	}
	if e.hasAddr {
		s.byAddr[e.addr] = i
	}
	s.gen++
	return i
}

// find resolves a name used by the configuration or the control API: a
// configured or learned name, or an address.
func (s *state) find(name string) int32 {
	if name == "" {
		return -1
	}
	if i, ok := s.byName[name]; ok {
		return i
	}
	if a, err := mac.ParseAddr(name); err == nil {
		return s.findAddr(a)
	}
	return -1
}

// findAddr looks up a hwsim address, also as the permanent address that
// differs by the 0x40 bit (see Radio.Addr).
func (s *state) findAddr(a mac.Addr) int32 {
	if i, ok := s.byAddr[a]; ok {
		return i
	}
	if a[0]&0x40 != 0 {
		b := a
		b[0] &^= 0x40
		if i, ok := s.byAddr[b]; ok {
			return i
		}
	}
	return -1
}

// findOrAdd resolves name, adding an unplaced radio by that name (or
// address) if there is none.
func (s *state) findOrAdd(name string, now time.Time) int32 {
	if i := s.find(name); i >= 0 {
		return i
	}
	if name == "" {
		return -1
	}
	e := entry{node: Node{TxPower: DefaultTxPower}, t0: now}
	if a, err := mac.ParseAddr(name); err == nil {
		e.addr, e.hasAddr = a, true
	} else {
		e.name = name
	}
	return s.add(e)
}

// lookupPeer finds the radio a medium peer is: by interface name, wiphy
// name, then hwsim address.
func (s *state) lookupPeer(p *medium.Peer) int32 {
	if p.Iface != "" {
		if i, ok := s.byName[p.Iface]; ok {
			return i
		}
	}
	if p.Name != "" {
		if i, ok := s.byName[p.Name]; ok {
			return i
		}
	}
	return s.findAddr(p.HW)
}

// resolve returns the radio index of p, from the per-peer cache when it is
// current. On a miss it learns p under the writers' mutex and returns the
// snapshot in force afterwards.
func (m *Model) resolve(s *state, p *medium.Peer) (int32, *state) {
	id := int(p.ID)
	if id >= 0 && id < len(m.hot.peers) {
		c := &m.hot.peers[id]
		if c.ok && c.gen == s.gen && c.hw == p.HW && c.name == p.Name && c.iface == p.Iface {
			return c.idx, s
		}
	}
	m.mu.Lock()
	idx := m.learnLocked(p)
	s = m.state.Load()
	m.mu.Unlock()
	if id >= 0 {
		for len(m.hot.peers) <= id {
			m.hot.peers = append(m.hot.peers, peerSlot{})
		}
		m.hot.peers[id] = peerSlot{ok: true, gen: s.gen, hw: p.HW, name: p.Name, iface: p.Iface, idx: idx}
	}
	return idx, s
}

// learnLocked finds or adds the radio of p and records p's names and
// address as its aliases, publishing a new snapshot if anything changed.
func (m *Model) learnLocked(p *medium.Peer) int32 {
	s := m.state.Load()
	idx := s.lookupPeer(p)
	var ns *state
	if idx < 0 {
		ns = s.clone()
		idx = ns.add(entry{addr: p.HW, hasAddr: true, node: Node{TxPower: DefaultTxPower}, t0: m.now()})
	}
	for _, n := range [...]string{p.Iface, p.Name} {
		if n == "" {
			continue
		}
		if _, taken := s.byName[n]; taken {
			continue
		}
		if ns == nil {
			ns = s.clone()
		}
		if _, taken := ns.byName[n]; taken {
			continue
		}
		ns.byName[n] = idx
		e := &ns.radios[idx]
		e.aliases = append(slices.Clip(e.aliases), n)
		ns.gen++
	}
	if s.findAddr(p.HW) < 0 {
		if ns == nil {
			ns = s.clone()
		}
		if ns.findAddr(p.HW) < 0 {
			ns.byAddr[p.HW] = idx
			ns.gen++
		}
	}
	if ns != nil {
		m.state.Store(ns)
	}
	return idx
}

// Learn makes a radio known by its names before it transmits, so live
// changes can name it. The medium need not call it: the per-frame path
// learns every radio it meets.
func (m *Model) Learn(p medium.Peer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.learnLocked(&p)
}

// Hear implements medium.Model: the signal is the transmitter's power plus
// both antenna gains minus the path loss (or noise floor plus the link's
// fixed SNR), plus fading; the frame is heard at or above the sensitivity.
func (m *Model) Hear(tx, rx *medium.Peer, freq uint32) (int32, bool) {
	s := m.state.Load()
	i, s := m.resolve(s, tx)
	j, s := m.resolve(s, rx)
	snr, blocked := m.linkSNR(s, i, j, freq, m.now(), true)
	if blocked {
		return 0, false
	}
	if s.p.fading > 0 {
		snr += s.p.fading * m.hot.rng.NormFloat64()
	}
	sig := s.p.noise + snr
	return clampSignal(sig), sig >= s.p.sens
}

// clampSignal rounds a signal to whole dBm within what a radio could
// report.
func clampSignal(sig float64) int32 {
	switch {
	case !(sig > -200):
		return -200
	case sig > 100:
		return 100
	}
	return int32(math.Round(sig))
}

// PER implements medium.LossModel: a link's fixed loss if it has one, else
// the model's default loss if set, else the error rate of the chain
// entry's modulation and coding (legacy, HT or VHT) at SNR = signal −
// noise floor for n bytes.
func (m *Model) PER(tx, rx *medium.Peer, freq uint32, signal int32, rate hwsim.TxRate, n int) float64 {
	s := m.state.Load()
	i, s := m.resolve(s, tx)
	j, s := m.resolve(s, rx)
	if len(s.links) > 0 {
		if o, ok := s.links[linkKey{i, j}]; ok {
			if o.blocked {
				return 1
			}
			if o.hasLoss {
				return o.loss
			}
		}
	}
	if s.p.defaultLoss >= 0 {
		return s.p.defaultLoss
	}
	return PERForTxRate(freq, rate.Idx, rate.Flags, n, float64(signal)-s.p.noise)
}

// linkSNR is the SNR of i → j without fading, and whether the link is
// blocked. hot says the caller is the per-frame path and may use its
// caches.
func (m *Model) linkSNR(s *state, i, j int32, freq uint32, now time.Time, hot bool) (float64, bool) {
	if len(s.links) > 0 {
		if o, ok := s.links[linkKey{i, j}]; ok {
			if o.blocked {
				return 0, true
			}
			if o.hasSNR {
				return o.snr, false
			}
		}
	}
	a, b := &s.radios[i], &s.radios[j]
	if s.p.propKind == propNone || !a.placed || !b.placed {
		return s.p.defaultSNR, false
	}
	f := float64(freq)
	if f == 0 {
		f = DefaultFreq
	}
	d := distance(m.position(s, i, now, hot), m.position(s, j, now, hot))
	rx := a.node.TxPower + a.node.AntennaGain + b.node.AntennaGain - s.pathLoss(d, f, i, j)
	return rx - s.p.noise, false
}

// pathLoss applies the propagation model between radios i and j.
func (s *state) pathLoss(d, f float64, i, j int32) float64 {
	p := &s.p.prop
	pl0 := func() float64 {
		if p.RefLoss != nil {
			return *p.RefLoss
		}
		return FreeSpace(1, f)
	}
	var pl float64
	switch s.p.propKind {
	case propFree:
		pl = FreeSpace(d, f)
	case propLogDist:
		pl = LogDistance(d, pl0(), p.Exponent)
	case propITU:
		pl = ITUIndoor(d, f, p.PowerLossCoeff, p.Floors, p.FloorLoss)
	case propTwoRay:
		pl = TwoRayGround(d, f, p.AntennaHeight, p.AntennaHeight)
	case propShadow:
		lo, hi := min(i, j), max(i, j)
		pl = LogDistance(d, pl0(), p.Exponent) + p.Sigma*gauss(s.p.seed, uint64(lo), uint64(hi))
	}
	return pl + p.ExtraLoss
}

// position is where radio i is at now.
func (m *Model) position(s *state, i int32, now time.Time, hot bool) [3]float64 {
	e := &s.radios[i]
	if !e.mob.moving() {
		return e.node.pos()
	}
	el := now.Sub(e.t0)
	if w := e.mob.Waypoint; w != nil {
		var h *legHint
		var scratch legHint
		if hot {
			for int(i) >= len(m.hot.legs) {
				m.hot.legs = append(m.hot.legs, legHint{})
			}
			h = &m.hot.legs[i]
		} else {
			h = &scratch
		}
		if h.epoch != e.epoch {
			*h = legHint{epoch: e.epoch}
		}
		return w.walk(s.p.seed, uint64(i), e.epoch, e.node.pos(), el.Seconds(), &h.leg)
	}
	return constantVelocity(e.node.pos(), e.mob.Velocity, el, e.mob.Step)
}

// update applies f to a copy of the snapshot and publishes it.
func (m *Model) update(f func(s *state) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ns := m.state.Load().clone()
	if err := f(ns); err != nil {
		return err
	}
	m.state.Store(ns)
	return nil
}

func (s *state) mustFind(name string) (int32, error) {
	if i := s.find(name); i >= 0 {
		return i, nil
	}
	return -1, fmt.Errorf("model: %q: %w", name, medium.ErrUnknownRadio)
}

// Move places radio name at (x, y, z), metres. Its mobility, if any,
// continues from there. A name no radio has adds a radio by that name (or
// address), so radios can be placed before they exist.
func (m *Model) Move(name string, x, y, z float64) error {
	if !finite(x) || !finite(y) || !finite(z) {
		return fmt.Errorf("model: move %s: position (%v, %v, %v) is not a point", name, x, y, z)
	}
	now := m.now()
	return m.update(func(s *state) error {
		i := s.findOrAdd(name, now)
		if i < 0 {
			return fmt.Errorf("model: move: empty radio name")
		}
		e := &s.radios[i]
		e.node.X, e.node.Y, e.node.Z = x, y, z
		e.placed = true
		e.t0 = now
		m.epoch++
		e.epoch = m.epoch
		return nil
	})
}

// SetMobility replaces the mobility of radio name, starting now from where
// it is.
func (m *Model) SetMobility(name string, mob Mobility) error {
	r := Radio{Name: name, Mobility: mob}
	if err := checkRadio(&r); err != nil {
		return err
	}
	now := m.now()
	return m.update(func(s *state) error {
		i, err := s.mustFind(name)
		if err != nil {
			return err
		}
		pos := m.position(s, i, now, false)
		e := &s.radios[i]
		e.node.X, e.node.Y, e.node.Z = pos[0], pos[1], pos[2]
		e.mob = mob
		if mob.Waypoint != nil {
			w := *mob.Waypoint
			e.mob.Waypoint = &w
		}
		e.t0 = now
		m.epoch++
		e.epoch = m.epoch
		return nil
	})
}

// SetTxPower sets the transmit power of radio name, in dBm.
func (m *Model) SetTxPower(name string, dBm float64) error {
	if !finite(dBm) {
		return fmt.Errorf("model: tx power %v is not a number", dBm)
	}
	return m.update(func(s *state) error {
		i, err := s.mustFind(name)
		if err != nil {
			return err
		}
		s.radios[i].node.TxPower = dBm
		return nil
	})
}

func (m *Model) setLink(tx, rx string, f func(o *override)) error {
	return m.update(func(s *state) error {
		i, err := s.mustFind(tx)
		if err != nil {
			return err
		}
		j, err := s.mustFind(rx)
		if err != nil {
			return err
		}
		if i == j {
			return fmt.Errorf("model: link from %s to itself", tx)
		}
		o := s.links[linkKey{i, j}]
		f(&o)
		if o == (override{}) {
			delete(s.links, linkKey{i, j})
		} else {
			s.links[linkKey{i, j}] = o
		}
		return nil
	})
}

// SetLinkSNR fixes the SNR, in dB, of frames tx sends to rx (one
// direction).
func (m *Model) SetLinkSNR(tx, rx string, snr float64) error {
	if !finite(snr) {
		return fmt.Errorf("model: snr %v is not a number", snr)
	}
	return m.setLink(tx, rx, func(o *override) { o.hasSNR, o.snr = true, snr })
}

// SetLinkLoss fixes the probability that one try of a frame tx sends to rx
// is lost (one direction).
func (m *Model) SetLinkLoss(tx, rx string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return fmt.Errorf("model: loss %v is not a probability", p)
	}
	return m.setLink(tx, rx, func(o *override) { o.hasLoss, o.loss = true, p })
}

// ClearLink removes every override of the direction tx → rx.
func (m *Model) ClearLink(tx, rx string) error {
	return m.setLink(tx, rx, func(o *override) { *o = override{} })
}
