package medium

import "github.com/hwsim-medium/hwsim-medium/mac"

// tsfStep separates the clocks of two radios. hwsim gives every radio the
// same TSF, so two IBSS cells started at once never merge: mac80211 merges
// only into a cell whose beacon timestamp is later than its own clock. With
// radio k's clock k steps ahead, the cell of the radio created last wins,
// as a card with a faster clock would. A second is far beyond any delivery
// delay here.
const tsfStep = 1_000_000 // µs

func tsfOffset(r *radio) uint64 { return uint64(r.ID) * tsfStep }

// ibssBeaconLocked recognises IBSS beacons and probe responses, whose
// timestamps the per-radio clocks apply to, and returns their timestamp.
// It also warns, once per radio, about an IBSS whose BSSID is the
// transmitter's own address: mac80211 on every other node drops all frames
// whose transmitter equals the BSSID, so such a node is never heard.
func (m *Medium) ibssBeaconLocked(tx *radio, h *mac.Header, frame []byte) (uint64, bool) {
	if !h.IsBeacon() && !h.IsProbeResp() {
		return 0, false
	}
	capab, ok := mac.Capability(frame)
	if !ok || !capab.IBSS() {
		return 0, false
	}
	if h.IsBeacon() && h.Addr2 == h.Addr3 && !tx.warnedBSSID {
		tx.warnedBSSID = true
		m.log.Warn("IBSS BSSID equals the address of the radio that joined it: the other nodes will drop everything it sends (mac80211 ignores frames whose transmitter is the BSSID); join with a BSSID that no interface uses, e.g. 02:11:22:33:44:55",
			"radio", tx.displayName(), "bssid", h.Addr3)
	}
	ts, ok := mac.Timestamp(frame)
	return ts, ok
}

// stampIBSS sets an IBSS beacon's timestamp as seen from rx's clock.
// Deliver copies, so rewriting the shared bytes per receiver is safe.
func stampIBSS(rt *route, rx *radio) {
	mac.SetTimestamp(rt.f.Data, rt.tsf+tsfOffset(rt.tx)-tsfOffset(rx))
}
