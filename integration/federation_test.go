//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// federation is two media federated over NATS in one kernel: the kernel
// allows one medium per network namespace, and a radio belongs to the
// medium of the namespace it was created in. Member a runs in the initial
// namespace, serves the air (embedded server, users file) on a veth
// address and creates vw0; member b runs in a namespace of its own, joins
// over the veth with a password and creates vw1 and vw2 (vw0's name is
// taken). b's radios are then moved to the initial namespace, as a
// Provider returns them.
type federation struct{}

func (federation) Name() string { return "federation" }

// fedRig is the running federation, for the test.
type fedRig struct {
	a, b *mediumRun
	ns   *Netns // member b's namespace
}

var activeFederation atomic.Pointer[fedRig]

const (
	fedServer = "10.99.0.1"
	fedPort   = "14222"
)

func (federation) Create(t testing.TB, n int) ([]Radio, func()) {
	t.Helper()
	if n != 3 {
		t.Fatalf("the federation provider makes 3 radios (vw0 on member a, vw1 and vw2 on member b), not %d", n)
	}
	bin, err := lookMedium()
	if err != nil {
		t.Skipf("hwsim-medium binary not found (set HWSIM_MEDIUM or put it on PATH): %v", err)
	}
	unloadHwsim(t)
	mustRun(t, "modprobe", "mac80211_hwsim", "radios=0")
	dir, err := os.MkdirTemp("", "hwsim-federation-")
	if err != nil {
		t.Fatal(err)
	}
	ns := &Netns{Name: fmt.Sprintf("hwfed%d-b", os.Getpid())}
	rig := &fedRig{ns: ns}
	var stopped bool
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		defer os.RemoveAll(dir)
		for _, m := range []*mediumRun{rig.b, rig.a} {
			if m == nil {
				continue
			}
			m.daemon.Stop()
			if t.Failed() {
				t.Logf("%s log (tail):\n%s", m.daemon.Name, tail(m.daemon.Log(), 80))
			}
		}
		run("ip", "netns", "delete", ns.Name)
		unloadHwsim(t)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		stop()
		t.Fatalf(format, args...)
	}

	// Member b's namespace, reached over a veth pair.
	mustRun(t, "ip", "netns", "add", ns.Name)
	mustRun(t, "ip", "link", "add", "hwfa", "type", "veth", "peer", "name", "hwfb", "netns", ns.Name)
	mustRun(t, "ip", "addr", "add", fedServer+"/30", "dev", "hwfa")
	mustRun(t, "ip", "link", "set", "hwfa", "up")
	ns.MustExec(t, "ip", "addr", "add", "10.99.0.2/30", "dev", "hwfb")
	ns.MustExec(t, "ip", "link", "set", "hwfb", "up")
	ns.MustExec(t, "ip", "link", "set", "lo", "up")

	// The server listens beyond loopback: members authenticate.
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte("# member password\na secret-a\nb secret-b\n"), 0o600); err != nil {
		fail("%v", err)
	}
	pw := filepath.Join(dir, "b.password")
	if err := os.WriteFile(pw, []byte("secret-b\n"), 0o600); err != nil {
		fail("%v", err)
	}
	common := []string{"--air", "lab", "--log-level", "debug"}
	argsA := append([]string{bin, "--radios", "1", "--member", "a", "--serve-air", fedServer + ":" + fedPort, "--serve-air-users", users,
		"--serve-air-store", filepath.Join(dir, "store"), "--control", filepath.Join(dir, "a.sock"), "--state", filepath.Join(dir, "a.json")}, common...)
	rig.a = &mediumRun{daemon: startDaemon(t, dir, "member-a", argsA...), socket: filepath.Join(dir, "a.sock"), args: argsA, dir: dir}
	waitFor(t, startTimeout, "member a to create vw0", func() (bool, string) {
		if rig.a.daemon.Exited() {
			fail("member a exited:\n%s", tail(rig.a.daemon.Log(), 40))
		}
		_, err := os.Stat("/sys/class/net/vw0")
		return err == nil && strings.Contains(rig.a.daemon.Log(), "medium running"), tail(rig.a.daemon.Log(), 10)
	})
	argsB := append([]string{"ip", "netns", "exec", ns.Name, bin, "--radios", "2", "--member", "b", "--join", "nats://" + fedServer + ":" + fedPort,
		"--air-user", "b", "--air-password-file", pw, "--control", filepath.Join(dir, "b.sock"), "--state", filepath.Join(dir, "b.json")}, common...)
	rig.b = &mediumRun{daemon: startDaemon(t, dir, "member-b", argsB...), socket: filepath.Join(dir, "b.sock"), args: argsB, dir: dir}
	waitFor(t, startTimeout, "member b to create vw1 and vw2 in its namespace", func() (bool, string) {
		if rig.b.daemon.Exited() {
			fail("member b exited:\n%s", tail(rig.b.daemon.Log(), 40))
		}
		_, err1 := ns.Exec("ip", "link", "show", "dev", "vw1")
		_, err2 := ns.Exec("ip", "link", "show", "dev", "vw2")
		return err1 == nil && err2 == nil && strings.Contains(rig.b.daemon.Log(), "medium running"), tail(rig.b.daemon.Log(), 10)
	})
	radios := []Radio{{Index: 0, Iface: "vw0", Phy: "vw_phy0"}, {Index: 1, Iface: "vw1", Phy: "vw_phy1"}, {Index: 2, Iface: "vw2", Phy: "vw_phy2"}}
	for i := range radios {
		r := &radios[i]
		if i > 0 {
			// To the initial namespace (pid 1's), where Place expects
			// it; it stays member b's radio.
			ns.MustExec(t, "iw", "phy", r.Phy, "set", "netns", "1")
		}
		waitFor(t, startTimeout, r.Iface+" in the initial namespace", func() (bool, string) {
			b, err := os.ReadFile("/sys/class/net/" + r.Iface + "/address")
			r.MAC = strings.TrimSpace(string(b))
			return err == nil, fmt.Sprint(err)
		})
	}
	activeFederation.Store(rig)
	return radios, func() {
		activeFederation.Store(nil)
		stop()
	}
}

