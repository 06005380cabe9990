package air

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// fakeModel is a link model that records what it is told. Like the real
// one, Move places radios it does not know; the other changes need a
// known radio.
type fakeModel struct {
	mu    sync.Mutex
	known map[string]bool
	pos   map[string][3]float64
	power map[string]float64
	snr   map[[2]string]float64
	calls int
}

func newFakeModel(radios ...string) *fakeModel {
	f := &fakeModel{known: map[string]bool{}, pos: map[string][3]float64{}, power: map[string]float64{}, snr: map[[2]string]float64{}}
	for _, r := range radios {
		f.known[r] = true
	}
	return f
}

func (f *fakeModel) need(names ...string) error {
	for _, n := range names {
		if !f.known[n] {
			return fmt.Errorf("fake model: %q: %w", n, medium.ErrUnknownRadio)
		}
	}
	return nil
}

func (f *fakeModel) do(names []string, change func()) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.need(names...); err != nil {
		return err
	}
	f.calls++
	change()
	return nil
}

func (f *fakeModel) Move(r string, x, y, z float64) error {
	f.mu.Lock()
	f.known[r] = true
	f.mu.Unlock()
	return f.do(nil, func() { f.pos[r] = [3]float64{x, y, z} })
}

func (f *fakeModel) SetMobility(r string, _ model.Mobility) error {
	return f.do([]string{r}, func() {})
}

func (f *fakeModel) SetTxPower(r string, dBm float64) error {
	return f.do([]string{r}, func() { f.power[r] = dBm })
}

func (f *fakeModel) SetLinkSNR(tx, rx string, snr float64) error {
	return f.do([]string{tx, rx}, func() { f.snr[[2]string{tx, rx}] = snr })
}

func (f *fakeModel) SetLinkLoss(tx, rx string, _ float64) error {
	return f.do([]string{tx, rx}, func() {})
}

func (f *fakeModel) ClearLink(tx, rx string) error {
	return f.do([]string{tx, rx}, func() { delete(f.snr, [2]string{tx, rx}) })
}

func (f *fakeModel) Snapshot() model.Config { return model.Config{} }

func (f *fakeModel) state() (map[string][3]float64, map[[2]string]float64, map[string]float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return clone(f.pos), clone(f.snr), clone(f.power)
}

func clone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// countingMedium counts the denials Shared applies.
type countingMedium struct {
	control.Medium
	denies atomic.Int64
}

func (c *countingMedium) Deny(rules ...medium.DenyRule) error {
	c.denies.Add(1)
	return c.Medium.Deny(rules...)
}

// sharedMember is one member's medium, model and shared state.
type sharedMember struct {
	m      *medium.Medium
	mdl    *fakeModel
	sh     *Shared
	ctl    control.Medium // what the control server would use
	ctlMdl control.Model
	count  *countingMedium
	kv     jetstream.KeyValue
}

// hw is the hwsim address of radio vw<k>.
func hw(k int) mac.Addr { return mac.Addr{0x42, 0, 0, 0, byte(k), 0} }

// addRadio adds radio vw<k> (wiphy vw_phy<k>) to the member's medium
// and model.
func (tm *sharedMember) addRadio(k int) {
	tm.m.AddRadio(medium.RadioConfig{Name: fmt.Sprintf("vw_phy%d", k), Iface: fmt.Sprintf("vw%d", k), HWAddr: hw(k)})
	tm.mdl.mu.Lock()
	tm.mdl.known[fmt.Sprintf("vw%d", k)] = true
	tm.mdl.mu.Unlock()
}

// newSharedMember joins air "lab" on url with radios vw<k> for each k.
func newSharedMember(t *testing.T, url string, radios ...int) *sharedMember {
	t.Helper()
	return newSharedMemberWith(t, url, nil, radios...)
}

