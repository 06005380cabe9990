package medium

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
)

// fakeIfaces is the medium's network namespace as a test sets it.
type fakeIfaces struct {
	mu    sync.Mutex
	list  []Iface
	calls int
}

func (f *fakeIfaces) set(list ...Iface) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = list
}

func (f *fakeIfaces) lister() ([]Iface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return append([]Iface(nil), f.list...), nil
}

func (f *fakeIfaces) called() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func iface(k byte, cidrs ...string) Iface {
	ifc := Iface{Name: "vw" + string(rune('0'+k)), Addr: vw(k), Phy: "vw_phy" + string(rune('0'+k))}
	for _, c := range cidrs {
		ifc.Nets = append(ifc.Nets, netip.MustParsePrefix(c))
	}
	return ifc
}

const sharedWarning = "share its network namespace and one IP subnet"

func TestSharedNetnsWarning(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before is the namespace when the pair first exchanges frames;
		// after, from the next recheck on.
		before, after []Iface
		want          bool
	}{
		{name: "both in the medium's namespace, one subnet",
			before: []Iface{iface(0, "10.0.9.1/24"), iface(1, "10.0.9.2/24")}, want: true},
		{name: "addresses assigned after association",
			before: []Iface{iface(0), iface(1)},
			after:  []Iface{iface(0, "10.0.9.1/24"), iface(1, "10.0.9.2/24")}, want: true},
		{name: "one moved to a namespace of its own",
			before: []Iface{iface(0, "10.0.9.1/24")}},
		{name: "both moved away", before: nil},
		{name: "different subnets",
			before: []Iface{iface(0, "10.0.9.1/24"), iface(1, "10.0.8.2/24")}},
		{name: "no addresses", before: []Iface{iface(0), iface(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs safeBuffer
			ifs := &fakeIfaces{}
			ifs.set(tc.before...)
			m := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Ifaces: ifs.lister})
			m.netnsRecheck = 10 * time.Millisecond
			r := runRig(t, m, 3)
			r.step(t, frameEvent(vw(1), frame(fcAuth, 0, vw(0), vw(1), vw(0)), 1))
			waitCalls(t, ifs, 1)
			if tc.after != nil {
				ifs.set(tc.after...)
			}
			if !tc.want {
				// More frames both ways, several rechecks: still nothing.
				r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vw(1), vw(0), vw(0)), 2))
				waitCalls(t, ifs, ifs.called()+3)
				assert.NotContains(t, logs.String(), sharedWarning)
				return
			}
			require.Eventually(t, func() bool { return strings.Contains(logs.String(), sharedWarning) }, 5*time.Second, time.Millisecond)
			// More frames of the pair, both ways, then a new pair (vw2
			// is not in the namespace) whose check marks that the
			// checker has seen them: still one warning.
			r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vw(1), vw(0), vw(0)), 2))
			r.step(t, frameEvent(vw(1), staToAP(vw(1), vw(0), vw(0)), 3))
			calls := ifs.called()
			r.step(t, frameEvent(vw(2), frame(fcAuth, 0, vw(0), vw(2), vw(0)), 4))
			waitCalls(t, ifs, calls+1)
			require.Equal(t, 1, strings.Count(logs.String(), sharedWarning), logs.String())
			assert.Contains(t, logs.String(), "vw1 (10.0.9.2/24) and vw0 (10.0.9.1/24)")
			assert.Contains(t, logs.String(), "iw phy vw_phy0 set netns name")
		})
	}
}

// TestSharedNetnsCheckOnlyForUnicast: group-addressed frames never start
// a check; the first unicast frame of a pair does, for both directions.
func TestSharedNetnsCheckOnlyForUnicast(t *testing.T) {
	ifs := &fakeIfaces{}
	m := New(Config{Ifaces: ifs.lister})
	r := runRig(t, m, 2)
	paired := func(a, b RadioID) bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.radios[a].paired[b]
	}
	r.step(t, frameEvent(vw(0), beacon(vw(0)), 1))
	r.step(t, frameEvent(vw(1), beacon(vw(1)), 2))
	assert.False(t, paired(0, 1), "beacons started a check")
	r.step(t, frameEvent(vw(1), frame(fcAuth, 0, vw(0), vw(1), vw(0)), 3))
	assert.True(t, paired(0, 1))
	assert.True(t, paired(1, 0))
	waitCalls(t, ifs, 1)
}

// runRig runs m, already configured, with radios vw0..vw(n-1).
func runRig(t *testing.T, m *Medium, n int) *rig {
	t.Helper()
	for k := range n {
		m.AddRadio(RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: vw(byte(k))})
	}
	conn := hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("medium did not stop")
		}
	})
	return &rig{m: m, conn: conn}
}

func waitCalls(t *testing.T, f *fakeIfaces, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return f.called() >= n }, 5*time.Second, time.Millisecond,
		"the interfaces were listed fewer than %d times", n)
}
