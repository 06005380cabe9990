package model

import (
	"errors"
	"slices"

	"github.com/hwsim-medium/hwsim-medium/medium"
)

// maxLiveRadios bounds the radios that live changes add by a name the
// model does not know (radio.move places a radio before it exists), so a
// client cannot grow the model without bound.
const maxLiveRadios = 1024

// ErrTooManyRadios is a live change refused because it would add a radio
// past maxLiveRadios.
var ErrTooManyRadios = errors.New("too many radios")

var _ medium.Forgetter = (*Model)(nil)

// Forget implements medium.Forgetter: a radio left the medium. The names
// learned for it go (another radio may take them); an entry made only
// because the radio was met on the medium, and not changed live since,
// goes too, and its index is reused. Configured radios and what live
// changes set stay, for when the radio comes back.
func (m *Model) Forget(p medium.Peer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.state.Load()
	idx := s.lookupPeer(&p)
	if idx < 0 {
		return
	}
	ns := s.clone()
	e := &ns.radios[idx]
	if e.learned && !e.edited && !ns.linked(idx) {
		ns.drop(idx)
	} else {
		e.aliases = slices.DeleteFunc(slices.Clone(e.aliases), func(a string) bool {
			if (a == p.Iface || a == p.Name) && ns.byName[a] == idx {
				delete(ns.byName, a)
				return true
			}
			return false
		})
		if (!e.hasAddr || e.addr != p.HW) && ns.byAddr[p.HW] == idx {
			delete(ns.byAddr, p.HW)
		}
	}
	ns.gen++
	m.state.Store(ns)
}

// linked reports whether a link override names radio i.
func (s *state) linked(i int32) bool {
	for k := range s.links {
		if k[0] == i || k[1] == i {
			return true
		}
	}
	return false
}

// drop forgets entry i and frees its index.
func (s *state) drop(i int32) {
	for n, j := range s.byName {
		if j == i {
			delete(s.byName, n)
		}
	}
	for a, j := range s.byAddr {
		if j == i {
			delete(s.byAddr, a)
		}
	}
	s.radios[i] = entry{dead: true}
	s.free = append(s.free, i)
}
