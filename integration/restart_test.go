//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// denylist asks the running medium for its denylist.
func (m *mediumRun) denylist(t testing.TB) []api.DenyRule {
	t.Helper()
	var rules []api.DenyRule
	m.ask(t, "list the medium's denylist", func(ctx context.Context, c *api.Client) (err error) {
		rules, err = c.DenyList(ctx)
		return err
	})
	return rules
}

// link returns what the medium counted from one radio to another.
func link(radios []api.RadioInfo, from, to string) api.Link {
	for _, r := range radios {
		if r.Iface != from {
			continue
		}
		for _, l := range r.Links {
			if l.To == to {
				return l
			}
		}
	}
	return api.Link{}
}

// identity is what tells that a radio is still the same one: its wiphy
// index and its interface's ifindex, read in its namespace.
func (a *Actor) identity(t testing.TB) string {
	t.Helper()
	idx := a.NS.MustExec(t, "cat", "/sys/class/ieee80211/"+a.Phy+"/index")
	ifindex := a.NS.MustExec(t, "cat", "/sys/class/net/"+a.Iface+"/ifindex")
	return fmt.Sprintf("wiphy %s index %s, %s ifindex %s", a.Phy, strings.TrimSpace(idx), a.Iface, strings.TrimSpace(ifindex))
}

// replies counts the echo replies in a ping log.
func replies(log string) int { return strings.Count(log, "bytes from") }

// TestMediumSurvivesKill: hwsim-medium is killed with SIGKILL during a
// ping between a station and its AP and started again with the same
// command. The radios stay (the kernel delivers their frames meanwhile),
// the new medium re-attaches to the same radios, the station does not
// associate again, the denylist is restored and applied, pings pass
// through the new medium; a clean stop then removes every radio, also
// those in other namespaces, and the state file.
func TestMediumSurvivesKill(t *testing.T) {
	tb := NewTestbed(t, medium{}, 3)
	m := activeMedium.Load()
	ap := tb.Place(0, "10.0.0.1/24")
	sta := tb.Place(1, "10.0.0.2/24")
	ap.StartAP(SeedAP)
	s := sta.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	s.WaitCompleted(t)
	sta.Ping(t, ap.IP, 2)
	if _, code := vwifiTool(t, m, "-d", "vw2", "-s", "vw1"); code != 0 {
		t.Fatal("vwifi-tool -d vw2 -s vw1 failed")
	}
	before := []string{ap.identity(t), sta.identity(t)}
	assocs := strings.Count(s.Log(), "CTRL-EVENT-CONNECTED")

	pinger := sta.Start("ping-"+sta.Iface, "ping", "-i", "0.2", "-W", "1", ap.IP)
	waitPings := func(what string, more int) {
		t.Helper()
		want := replies(pinger.Log()) + more
		waitFor(t, pingTimeout, fmt.Sprintf("%d more ping replies %s", more, what), func() (bool, string) {
			return replies(pinger.Log()) >= want, tail(pinger.Log(), 5)
		})
	}
	waitPings("before the kill", 5)
	m.kill(t)
	waitPings("while no medium runs (the kernel delivers)", 5)
	m.restart(t)
	waitPings("after the restart", 5)
	pinger.Stop()

	log := m.daemon.Log()
	if n := strings.Count(log, "radio re-attached"); n != 3 {
		t.Errorf("the restarted medium re-attached to %d radios, want 3:\n%s", n, tail(log, 40))
	}
	if strings.Contains(log, "radio created") {
		t.Errorf("the restarted medium created radios:\n%s", tail(log, 40))
	}
	if after := []string{ap.identity(t), sta.identity(t)}; strings.Join(after, "; ") != strings.Join(before, "; ") {
		t.Errorf("the radios are not the same ones: before %q, after %q", before, after)
	}
	if rules := m.denylist(t); len(rules) != 1 || rules[0] != (api.DenyRule{Dst: "vw2", Src: "vw1"}) {
		t.Errorf("denylist after the restart: %+v, want vw2 -/- vw1", rules)
	}
	sta.Ping(t, ap.IP, 5)
	radios := m.radios(t)
	if l := link(radios, "vw1", "vw2"); l.Blocked == 0 || l.Frames != 0 {
		t.Errorf("the restored denylist is not applied: vw1 -> vw2 %+v", l)
	}
	if l := link(radios, "vw1", "vw0"); l.Frames == 0 {
		t.Errorf("the restarted medium carried nothing from vw1 to vw0: %+v", radios)
	}
	if n := strings.Count(s.Log(), "CTRL-EVENT-CONNECTED"); n != assocs {
		t.Errorf("wpa_supplicant associated %d times, %d before the kill:\n%s", n, assocs, keyEvents(s.Log()))
	}
	if strings.Contains(s.Log(), "CTRL-EVENT-DISCONNECTED") {
		t.Errorf("the station was disconnected:\n%s", keyEvents(s.Log()))
	}

	// A clean stop removes the radios, wherever they are, and the state.
	m.daemon.Stop()
	if devs, _ := filepath.Glob("/sys/class/mac80211_hwsim/hwsim*"); len(devs) != 0 {
		t.Errorf("radios left after a clean stop: %v\n%s", devs, tail(m.daemon.Log(), 20))
	}
	if _, err := os.Stat(filepath.Join(m.dir, "state.json")); !os.IsNotExist(err) {
		t.Errorf("the state file is left after a clean stop: %v", err)
	}
}

