package medium

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// radioNamed returns the snapshot of the radio called name.
func radioNamed(t *testing.T, m *Medium, name string) RadioInfo {
	t.Helper()
	for _, r := range m.Radios() {
		if r.Name == name || r.Iface == name {
			return r
		}
	}
	t.Fatalf("no radio %q in %+v", name, m.Radios())
	return RadioInfo{}
}

func TestAddRadioKeepsAKnownInterfaceName(t *testing.T) {
	m := New(Config{})
	id := m.AddRadio(RadioConfig{Name: "vw_phy0", Iface: "vw0", HWAddr: vw(0)})
	// An announcement without an interface name (the radio event of a
	// radio that already has one) keeps it.
	assert.Equal(t, id, m.AddRadio(RadioConfig{Name: "vw_phy0", HWAddr: vw(0)}))
	assert.Equal(t, "vw0", radioNamed(t, m, "vw_phy0").Iface)
}

func TestGuessedHWAddrIsCorrectedByTheRadiosFirstFrame(t *testing.T) {
	r := newRig(t, 1, Config{})
	// Found at start-up with its interface's address as a guess; the
	// kernel routes it by another one.
	vif := mac.Addr{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	real := mac.Addr{0x42, 0, 0, 0, 7, 0}
	id := r.m.AddRadio(RadioConfig{Name: "phy7", Iface: "wlan7", HWAddr: vif, Addrs: []mac.Addr{vif}, HWGuess: true})
	require.NoError(t, r.m.Deny(DenyRule{Dst: "vw0", Src: "wlan7"}))

	b := r.step(t, frameEvent(real, beacon(vif), 1))
	assert.Empty(t, receivers(b), "the denylist names the radio that sent it")
	got := radioNamed(t, r.m, "wlan7")
	assert.Equal(t, id, got.ID)
	assert.Equal(t, real, got.HWAddr)
	assert.Equal(t, 2, r.m.Status().Radios, "no second radio for the same one")

	// Frames to it go to its real hwsim address.
	b = r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vif, vw(0), vif), 2))
	assert.Equal(t, []mac.Addr{real}, receivers(b))
}

