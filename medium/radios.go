package medium

import (
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// RadioConfig describes a radio the medium should know by name before it
// transmits (radios it creates, or found at start-up).
type RadioConfig struct {
	// Name is the wiphy name (vw_phy0).
	Name string
	// Iface is the interface name users know (vw0), if any.
	Iface string
	// HWAddr is the radio's hwsim address as the kernel reports it in
	// ADDR_TRANSMITTER.
	HWAddr mac.Addr
	// Addrs are interface addresses the radio answers to from the start.
	Addrs []mac.Addr
}

// radio is the medium's view of one hwsim radio.
type radio struct {
	Peer
	refs   map[mac.Addr]int // interface address -> ADD_MAC_ADDR references
	freq   uint32           // channel of its last transmission
	stats  RadioStats
	links  []LinkStats // by receiver RadioID
	denies []bool      // by source RadioID: frames whose SA is that radio's are not delivered here

	warnedBSSID bool   // the IBSS-BSSID warning was given
	paired      []bool // by RadioID: the pair went to the shared-namespace check
}

// AddRadio makes a radio known by name. Adding a radio whose hwsim address
// is already known renames it.
func (m *Medium) AddRadio(c RadioConfig) RadioID {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.radioLocked(c.HWAddr)
	r.Name, r.Iface = c.Name, c.Iface
	// Models that name radios in their configuration learn them now, so
	// live changes can name a radio before it transmits.
	if l, ok := m.model.(Learner); ok {
		l.Learn(r.Peer)
	}
	for _, a := range c.Addrs {
		r.refs[a]++
		m.byAddr[a] = r
	}
	m.byAddr[c.HWAddr] = r
	return r.ID
}

// RemoveRadio forgets a radio (it was deleted). It reports whether the
// radio was known.
func (m *Medium) RemoveRadio(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.radios {
		if r != nil && r.Name == name {
			m.removeLocked(r)
			return true
		}
	}
	return false
}

func (m *Medium) removeLocked(r *radio) {
	delete(m.byHW, r.HW)
	for a, owner := range m.byAddr {
		if owner == r {
			delete(m.byAddr, a)
		}
	}
	m.radios[r.ID] = nil
	m.resolveDenyLocked()
}

// radioLocked returns the radio with hwsim address hw, creating it when a
// transmitter shows up that nobody announced (radios created by others).
func (m *Medium) radioLocked(hw mac.Addr) *radio {
	if r := m.byHW[hw]; r != nil {
		return r
	}
	r := &radio{Peer: Peer{ID: RadioID(len(m.radios)), Name: hw.String(), HW: hw}, refs: map[mac.Addr]int{}}
	if m.nameOf != nil {
		if n := m.nameOf(hw); n != "" {
			r.Name = n
		}
	}
	m.radios = append(m.radios, r)
	m.byHW[hw] = r
	m.byAddr[hw] = r
	for _, o := range m.radios {
		if o != nil {
			o.grow(len(m.radios))
		}
	}
	m.resolveDenyLocked()
	m.log.Debug("radio appeared", "radio", r.Name, "hwaddr", hw)
	return r
}

func (r *radio) grow(n int) {
	for len(r.links) < n {
		r.links = append(r.links, LinkStats{})
	}
	for len(r.denies) < n {
		r.denies = append(r.denies, false)
	}
	for len(r.paired) < n {
		r.paired = append(r.paired, false)
	}
}

// ErrUnknownRadio is returned for a name no radio has.
var ErrUnknownRadio = errors.New("no such radio")

// findLocked finds a radio by interface name, wiphy name or address.
func (m *Medium) findLocked(name string) (*radio, error) {
	for _, r := range m.radios {
		if r != nil && (r.Iface == name || r.Name == name) {
			return r, nil
		}
	}
	if a, err := mac.ParseAddr(name); err == nil {
		if r := m.byAddr[a]; r != nil {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%q: %w", name, ErrUnknownRadio)
}