// members returns which member serves each radio, by interface name, as
// medium m lists the air.
func (m *mediumRun) members(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range m.radios(t) {
		out[r.Iface] = r.Member
	}
	return out
}

// waitMembers waits until m sees the air as want (interface -> member,
// "" for m's own radios).
func (m *mediumRun) waitMembers(t testing.TB, what string, want map[string]string) {
	t.Helper()
	waitFor(t, startTimeout, what, func() (bool, string) {
		got := m.members(t)
		for iface, member := range want {
			if g, ok := got[iface]; !ok || g != member {
				return false, fmt.Sprintf("radios and their members: %v", got)
			}
		}
		return true, ""
	})
}

// TestFederationTwoNamespaces: two media in one kernel, federated over
// NATS (embedded server with a users file, a password-authenticated
// member over a veth pair). A WPA2 AP served by member a and two
// stations served by member b associate and ping each other through the
// AP; each member lists the whole air; a denylist rule set through member
// a applies at member b and is cleared through b; member b is killed
// (its radios leave the air within seconds) and started again (they come
// back, and the stations ping again).
func TestFederationTwoNamespaces(t *testing.T) {
	tb := NewTestbed(t, federation{}, 3)
	rig := activeFederation.Load()
	ap := tb.Place(0, "10.0.0.1/24")
	s1 := tb.Place(1, "10.0.0.2/24")
	s2 := tb.Place(2, "10.0.0.3/24")
	ap.StartAP(SeedAP)
	st1 := s1.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	st2 := s2.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	st1.WaitCompleted(t)
	st2.WaitCompleted(t)
	s1.Ping(t, ap.IP, 3)
	s2.Ping(t, s1.IP, 3) // station to station: both hops cross the air's members

	air := map[string]string{"vw0": "", "vw1": "b", "vw2": "b"}
	rig.a.waitMembers(t, "member a to list the whole air", air)
	rig.b.waitMembers(t, "member b to list the whole air", map[string]string{"vw0": "a", "vw1": "", "vw2": ""})
	// Unicast frames crossed the members both ways and were acked by the
	// addressee's member.
	for _, c := range []struct {
		m     *mediumRun
		iface string
	}{{rig.a, "vw0"}, {rig.b, "vw1"}, {rig.b, "vw2"}} {
		for _, r := range c.m.radios(t) {
			if r.Iface == c.iface && r.Member == "" && r.Stats.Acked == 0 {
				t.Errorf("no unicast frame of %s was acked by the other member: %+v", c.iface, r)
			}
		}
	}
	if st := status(t, rig.a); st.Stats.Bus == nil || st.Stats.Bus.AcksIn == 0 || st.Stats.Bus.FramesIn == 0 {
		t.Errorf("member a's air counters show no traffic with b: %+v", st.Stats.Bus)
	} else {
		t.Logf("member a's air counters: %+v", *st.Stats.Bus)
	}

	// A rule set through member a applies at b, where vw2 receives: the
	// AP's relay of s1's frames no longer reaches s2.
	rig.a.ask(t, "deny vw1's frames to vw2 through member a", func(ctx context.Context, c *api.Client) error {
		_, err := c.DenyAdd(ctx, api.DenyRule{Dst: "vw2", Src: "vw1"})
		return err
	})
	waitFor(t, pingTimeout, "member b to apply the rule member a set", func() (bool, string) {
		rules := rig.b.denylist(t)
		return len(rules) == 1 && rules[0] == (api.DenyRule{Dst: "vw2", Src: "vw1"}), fmt.Sprintf("member b's denylist: %+v", rules)
	})
	if out, err := s2.NS.Exec("ping", "-c", "3", "-W", "1", s1.IP); err == nil {
		t.Errorf("s2 still reaches s1 under the denylist:\n%s", out)
	}
	s2.Ping(t, ap.IP, 2)
	rig.b.ask(t, "clear the denylist through member b", func(ctx context.Context, c *api.Client) error {
		return c.DenyClear(ctx)
	})
	waitFor(t, pingTimeout, "member a to apply b's clear", func() (bool, string) {
		rules := rig.a.denylist(t)
		return len(rules) == 0, fmt.Sprintf("member a's denylist: %+v", rules)
	})
	s2.waitPing(t, s1.IP)

	// Member b dies: its radios leave the air; back, they return.
	start := time.Now()
	rig.b.kill(t)
	waitFor(t, startTimeout, "b's radios to leave the air", func() (bool, string) {
		got := rig.a.members(t)
		_, has1 := got["vw1"]
		_, has2 := got["vw2"]
		return !has1 && !has2, fmt.Sprintf("member a's air: %v", got)
	})
	t.Logf("member b's radios left the air %v after it was killed", time.Since(start).Round(100*time.Millisecond))
	rig.b.restart(t)
	if log := rig.b.daemon.Log(); strings.Count(log, "radio re-attached") != 2 {
		t.Errorf("the restarted member b re-attached to %d radios, want 2:\n%s", strings.Count(log, "radio re-attached"), tail(log, 40))
	}
	rig.a.waitMembers(t, "b's radios to come back", air)
	// The stations lost their AP while b was away (its radios were cut
	// off from a's): wpa_supplicant associates again on its own.
	for _, s := range []*Actor{s1, s2} {
		waitFor(t, 3*pingTimeout, s.Iface+" to reach the AP again", func() (bool, string) {
			out, err := s.NS.Exec("ping", "-c", "1", "-W", "2", ap.IP)
			return err == nil, out + errOrEmpty(err)
		})
	}
	s2.Ping(t, s1.IP, 3)
}
