package medium

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The observations the web view and the metrics read: sampled decision
// times, the roles radios play, the blocked links.

func TestDecisionTimesSampleOneFrameInEvery(t *testing.T) {
	r := newRig(t, 3, Config{})
	assert.Zero(t, r.m.DecisionTimes().Count)
	const frames = 3*DecisionSampleEvery + 5
	evs := make([]hwsim.Event, 0, frames)
	for i := range frames {
		evs = append(evs, frameEvent(vw(0), beacon(vw(0)), uint64(i)))
	}
	// One burst may be received in several batches.
	r.conn.Send(evs...)
	seen := 0
	for seen < frames {
		seen += len((<-r.conn.Flushed).Statuses)
	}
	d := r.m.DecisionTimes()
	assert.Equal(t, DecisionSampleEvery, d.Every)
	assert.Equal(t, uint64(3), d.Count, "one sample per %d frames", DecisionSampleEvery)
	var sum uint64
	for _, c := range d.Counts {
		sum += c
	}
	assert.Equal(t, d.Count, sum, "every sample is in a bucket")
	assert.Positive(t, d.Sum)
}

func TestDecisionBucketsAreSorted(t *testing.T) {
	for i := 1; i < len(DecisionBuckets); i++ {
		assert.Less(t, DecisionBuckets[i-1], DecisionBuckets[i])
	}
	var c decisionClock
	c.observe(DecisionBuckets[0])
	c.observe(DecisionBuckets[len(DecisionBuckets)-1] + 1)
	assert.Equal(t, uint64(1), c.times.Counts[0], "a bound belongs to its bucket")
	assert.Equal(t, uint64(1), c.times.Counts[len(DecisionBuckets)], "beyond the last bound")
}

// mgmtWithCapab is a beacon from bssid whose body has capability capab.
func mgmtWithCapab(bssid mac.Addr, capab uint16) []byte {
	b := frame(fcBeacon, 0, mac.Broadcast, bssid, bssid)[:24]
	b = append(b, make([]byte, 10)...) // timestamp, beacon interval
	return append(b, byte(capab), byte(capab>>8), 0, 0)
}

func TestRolesAreLearnedFromBeaconsAndStationData(t *testing.T) {
	ibss := mac.Addr{2, 0x11, 0x22, 0x33, 0x44, 0x55}
	r := newRig(t, 5, Config{})
	r.step(t,
		frameEvent(vw(0), mgmtWithCapab(vw(0), uint16(mac.CapESS)), 1),
		frameEvent(vw(1), staToAP(vw(1), vw(0), vw(2)), 2),
		frameEvent(vw(3), mgmtWithCapab(ibss, uint16(mac.CapIBSS)), 3),
		frameEvent(vw(4), mgmtWithCapab(vw(4), 0), 4),
		// The AP's own data (FromDS) says nothing new.
		frameEvent(vw(0), apToSTA(vw(0), vw(1), vw(2)), 5),
	)
	want := map[string]struct {
		role  Role
		bssid mac.Addr
	}{
		"vw0": {RoleAP, vw(0)}, "vw1": {RoleStation, vw(0)}, "vw2": {RoleUnknown, mac.Addr{}},
		"vw3": {RoleIBSS, ibss}, "vw4": {RoleMesh, vw(4)},
	}
	radios := r.m.Radios()
	require.Len(t, radios, 5)
	for _, ri := range radios {
		w := want[ri.Iface]
		assert.Equal(t, w.role, ri.Role, ri.Iface)
		assert.Equal(t, w.bssid, ri.BSSID, ri.Iface)
	}
	assert.Equal(t, "ap", RoleAP.String())
	assert.Equal(t, "", RoleUnknown.String())
}

func TestBlocksListsBlockedLinks(t *testing.T) {
	r := newRig(t, 3, Config{})
	assert.Empty(t, r.m.Blocks())
	require.NoError(t, r.m.Block("vw2", "vw0", true))
	require.NoError(t, r.m.Block("vw0", "vw1", true))
	assert.Equal(t, []LinkBlock{{TX: "vw0", RX: "vw1"}, {TX: "vw2", RX: "vw0"}}, r.m.Blocks())
	require.True(t, r.m.RemoveRadio("vw_phy2", mac.Addr{}))
	assert.Equal(t, []LinkBlock{{TX: "vw0", RX: "vw1"}}, r.m.Blocks(), "links of a removed radio are gone")
}