func TestGuessedHWAddrIsCorrectedByAnAddressEvent(t *testing.T) {
	r := newRig(t, 1, Config{})
	vif := mac.Addr{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	real := mac.Addr{0x42, 0, 0, 0, 7, 0}
	r.m.AddRadio(RadioConfig{Name: "phy7", HWAddr: vif, Addrs: []mac.Addr{vif}, HWGuess: true})
	r.conn.Send(hwsim.Event{Kind: hwsim.EventAddMAC, Radio: real, Addr: vif})
	r.step(t, frameEvent(vw(0), beacon(vw(0)), 1))
	assert.Equal(t, real, radioNamed(t, r.m, "phy7").HWAddr)
	assert.Equal(t, 2, r.m.Status().Radios)
}

func TestAnExactAnnouncementCorrectsAGuess(t *testing.T) {
	m := New(Config{})
	guess := mac.Addr{0x42, 0, 0, 0, 7, 0}
	real := mac.Addr{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	id := m.AddRadio(RadioConfig{Name: "phy7", HWAddr: guess, HWGuess: true})
	assert.Equal(t, id, m.AddRadio(RadioConfig{Name: "phy7", HWAddr: real}))
	got := radioNamed(t, m, "phy7")
	assert.Equal(t, real, got.HWAddr)
	assert.NotContains(t, got.Addrs, guess)
}

func TestANameTakenByANewRadioReplacesTheOldOne(t *testing.T) {
	m := New(Config{})
	m.AddRadio(RadioConfig{Name: "phy7", HWAddr: vw(7)})
	m.AddRadio(RadioConfig{Name: "phy7", HWAddr: vw(8)})
	assert.Equal(t, 1, m.Status().Radios)
	assert.Equal(t, vw(8), radioNamed(t, m, "phy7").HWAddr)
}

func TestRemoveRadioByAddress(t *testing.T) {
	r := newRig(t, 2, Config{})
	stranger := mac.Addr{0x42, 0, 0, 0, 9, 0}
	r.step(t, frameEvent(stranger, beacon(stranger), 1))
	require.Equal(t, 3, r.m.Status().Radios)
	assert.True(t, r.m.RemoveRadio("phy9", stranger), "known only by address")
	assert.Equal(t, 2, r.m.Status().Radios)
	assert.True(t, r.m.RemoveRadio("vw_phy1", mac.Addr{}), "by name")
	assert.Equal(t, 1, r.m.Status().Radios)
}

func TestBlocksListsByName(t *testing.T) {
	m := New(Config{})
	for k := range 3 {
		m.AddRadio(RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: vw(byte(k))})
	}
	require.NoError(t, m.Block("vw_phy2", "vw0", true))
	require.NoError(t, m.Block("vw0", "vw1", true))
	assert.Equal(t, []LinkBlock{{TX: "vw0", RX: "vw1"}, {TX: "vw2", RX: "vw0"}}, m.Blocks())
	m.RemoveRadio("vw_phy1", mac.Addr{})
	assert.Equal(t, []LinkBlock{{TX: "vw2", RX: "vw0"}}, m.Blocks())
}

func TestAGuessDoesNotOverrideWhatIsKnown(t *testing.T) {
	m := New(Config{})
	real := mac.Addr{0x42, 0, 0, 0, 7, 0}
	id := m.AddRadio(RadioConfig{Name: "phy7", HWAddr: real})
	assert.Equal(t, id, m.AddRadio(RadioConfig{Name: "phy7", Iface: "wlan7", HWAddr: mac.Addr{2, 1, 1, 1, 1, 1}, HWGuess: true}))
	got := radioNamed(t, m, "phy7")
	assert.Equal(t, real, got.HWAddr)
	assert.Equal(t, "wlan7", got.Iface)
	assert.Equal(t, 1, m.Status().Radios)
}

func TestRadiosPage(t *testing.T) {
	r := newRig(t, 5, Config{})
	for k := range byte(5) {
		r.step(t, frameEvent(vw(k), beacon(vw(k)), uint64(k)))
	}
	page, next := r.m.RadiosPage(0, 2, 100)
	require.Len(t, page, 2)
	assert.Equal(t, RadioID(2), next)
	assert.Len(t, page[0].Links, 4)

	// The link budget ends a page early, but never before its first radio,
	// whose surplus links are counted as omitted.
	page, next = r.m.RadiosPage(2, 10, 6)
	require.Len(t, page, 1)
	assert.Equal(t, RadioID(3), next)
	page, next = r.m.RadiosPage(3, 10, 2)
	require.Len(t, page, 1)
	assert.Len(t, page[0].Links, 2)
	assert.Equal(t, 2, page[0].LinksOmitted)
	assert.Equal(t, RadioID(4), next)

	page, next = r.m.RadiosPage(4, 10, -1)
	require.Len(t, page, 1)
	assert.Empty(t, page[0].Links, "no links asked for")
	assert.Zero(t, next, "the last page")
}

// countingConn is the fake kernel with counters, as FrameSocket has.
type countingConn struct {
	*hwsimtest.Conn
}

func (countingConn) Stats() hwsim.SocketStats { return hwsim.SocketStats{Overruns: 3, Malformed: 2} }

func TestStatusReportsTheSocketsCounters(t *testing.T) {
	m := New(Config{})
	assert.Nil(t, m.Status().Socket, "no connection yet")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx, countingConn{hwsimtest.NewConn()}) }()
	require.Eventually(t, func() bool { return m.Status().Socket != nil }, 5*time.Second, time.Millisecond)
	assert.Equal(t, hwsim.SocketStats{Overruns: 3, Malformed: 2}, *m.Status().Socket)
	cancel()
	require.NoError(t, <-done)
}
