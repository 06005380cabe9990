package medium

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

func TestARemovedRadiosSlotIsReusedClean(t *testing.T) {
	r := newRig(t, 3, Config{})
	r.step(t, frameEvent(vw(0), beacon(vw(0)), 1)) // vw0 -> vw1, vw2 counted
	require.NoError(t, r.m.Block("vw1", "vw0", true))
	require.True(t, r.m.RemoveRadio("vw_phy1", mac.Addr{}))

	id := r.m.AddRadio(RadioConfig{Name: "phy9", Iface: "wlan9", HWAddr: mac.Addr{0x42, 0, 0, 0, 9, 0}})
	assert.Equal(t, RadioID(1), id, "the lowest free slot")
	assert.Empty(t, r.m.Blocks(), "the old radio's blocks went with it")
	got := radioNamed(t, r.m, "wlan9")
	assert.Zero(t, got.Stats)
	for _, l := range radioNamed(t, r.m, "vw0").Links {
		assert.NotEqual(t, "wlan9", l.To, "vw0's counters toward the old radio are not the new one's")
	}
	b := r.step(t, frameEvent(vw(0), beacon(vw(0)), 2))
	assert.ElementsMatch(t, []mac.Addr{{0x42, 0, 0, 0, 9, 0}, vw(2)}, receivers(b), "vw0 -> the new radio is not blocked")
}

func TestSlotsShrinkWhenTheLastRadiosGo(t *testing.T) {
	m := New(Config{})
	for k := range 10 {
		m.AddRadio(RadioConfig{Name: "phy" + string(rune('0'+k)), HWAddr: vw(byte(k))})
	}
	for k := 2; k < 10; k++ {
		m.RemoveRadio("phy"+string(rune('0'+k)), mac.Addr{})
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	assert.Len(t, m.radios, 2)
	assert.Empty(t, m.free)
	assert.Len(t, m.radios[0].links, 2)
}

func TestLearnedAddressesAreBounded(t *testing.T) {
	r := newRig(t, 2, Config{})
	vif := func(i int) mac.Addr { return mac.Addr{0x02, 0, 0, 1, byte(i >> 8), byte(i)} }
	for i := range maxLearned + 5 {
		r.step(t, frameEvent(vw(0), beacon(vif(i)), uint64(i)))
	}
	got := radioNamed(t, r.m, "vw0")
	assert.Len(t, got.Addrs, maxLearned+1, "its hwsim address and the newest learned ones")
	assert.NotContains(t, got.Addrs, vif(0))
	assert.Contains(t, got.Addrs, vif(maxLearned+4))
	assert.Equal(t, uint64(5), r.m.Status().Stats.AddrsEvicted)
}

func TestStrangersAreBoundedAndAnnouncedRadiosStay(t *testing.T) {
	r := newRig(t, 2, Config{})
	stranger := func(i int) mac.Addr { return mac.Addr{0x42, 0, 1, 0, byte(i >> 8), byte(i)} }
	for i := range maxStrangers + 3 {
		r.step(t, frameEvent(stranger(i), beacon(stranger(i)), uint64(i)))
	}
	st := r.m.Status()
	assert.Equal(t, 2+maxStrangers, st.Radios)
	assert.Equal(t, uint64(3), st.Stats.RadiosEvicted)
	names := map[mac.Addr]bool{}
	for _, ri := range r.m.Radios() {
		names[ri.HWAddr] = true
	}
	assert.True(t, names[vw(0)] && names[vw(1)], "announced radios are never forgotten")
	assert.False(t, names[stranger(0)], "the first stranger went first")
	assert.True(t, names[stranger(maxStrangers+2)])
}
