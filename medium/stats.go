package medium

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Stats are medium-wide counters.
type Stats struct {
	// Frames counts transmitted frames the medium routed.
	Frames uint64
	// Malformed counts frames that did not parse as 802.11.
	Malformed uint64
	// SendErrors counts batches the kernel refused as a whole.
	SendErrors uint64
	// Collisions counts tries lost while another transmission overlapped
	// them (airtime mode).
	Collisions uint64
	// AirBusy is how long each channel carried at least one transmission
	// (airtime mode), by first use.
	AirBusy []ChannelBusy
	// AddrsEvicted counts interface addresses a radio learned from its
	// frames and forgot again, past the bound per radio.
	AddrsEvicted uint64
	// RadiosEvicted counts radios known only from their frames that were
	// forgotten, past the bound of such radios.
	RadiosEvicted uint64
	// AirQueueDrops counts frames failed at once because their radio
	// held as many as it may (airtime mode).
	AirQueueDrops uint64
}

// ChannelBusy is the busy time of one channel.
type ChannelBusy struct {
	// Freq is the channel in MHz.
	Freq uint32
	// Busy is the time it carried a transmission.
	Busy time.Duration
}

// RadioStats are one radio's counters.
type RadioStats struct {
	TxFrames uint64
	TxBytes  uint64
	RxFrames uint64
	RxBytes  uint64
	// Acked and NotAcked count unicast frames by their TX status.
	Acked    uint64
	NotAcked uint64
}

// LinkStats count what one radio sent to another.
type LinkStats struct {
	Frames uint64
	Bytes  uint64
	// Blocked counts frames withheld by the denylist or a link block.
	Blocked uint64
	// Lost counts frames the model said were not heard.
	Lost uint64
}

// Link is LinkStats with the receiver's name.
type Link struct {
	To string
	LinkStats
}

// RadioInfo is a snapshot of one radio.
type RadioInfo struct {
	ID RadioID
	// Member is the member of a federated air that serves the radio; ""
	// for a radio of this medium.
	Member string
	Name   string
	Iface  string
	HWAddr mac.Addr
	Addrs  []mac.Addr
	// Freq is the channel of the radio's last transmission (0: none yet).
	Freq uint32
	// Role is what the radio's frames say it does; BSSID is the BSS it
	// beacons for or sends to (zero when unknown).
	Role  Role
	BSSID mac.Addr
	Stats RadioStats
	Links []Link
	// LinksOmitted counts link counters left out of a RadiosPage.
	LinksOmitted int
}

// Status is a snapshot of the whole medium.
type Status struct {
	Uptime time.Duration
	Radios int
	Stats  Stats
	// Socket are the counters of the kernel connection the medium runs
	// on, when it keeps them (hwsim.FrameSocket does); nil otherwise.
	Socket *hwsim.SocketStats
	// Bus are the counters of the traffic with the other members of a
	// federated air; nil for a medium on its own.
	Bus *BusStats
}

// socketCounter is a Conn that counts what happened on it; Stats must be
// safe to call while the connection is in use.
type socketCounter interface {
	Stats() hwsim.SocketStats
}

// Status returns medium-wide counters.
func (m *Medium) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, r := range m.radios {
		if r != nil {
			n++
		}
	}
	st := m.stats
	st.AirBusy = slices.Clone(st.AirBusy)
	out := Status{Uptime: m.now().Sub(m.start), Radios: n, Stats: st}
	if m.socket != nil {
		ss := m.socket.Stats()
		out.Socket = &ss
	}
	if m.bus != nil {
		bs := m.busStats
		out.Bus = &bs
	}
	return out
}

// Radios returns a snapshot of every known radio, ordered by ID, with
// every link counter.
func (m *Medium) Radios() []RadioInfo {
	out, _ := m.RadiosPage(0, math.MaxInt, math.MaxInt)
	return out
}

// RadiosPage returns a snapshot of the radios from ID from on, ordered by
// ID: at most limit radios, and at most maxLinks link counters in all (a
// negative maxLinks: none). The first radio is always there; of its links
// only maxLinks, and LinksOmitted counts the others. next is the from of
// the next page, 0 after the last.
func (m *Medium) RadiosPage(from RadioID, limit, maxLinks int) (radios []RadioInfo, next RadioID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	links := 0
	for id := max(from, 0); int(id) < len(m.radios); id++ {
		r := m.radios[id]
		if r == nil {
			continue
		}
		if len(radios) >= limit {
			return radios, id
		}
		ri := RadioInfo{ID: r.ID, Member: r.member, Name: r.Name, Iface: r.Iface, HWAddr: r.HW, Freq: r.freq, Role: r.role, BSSID: r.bssid, Stats: r.stats, Addrs: m.addrsLocked(r)}
		if maxLinks >= 0 {
			var n int
			for id, l := range r.links {
				if o := m.radioByIDLocked(RadioID(id)); o != nil && l != (LinkStats{}) {
					n++
				}
			}
			if len(radios) > 0 && links+n > maxLinks {
				return radios, id
			}
			for id, l := range r.links {
				if o := m.radioByIDLocked(RadioID(id)); o != nil && l != (LinkStats{}) {
					if links >= maxLinks {
						ri.LinksOmitted++
						continue
					}
					ri.Links = append(ri.Links, Link{To: o.displayName(), LinkStats: l})
					links++
				}
			}
		}
		radios = append(radios, ri)
	}
	return radios, 0
}

// addrsLocked returns the addresses r answers to, sorted: its hwsim
// address, those the kernel announced and those it learned.
func (m *Medium) addrsLocked(r *radio) []mac.Addr {
	var out []mac.Addr
	add := func(a mac.Addr) {
		if m.byAddr[a] == r && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	add(r.HW)
	for a := range r.refs {
		add(a)
	}
	for _, a := range r.learned {
		add(a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func (r *radio) displayName() string {
	if r.Iface != "" {
		return r.Iface
	}
	return r.Name
}
