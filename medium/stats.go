package medium

import (
	"slices"
	"sort"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Stats are medium-wide counters.
type Stats struct {
	// Frames counts transmitted frames the medium routed.
	Frames uint64 `json:"frames"`
	// Malformed counts frames that did not parse as 802.11.
	Malformed uint64 `json:"malformed"`
	// SendErrors counts batches the kernel refused as a whole.
	SendErrors uint64 `json:"send_errors"`
	// Collisions counts tries lost while another transmission overlapped
	// them (airtime mode).
	Collisions uint64 `json:"collisions,omitempty"`
	// AirBusy is how long each channel carried at least one transmission
	// (airtime mode), by first use.
	AirBusy []ChannelBusy `json:"air_busy,omitempty"`
}

// ChannelBusy is the busy time of one channel.
type ChannelBusy struct {
	// Freq is the channel in MHz.
	Freq uint32 `json:"freq"`
	// Busy is the time it carried a transmission (JSON: nanoseconds).
	Busy time.Duration `json:"busy_ns"`
}

// RadioStats are one radio's counters.
type RadioStats struct {
	TxFrames uint64 `json:"tx_frames"`
	TxBytes  uint64 `json:"tx_bytes"`
	RxFrames uint64 `json:"rx_frames"`
	RxBytes  uint64 `json:"rx_bytes"`
	// Acked and NotAcked count unicast frames by their TX status.
	Acked    uint64 `json:"acked"`
	NotAcked uint64 `json:"not_acked"`
}

// LinkStats count what one radio sent to another.
type LinkStats struct {
	Frames uint64 `json:"frames"`
	Bytes  uint64 `json:"bytes"`
	// Blocked counts frames withheld by the denylist or a link block.
	Blocked uint64 `json:"blocked"`
	// Lost counts frames the model said were not heard.
	Lost uint64 `json:"lost"`
}

// Link is LinkStats with the receiver's name.
type Link struct {
	To string `json:"to"`
	LinkStats
}

// RadioInfo is a snapshot of one radio.
type RadioInfo struct {
	ID     RadioID    `json:"id"`
	Name   string     `json:"name"`
	Iface  string     `json:"iface,omitempty"`
	HWAddr mac.Addr   `json:"hwaddr"`
	Addrs  []mac.Addr `json:"addrs"`
	// Freq is the channel of the radio's last transmission (0: none yet).
	Freq  uint32     `json:"freq"`
	Stats RadioStats `json:"stats"`
	Links []Link     `json:"links,omitempty"`
}

// Status is a snapshot of the whole medium.
type Status struct {
	Uptime time.Duration `json:"uptime"`
	Radios int           `json:"radios"`
	Stats  Stats         `json:"stats"`
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
	return Status{Uptime: m.now().Sub(m.start), Radios: n, Stats: st}
}

// Radios returns a snapshot of every known radio, ordered by ID.
func (m *Medium) Radios() []RadioInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []RadioInfo
	for _, r := range m.radios {
		if r == nil {
			continue
		}
		ri := RadioInfo{ID: r.ID, Name: r.Name, Iface: r.Iface, HWAddr: r.HW, Freq: r.freq, Stats: r.stats}
		for a, owner := range m.byAddr {
			if owner == r {
				ri.Addrs = append(ri.Addrs, a)
			}
		}
		sort.Slice(ri.Addrs, func(i, j int) bool { return ri.Addrs[i].String() < ri.Addrs[j].String() })
		for id, l := range r.links {
			if o := m.radios[id]; o != nil && l != (LinkStats{}) {
				ri.Links = append(ri.Links, Link{To: o.displayName(), LinkStats: l})
			}
		}
		out = append(out, ri)
	}
	return out
}

func (r *radio) displayName() string {
	if r.Iface != "" {
		return r.Iface
	}
	return r.Name
}
