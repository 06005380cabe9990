package medium

import (
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
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
	// HWGuess says HWAddr was derived rather than reported by the kernel
	// (a radio found at start-up, see hwsim.FoundRadio): when a radio
	// with another hwsim address transmits from one of Addrs, it is this
	// radio, and its hwsim address is corrected.
	HWGuess bool
	// Owned says this medium created the radio, or took it over from an
	// earlier run: in a federated air it is this member's from the
	// start, before it transmits.
	Owned bool
}

// radio is the medium's view of one hwsim radio.
type radio struct {
	Peer
	refs   map[mac.Addr]int // interface address -> ADD_MAC_ADDR references
	freq   uint32           // channel of its last transmission
	role   Role             // what its frames say it does
	bssid  mac.Addr         // the BSS of role, if any
	stats  RadioStats
	links  []LinkStats // by receiver RadioID
	denies []bool      // by source RadioID: frames whose SA is that radio's are not delivered here

	warnedBSSID bool // the IBSS-BSSID warning was given
	// hwGuess: HW was derived, not seen in a frame (RadioConfig.HWGuess).
	hwGuess bool
	// stranger: known only from its frames (nobody announced it); seq
	// orders strangers by arrival, for eviction.
	stranger bool
	seq      uint64
	// learned are the interface addresses learned from its frames, oldest
	// first, at most maxLearned.
	learned []mac.Addr
	paired  []bool // by RadioID: the pair went to the shared-namespace check

	// member is the member of a federated air that serves the radio; ""
	// for a radio of this medium's kernel (bus.go).
	member string
	// owned: this medium created the radio or took it over (RadioConfig.
	// Owned); served: its frames come to this medium. Either makes it one
	// this medium claims in a federated air.
	owned, served bool
}

// AddRadio makes a radio known by name. Adding a radio whose hwsim address
// is already known renames it (an empty Iface keeps the interface name it
// has); adding one whose name a radio with a guessed hwsim address has
// corrects that address.
func (m *Medium) AddRadio(c RadioConfig) RadioID {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.byHW[c.HWAddr]
	if r == nil && c.Name != "" {
		if old := m.namedLocked(c.Name); old != nil {
			switch {
			case c.HWGuess:
				// A guess never overrides what is known.
				r = old
			case old.hwGuess:
				m.rekeyLocked(old, c.HWAddr)
				r = old
			default:
				// The name moved to a new radio (its removal was
				// missed): the old one is gone.
				m.removeLocked(old)
			}
		}
	}
	if r == nil {
		r = m.radioLocked(c.HWAddr)
		r.hwGuess = c.HWGuess
	} else if !c.HWGuess {
		r.hwGuess = false
	}
	m.announcedLocked(r)
	if c.Owned {
		r.owned = true
	}
	m.nameLocked(r, c.Name, c.Iface, c.Addrs, func(*radio) bool { return true })
	m.byAddr[r.HW] = r
	return r.ID
}

// nameLocked gives r its names (empty ones keep what r has) and the
// interface addresses that take (an address of another radio) allows,
// and tells the model.
func (m *Medium) nameLocked(r *radio, name, iface string, addrs []mac.Addr, take func(other *radio) bool) {
	if name != "" {
		r.Name = name
	}
	if iface != "" {
		r.Iface = iface
	}
	// Models that name radios in their configuration learn them now, so
	// live changes can name a radio before it transmits.
	if l, ok := m.model.(Learner); ok {
		l.Learn(r.Peer)
	}
	for _, a := range addrs {
		if o := m.byAddr[a]; o != nil && o != r && !take(o) {
			continue
		}
		// At least one reference, not one more: the same radio is
		// announced again by every resynchronisation.
		r.refs[a] = max(r.refs[a], 1)
		m.byAddr[a] = r
	}
}

// RemoveRadio forgets a radio (it was deleted), by wiphy name, or by
// hwsim address for a radio the medium knows only by its frames. It
// reports whether the radio was known.
func (m *Medium) RemoveRadio(name string, hw mac.Addr) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.namedLocked(name)
	if r == nil {
		r = m.byHW[hw]
	}
	if r == nil {
		return false
	}
	m.removeLocked(r)
	return true
}

// namedLocked returns the radio whose wiphy is called name, or nil.
func (m *Medium) namedLocked(name string) *radio {
	for _, r := range m.radios {
		if r != nil && r.Name == name {
			return r
		}
	}
	return nil
}

// rekeyLocked gives r the hwsim address hw, which the kernel uses for it
// (r's was a guess).
func (m *Medium) rekeyLocked(r *radio, hw mac.Addr) {
	if m.byHW[r.HW] == r {
		delete(m.byHW, r.HW)
	}
	if m.byAddr[r.HW] == r && r.refs[r.HW] == 0 {
		delete(m.byAddr, r.HW)
	}
	m.log.Debug("radio's hwsim address corrected", "radio", r.Name, "was", r.HW, "hwaddr", hw)
	r.HW, r.hwGuess = hw, false
	m.byHW[hw] = r
	m.byAddr[hw] = r
	if l, ok := m.model.(Learner); ok {
		l.Learn(r.Peer)
	}
}

// adoptLocked returns the radio that sends from hwsim address hw, which
// no radio has: the radio of a guessed address that owns addr (the
// transmitter's interface address in the frame or address event), whose
// address is then corrected, or a new radio.
func (m *Medium) adoptLocked(hw, addr mac.Addr) *radio {
	if r := m.byAddr[addr]; r != nil && r.hwGuess {
		m.rekeyLocked(r, hw)
		return r
	}
	return m.radioLocked(hw)
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

// newTransmitterLocked returns the radio of a frame whose hwsim address no
// radio has (off the per-frame path: once per such radio).
func (m *Medium) newTransmitterLocked(f *hwsim.Frame) *radio {
	if h, err := mac.Parse(f.Data); err == nil {
		if ta, ok := h.Transmitter(); ok && !ta.IsGroup() {
			return m.adoptLocked(f.Transmitter, ta)
		}
	}
	return m.radioLocked(f.Transmitter)
}

// radioByIDLocked returns the radio with id, or nil.
func (m *Medium) radioByIDLocked(id RadioID) *radio {
	if id < 0 || int(id) >= len(m.radios) {
		return nil
	}
	return m.radios[id]
}
