package model

import (
	"slices"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

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
	// learned: made for a radio met on the medium (not configured);
	// live: made by a live change naming a radio the model did not know;
	// edited: changed live since. dead: forgotten, its index free.
	learned, live, edited, dead bool
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
	// free are the indexes of dead entries, for add to reuse; live
	// counts the entries live changes made.
	free []int32
	live int
}

func (s *state) clone() *state {
	n := *s
	n.radios = slices.Clone(s.radios)
	n.free = slices.Clone(s.free)
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

// add adds e, in the slot of a dead entry if there is one, and indexes
// its name and address.
func (s *state) add(e entry) int32 {
	var i int32
	if n := len(s.free); n > 0 {
		i, s.free = s.free[n-1], s.free[:n-1]
		s.radios[i] = e
	} else {
		i = int32(len(s.radios))
		s.radios = append(s.radios, e)
	}
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
