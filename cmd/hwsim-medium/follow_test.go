package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// fakeKernel is what FindRadios would find.
type fakeKernel struct {
	radios []hwsim.FoundRadio
	looks  int
}

func (k *fakeKernel) find(context.Context) ([]hwsim.FoundRadio, []error, error) {
	k.looks++
	return append([]hwsim.FoundRadio(nil), k.radios...), nil, nil
}

func newTestTracker(k *fakeKernel) (*radioTracker, *medium.Medium) {
	t := newRadioTracker(slog.New(slog.DiscardHandler))
	t.find = k.find
	m := medium.New(medium.Config{RadioName: t.nameOf})
	t.m = m
	return t, m
}

func ifaceNames(m *medium.Medium) map[string]string {
	out := map[string]string{}
	for _, r := range m.Radios() {
		out[r.Name] = r.Iface
	}
	return out
}

func TestTrackerKnowsRadiosOfEveryNamespaceByName(t *testing.T) {
	// modprobe mac80211_hwsim radios=3, then wlan2's radio moved to ns1.
	k := &fakeKernel{radios: []hwsim.FoundRadio{
		{ID: 0, Name: "phy0", HWAddr: hwsim.DefaultHWAddr(0), HWAddrExact: true, Ifaces: []hwsim.Interface{{Index: 3, Name: "wlan0", Addr: mac.Addr{2, 0, 0, 0, 0, 0}}}},
		{ID: 1, Name: "phy1", HWAddr: hwsim.DefaultHWAddr(1), HWAddrExact: true, Ifaces: []hwsim.Interface{{Index: 4, Name: "wlan1", Addr: mac.Addr{2, 0, 0, 0, 1, 0}}}},
		{ID: 2, Name: "phy2", HWAddr: hwsim.DefaultHWAddr(2), Ifaces: []hwsim.Interface{{Index: 3, Name: "wlan2", Addr: mac.Addr{2, 0, 0, 0, 2, 0}}}},
	}}
	tr, m := newTestTracker(k)
	_, err := tr.look(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"phy0": "wlan0", "phy1": "wlan1", "phy2": "wlan2"}, ifaceNames(m))
	// The denylist works on them by name before they transmit.
	require.NoError(t, m.Deny(medium.DenyRule{Dst: "wlan2", Src: "wlan1"}))

	// One is deleted while the announcement is lost: the next look
	// removes it; an interface renamed meanwhile gets its new name.
	k.radios = k.radios[:2]
	k.radios[0].Ifaces[0].Name = "ap0"
	_, err = tr.look(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"phy0": "ap0", "phy1": "wlan1"}, ifaceNames(m))
}

func TestTrackerFollowsAnnouncements(t *testing.T) {
	tr, m := newTestTracker(&fakeKernel{})
	tr.added(7, "phy7")
	got := m.Radios()
	require.Len(t, got, 1)
	assert.Equal(t, "phy7", got[0].Name)
	tr.removed(7, "phy7")
	assert.Empty(t, m.Radios())

	// A radio the medium knows only by address is removed by it.
	tr.added(8, "phy8")
	m.RemoveRadio("phy8", mac.Addr{}) // as if its name had never been learned
	assert.Equal(t, "phy8", tr.nameOf(hwsim.DefaultHWAddr(8)), "named when it transmits")
}

func TestLookAgainIsBounded(t *testing.T) {
	k := &fakeKernel{}
	tr, _ := newTestTracker(k)
	require.NoError(t, tr.lookAgain(context.Background()))
	for range 100 {
		assert.True(t, errors.Is(tr.lookAgain(context.Background()), errTooSoon))
	}
	assert.Equal(t, 1, k.looks)
	tr.last = time.Now().Add(-minLook)
	require.NoError(t, tr.lookAgain(context.Background()))
	assert.Equal(t, 2, k.looks)
}

func TestLostAnnouncementsAreFollowedByALook(t *testing.T) {
	k := &fakeKernel{radios: []hwsim.FoundRadio{{ID: 3, Name: "phy3", HWAddr: hwsim.DefaultHWAddr(3), HWAddrExact: true}}}
	tr, m := newTestTracker(k)
	events := make(chan hwsim.RadioEvent)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- tr.followEvents(ctx, events, func() error { return nil }) }()
	events <- hwsim.RadioEvent{Kind: hwsim.RadioEventsLost}
	require.Eventually(t, func() bool { return len(m.Radios()) == 1 }, 5*time.Second, time.Millisecond, "the radio whose announcement was lost")

	// Lost again at once: the next look waits for minLook, then comes.
	tr.mu.Lock()
	k.radios = nil
	tr.mu.Unlock()
	events <- hwsim.RadioEvent{Kind: hwsim.RadioEventsLost}
	require.Eventually(t, func() bool { return len(m.Radios()) == 0 }, 5*time.Second, 10*time.Millisecond, "the radio deleted while announcements were lost")
	cancel()
	require.NoError(t, <-done)
	tr.mu.Lock()
	assert.Equal(t, 2, k.looks)
	tr.mu.Unlock()
}

func TestFollowEndsWithTheSubscriptionsError(t *testing.T) {
	tr, _ := newTestTracker(&fakeKernel{})
	events := make(chan hwsim.RadioEvent)
	close(events)
	boom := errors.New("receive radio events: boom")
	assert.ErrorIs(t, tr.followEvents(context.Background(), events, func() error { return boom }), boom)
}

func TestAnUnreadableStateFileIsMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"version":1,"deny":[`), 0o600))
	m := medium.New(medium.Config{})
	store := restoreState(options{state: path}, m, nil, func(string) (uint32, bool) { return 0, false }, slog.New(slog.DiscardHandler))
	require.NotNil(t, store, "the medium still keeps a state")
	b, err := os.ReadFile(path + ".unreadable")
	require.NoError(t, err)
	assert.Equal(t, `{"version":1,"deny":[`, string(b), "kept for whoever wants to look")
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err))
	assert.Nil(t, restoreState(options{}, m, nil, nil, slog.New(slog.DiscardHandler)), `--state ""`)
}
