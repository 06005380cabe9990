package medium

import (
	"slices"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Bounds of what frames can make the medium remember. The kernel only
// sends frames of real radios, but a buggy or hostile stream (or a test)
// must not grow the medium's memory without bound.
const (
	// maxLearned bounds the interface addresses a radio learns from its
	// frames' transmitter addresses. A radio has a few interfaces, but
	// randomised scan addresses come and go; beyond the bound the oldest
	// learned address is forgotten (addresses the kernel announced are
	// kept).
	maxLearned = 32
	// maxStrangers bounds the radios known only from their frames (no
	// announcement, no name). Beyond it the one that showed up first is
	// forgotten; a real radio among them comes back with its next frame.
	// Every radio costs a row and a column of link counters, so this
	// bounds their memory too.
	maxStrangers = 256
)

// Forgetter is a Model that forgets radios: the medium calls Forget when a
// radio is removed, so that what the model learned of it (its names, an
// entry made for it) does not outlive it. Forget may be called with the
// medium's lock held.
type Forgetter interface {
	Forget(p Peer)
}

// radioLocked returns the radio with hwsim address hw, creating it when a
// transmitter shows up that nobody announced (radios created by others):
// a stranger until announced.
func (m *Medium) radioLocked(hw mac.Addr) *radio {
	if r := m.byHW[hw]; r != nil {
		return r
	}
	if m.strangers >= maxStrangers {
		m.evictStrangerLocked()
	}
	r := &radio{Peer: Peer{ID: m.takeSlotLocked(), Name: hw.String(), HW: hw}, refs: map[mac.Addr]int{}}
	if m.nameOf != nil {
		if n := m.nameOf(hw); n != "" {
			r.Name = n
		}
	}
	m.seq++
	r.stranger, r.seq = true, m.seq
	m.strangers++
	m.radios[r.ID] = r
	m.byHW[hw] = r
	m.byAddr[hw] = r
	r.grow(len(m.radios))
	m.resolveDenyLocked()
	m.log.Debug("radio appeared", "radio", r.Name, "hwaddr", hw)
	return r
}

// announcedLocked marks r as announced (by name): no longer a stranger.
func (m *Medium) announcedLocked(r *radio) {
	if r.stranger {
		r.stranger = false
		m.strangers--
	}
}

// evictStrangerLocked forgets the stranger that showed up first.
func (m *Medium) evictStrangerLocked() {
	var oldest *radio
	for _, r := range m.radios {
		if r != nil && r.stranger && (oldest == nil || r.seq < oldest.seq) {
			oldest = r
		}
	}
	if oldest != nil {
		m.stats.RadiosEvicted++
		m.log.Debug("forgetting a radio known only from its frames: too many", "radio", oldest.Name, "max", maxStrangers)
		m.removeLocked(oldest)
	}
}

// takeSlotLocked returns the lowest free RadioID, or a new one. Every
// radio's row of link counters and deny flags gets the new radio's
// column, cleared: a slot's previous radio leaves nothing behind.
func (m *Medium) takeSlotLocked() RadioID {
	if len(m.free) == 0 {
		m.radios = append(m.radios, nil)
		n := len(m.radios)
		for _, o := range m.radios {
			if o != nil {
				o.grow(n)
			}
		}
		return RadioID(n - 1)
	}
	i := 0
	for j, id := range m.free {
		if id < m.free[i] {
			i = j
		}
	}
	id := m.free[i]
	m.free = slices.Delete(m.free, i, i+1)
	for _, o := range m.radios {
		if o != nil {
			o.grow(len(m.radios))
			o.links[id] = LinkStats{}
			o.denies[id] = false
			o.paired[id] = false
		}
	}
	return id
}

// removeLocked forgets r: its addresses, its blocks, its slot (trailing
// free slots are given back) and what the model learned of it.
func (m *Medium) removeLocked(r *radio) {
	if m.byHW[r.HW] == r {
		delete(m.byHW, r.HW)
	}
	// Every address a radio answers to is its hwsim address, a counted
	// one, or a learned one.
	for _, a := range slices.Concat([]mac.Addr{r.HW}, r.learned) {
		if m.byAddr[a] == r {
			delete(m.byAddr, a)
		}
	}
	for a := range r.refs {
		if m.byAddr[a] == r {
			delete(m.byAddr, a)
		}
	}
	for k := range m.blocks {
		if k[0] == r.ID || k[1] == r.ID {
			delete(m.blocks, k)
		}
	}
	if r.stranger {
		m.strangers--
	}
	if r.member != "" {
		m.remotes--
	}
	m.radios[r.ID] = nil
	m.free = append(m.free, r.ID)
	m.trimSlotsLocked()
	if f, ok := m.model.(Forgetter); ok {
		f.Forget(r.Peer)
	}
	m.resolveDenyLocked()
}

// trimSlotsLocked gives back the free slots at the end, so that the rows
// of link counters shrink when the radios with the highest IDs go.
func (m *Medium) trimSlotsLocked() {
	n := len(m.radios)
	for n > 0 && m.radios[n-1] == nil {
		n--
	}
	if n == len(m.radios) {
		return
	}
	m.free = slices.DeleteFunc(m.free, func(id RadioID) bool { return int(id) >= n })
	m.radios = slices.Clip(m.radios[:n])
	for _, o := range m.radios {
		if o != nil {
			o.shrink(n)
		}
	}
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

// shrink cuts r's rows to n radios, giving the memory back when they are
// at most half used.
func (r *radio) shrink(n int) {
	if n >= len(r.links) {
		return
	}
	r.links, r.denies, r.paired = r.links[:n], r.denies[:n], r.paired[:n]
	if cap(r.links) > 2*n+8 {
		r.links, r.denies, r.paired = slices.Clone(r.links), slices.Clone(r.denies), slices.Clone(r.paired)
	}
}

// learnLocked makes r answer to interface address a, which it sent from
// (addresses announcements can miss: radios that existed before the
// medium, or an address a scan withdrew). At most maxLearned are kept per
// radio; the oldest learned one goes first.
func (m *Medium) learnLocked(r *radio, a mac.Addr) {
	if len(r.learned) >= maxLearned {
		old := r.learned[0]
		r.learned = append(r.learned[:0], r.learned[1:]...)
		if m.byAddr[old] == r && r.refs[old] == 0 && old != r.HW {
			delete(m.byAddr, old)
		}
		m.stats.AddrsEvicted++
	}
	r.learned = append(r.learned, a)
	m.byAddr[a] = r
}