// TestMediumKnowsRadiosItDidNotCreate: next to `modprobe mac80211_hwsim
// radios=3`, with one radio already moved to another namespace,
// `hwsim-medium --radios 0` knows every radio by wiphy name, interface
// name and address before any transmits, so the denylist works on them
// by name; a clean stop leaves them alone.
func TestMediumKnowsRadiosItDidNotCreate(t *testing.T) {
	tb := NewTestbed(t, kernelDirect{}, 3)
	moved := tb.Place(2, "")
	bin, err := lookMedium()
	if err != nil {
		t.Skipf("hwsim-medium binary not found: %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "control.sock")
	args := []string{bin, "--radios", "0", "--control", sock, "--state", filepath.Join(dir, "state.json"), "--log-level", "debug"}
	m := &mediumRun{daemon: startDaemon(t, dir, "hwsim-medium", args...), socket: sock, args: args, dir: dir}
	t.Cleanup(func() {
		m.daemon.Stop()
		if t.Failed() {
			t.Logf("hwsim-medium log (tail):\n%s", tail(m.daemon.Log(), 80))
		}
	})
	waitFor(t, startTimeout, "hwsim-medium to serve", func() (bool, string) {
		if m.daemon.Exited() {
			t.Fatalf("hwsim-medium exited:\n%s", tail(m.daemon.Log(), 40))
		}
		return strings.Contains(m.daemon.Log(), "medium running"), tail(m.daemon.Log(), 20)
	})

	radios := m.radios(t)
	byIface := map[string]api.RadioInfo{}
	for _, r := range radios {
		byIface[r.Iface] = r
	}
	for _, r := range tb.Radios {
		got, ok := byIface[r.Iface]
		switch {
		case !ok:
			t.Errorf("the medium does not know %s (%s): %+v", r.Iface, r.Phy, radios)
		case got.Name != r.Phy:
			t.Errorf("%s: wiphy %q, want %q", r.Iface, got.Name, r.Phy)
		case !strings.Contains(fmt.Sprint(got.Addrs), r.MAC):
			t.Errorf("%s: addresses %v lack its MAC %s", r.Iface, got.Addrs, r.MAC)
		}
	}
	if _, code := vwifiTool(t, m, "-d", moved.Iface, "-s", tb.Radios[1].Iface); code != 0 {
		t.Errorf("vwifi-tool -d %s -s %s failed", moved.Iface, tb.Radios[1].Iface)
	}
	if _, code := vwifiTool(t, m, "block", tb.Radios[0].Phy, moved.Phy); code != 0 {
		t.Errorf("vwifi-tool block %s %s failed", tb.Radios[0].Phy, moved.Phy)
	}

	m.daemon.Stop()
	if devs, _ := filepath.Glob("/sys/class/mac80211_hwsim/hwsim*"); len(devs) != 3 {
		t.Errorf("a clean stop removed radios the medium did not create: %d left", len(devs))
	}
}