// newSharedMemberWith is newSharedMember with connection options.
func newSharedMemberWith(t *testing.T, url string, opts []nats.Option, radios ...int) *sharedMember {
	t.Helper()
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond)}, opts...)
	nc, err := nats.Connect(url, opts...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	tm := &sharedMember{m: medium.New(medium.Config{}), mdl: newFakeModel()}
	for _, k := range radios {
		tm.addRadio(k)
	}
	tm.count = &countingMedium{Medium: tm.m}
	ctx, cancel := context.WithCancel(context.Background())
	tm.sh, err = NewShared(ctx, js, "lab", tm.count, tm.mdl, nil)
	require.NoError(t, err)
	tm.kv = tm.sh.kv
	tm.ctl, tm.ctlMdl = tm.sh.Medium(tm.m), tm.sh.Model(tm.mdl)
	done := make(chan error, 1)
	go func() { done <- tm.sh.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return tm
}

// eventually waits, generously, until cond holds.
func eventually(t *testing.T, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until "+format, args...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func rule(dst, src int) medium.DenyRule {
	return medium.DenyRule{Dst: fmt.Sprintf("vw%d", dst), Src: fmt.Sprintf("vw%d", src)}
}

// hasDeny returns a condition: tm's denylist is want.
func hasDeny(tm *sharedMember, want ...medium.DenyRule) func() bool {
	return func() bool {
		got := tm.m.Denylist()
		return fmt.Sprint(got) == fmt.Sprint(append([]medium.DenyRule{}, want...))
	}
}

// hasBlocks returns a condition: tm's blocks are want.
func hasBlocks(tm *sharedMember, want ...medium.LinkBlock) func() bool {
	return func() bool { return fmt.Sprint(tm.m.Blocks()) == fmt.Sprint(append([]medium.LinkBlock{}, want...)) }
}

// settled returns a condition: the watch delivered back every change tm
// wrote.
func settled(tm *sharedMember) func() bool {
	return func() bool {
		tm.sh.mu.Lock()
		defer tm.sh.mu.Unlock()
		return len(tm.sh.written) == 0
	}
}

func TestSharedDenyAcrossMembers(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	a := newSharedMember(t, s.ClientURL(), 0, 1, 2)
	b := newSharedMember(t, s.ClientURL(), 0, 1, 2)

	// By the wiphy name on a: the rule is shared by the name shown.
	require.NoError(t, a.ctl.Deny(medium.DenyRule{Dst: "vw_phy1", Src: "vw0"}))
	eventually(t, hasDeny(b, rule(1, 0)), "b has a's rule")
	eventually(t, settled(a), "a's watch delivered a's rule back")
	assert.Zero(t, a.count.denies.Load(), "a applied its own rule again")
	assert.Zero(t, a.sh.Stats().Applied)
	assert.Equal(t, []medium.DenyRule{rule(1, 0)}, a.m.Denylist())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.kv.Get(ctx, denyKey("vw_phy1", "vw_phy0"))
	require.NoError(t, err, "a rule's key holds the radios' wiphy names, unique in an air")

	// By address on b, allowed by interface name on a.
	require.NoError(t, b.ctl.Deny(medium.DenyRule{Dst: hw(2).String(), Src: "vw1"}))
	eventually(t, hasDeny(a, rule(1, 0), rule(2, 1)), "a has b's rule given by address")
	a.ctl.Allow(rule(2, 1))
	eventually(t, hasDeny(b, rule(1, 0)), "b's rule allowed through a")

	require.NoError(t, b.ctl.Deny(rule(2, 0)))
	eventually(t, hasDeny(a, rule(1, 0), rule(2, 0)), "a has b's rule")
	b.ctl.Allow(medium.DenyRule{Dst: "vw_phy1", Src: "vw_phy0"})
	eventually(t, hasDeny(a, rule(2, 0)), "a's rule allowed through b")

	require.NoError(t, a.ctl.SetDenylist(rule(0, 1), rule(0, 2)))
	eventually(t, hasDeny(b, rule(0, 1), rule(0, 2)), "a's denylist replaced b's")
	b.ctl.ClearDenylist()
	eventually(t, hasDeny(a), "b cleared the denylist of a")

	require.NoError(t, a.ctl.Block("vw0", "vw1", true))
	eventually(t, hasBlocks(b, medium.LinkBlock{TX: "vw0", RX: "vw1"}), "b has a's block")
	require.NoError(t, b.ctl.Block("vw_phy0", "vw1", false))
	eventually(t, hasBlocks(a), "b unblocked a's block")

	require.NoError(t, a.ctlMdl.SetLinkSNR("vw0", "vw1", 12))
	require.NoError(t, a.ctlMdl.SetTxPower("vw2", 7))
	eventually(t, func() bool { _, snr, p := b.mdl.state(); return snr[[2]string{"vw0", "vw1"}] == 12 && p["vw2"] == 7 }, "b has a's link and power")
	require.NoError(t, b.ctlMdl.ClearLink("vw0", "vw1"))
	eventually(t, func() bool { _, snr, _ := a.mdl.state(); return len(snr) == 0 }, "b cleared a's link")

	// A local change the medium refuses is not shared.
	require.Error(t, a.ctl.Deny(rule(1, 9)))
	assert.Zero(t, b.sh.Stats().Failed+b.sh.Stats().Bad)
}

func TestSharedLateJoiner(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	a := newSharedMember(t, s.ClientURL(), 0, 1)
	require.NoError(t, a.ctl.Deny(rule(1, 0)))
	require.NoError(t, a.ctl.Block("vw1", "vw0", true))
	require.NoError(t, a.ctlMdl.Move("vw0", 1, 2, 3))
	require.NoError(t, a.ctlMdl.Move("vw0", 4, 5, 6)) // the last one counts
	require.NoError(t, a.ctl.Deny(rule(0, 1)))
	a.ctl.Allow(rule(0, 1))

	c := newSharedMember(t, s.ClientURL(), 0, 1)
	eventually(t, hasDeny(c, rule(1, 0)), "c has the denylist")
	eventually(t, hasBlocks(c, medium.LinkBlock{TX: "vw1", RX: "vw0"}), "c has the block")
	eventually(t, func() bool { pos, _, _ := c.mdl.state(); return pos["vw0"] == [3]float64{4, 5, 6} }, "c has the move")
}

func TestSharedWaitsForRadios(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	a := newSharedMember(t, s.ClientURL(), 0, 1, 2)
	b := newSharedMember(t, s.ClientURL(), 0, 1)
	require.NoError(t, a.ctl.Deny(rule(2, 0)))
	require.NoError(t, a.ctlMdl.SetTxPower("vw2", 3))
	eventually(t, func() bool { return b.sh.Stats().Pending == 2 }, "b keeps the rule and the power for vw2")
	assert.Empty(t, b.m.Denylist())

	b.addRadio(2)
	b.sh.Retry()
	eventually(t, hasDeny(b, rule(2, 0)), "b applies the rule once it knows vw2")
	eventually(t, func() bool { _, _, p := b.mdl.state(); return p["vw2"] == 3 }, "b applies the power")
	st := b.sh.Stats()
	assert.Zero(t, st.Pending)
	assert.Zero(t, st.Failed+st.Bad+st.Dropped)
}

func TestSharedSkipsBadEntries(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	a := newSharedMember(t, s.ClientURL(), 0, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bad := map[string]string{
		denyKey("vw1", "vw0"):          "{",
		blockKey("vw1", "vw0"):         `{"tx":"vw0","rx":"vw1"}`, // names not the key's
		"deny.x":                       `{}`,
		"model.move." + enc("vw0"):     `{"op":"txpower","radio":"vw0","dbm":1}`,
		"model.linksnr." + enc("vw0"):  `{}`,
		"elsewhere.key":                `{}`,
		"model.txpower." + enc("vw0"):  `[1, 2]`,
		"model.mobility." + enc("vw0"): `{"op":"mobility","radio":"vw1","mobility":{}}`,
	}
	for k, v := range bad {
		_, err := a.kv.Put(ctx, k, []byte(v))
		require.NoError(t, err, k)
	}
	_, err := a.kv.Put(ctx, denyKey("vw0", "vw1"), []byte(`{"dst":"vw0","src":"vw1"}`))
	require.NoError(t, err)
	eventually(t, hasDeny(a, rule(0, 1)), "a applies the good entry after the bad ones")
	st := a.sh.Stats()
	assert.Equal(t, uint64(len(bad)), st.Bad, "%+v", st)
	assert.Empty(t, a.m.Blocks())
}

func TestSharedSurvivesServerRestart(t *testing.T) {
	store := filepath.Join(t.TempDir(), "js")
	s, err := StartServer(ServerConfig{Listen: "127.0.0.1:0", StoreDir: store})
	require.NoError(t, err)
	url := s.ClientURL()
	a := newSharedMember(t, url, 0, 1)
	b := newSharedMember(t, url, 0, 1)
	require.NoError(t, a.ctl.Deny(rule(1, 0)))
	eventually(t, hasDeny(b, rule(1, 0)), "b has a's rule")

	s.Shutdown()
	s, err = StartServer(ServerConfig{Listen: strings.TrimPrefix(url, "nats://"), StoreDir: store})
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)

	// a's write may come before a has reconnected: try until it is
	// shared.
	eventually(t, func() bool {
		before := a.sh.Stats().WriteFailed
		require.NoError(t, a.ctl.Block("vw0", "vw1", true))
		return a.sh.Stats().WriteFailed == before
	}, "a writes to the restarted server")
	eventually(t, hasBlocks(b, medium.LinkBlock{TX: "vw0", RX: "vw1"}), "b has a's block made after the restart")
	require.NoError(t, b.ctl.Deny(rule(0, 1)))
	eventually(t, hasDeny(a, rule(0, 1), rule(1, 0)), "a has b's rule made after the restart")
}

func TestSharedWithMemberPermissions(t *testing.T) {
	users := writeUsers(t, "a secret-a\nb secret-b\n", 0o600)
	s := startTestServer(t, ServerConfig{UsersFile: users})
	errs := make(chan error, 10)
	report := nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err })
	a := newSharedMemberWith(t, s.ClientURL(), []nats.Option{nats.UserInfo("a", "secret-a"), report}, 0, 1)
	b := newSharedMemberWith(t, s.ClientURL(), []nats.Option{nats.UserInfo("b", "secret-b"), report}, 0, 1)

	require.NoError(t, a.ctl.Deny(rule(1, 0)))
	require.NoError(t, a.ctlMdl.Move("vw1", 1, 1, 1))
	eventually(t, hasDeny(b, rule(1, 0)), "b has a's rule")
	b.ctl.ClearDenylist()
	eventually(t, hasDeny(a), "b cleared the denylist")
	eventually(t, func() bool { pos, _, _ := b.mdl.state(); return pos["vw1"] == [3]float64{1, 1, 1} }, "b has a's move")
	select {
	case err := <-errs:
		t.Fatalf("the shared state needs more than a member may do: %v", err)
	default:
	}
	assert.Zero(t, a.sh.Stats().WriteFailed+b.sh.Stats().WriteFailed)
}

// A member that comes back finds its radios' blocks again: they left the
// medium with its radios, and Refresh applies the bucket anew.
func TestSharedRefreshRestoresWhatLeftWithAMember(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	a := newSharedMember(t, s.ClientURL(), 0, 1)
	b := newSharedMember(t, s.ClientURL(), 0, 1)
	require.NoError(t, a.ctl.Block("vw0", "vw1", true))
	eventually(t, hasBlocks(b, medium.LinkBlock{TX: "vw0", RX: "vw1"}), "b has a's block")

	// On b, vw1 leaves with its member and comes back.
	require.True(t, b.m.RemoveRadio("vw_phy1", hw(1)))
	eventually(t, hasBlocks(b), "the block left with vw1")
	b.addRadio(1)
	b.sh.Refresh()
	eventually(t, hasBlocks(b, medium.LinkBlock{TX: "vw0", RX: "vw1"}), "the block is back after Refresh")
}
