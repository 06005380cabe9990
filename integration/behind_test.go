//go:build integration

package integration

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

// mediumIfaces returns the interface names the medium knows.
func (m *mediumRun) ifaces(t testing.TB) []string {
	var out []string
	for _, r := range m.radios(t) {
		out = append(out, r.Iface)
	}
	return out
}

// TestRadioDeletedBehindTheMediumsBack: another tool deletes one of the
// medium's radios. The medium forgets it, keeps serving the others (a
// station keeps pinging its AP), and a clean stop removes the rest without
// stumbling on the missing one.
func TestRadioDeletedBehindTheMediumsBack(t *testing.T) {
	tb := NewTestbed(t, medium{}, 3)
	m := activeMedium.Load()
	ap := tb.Place(0, "10.0.0.1/24")
	sta := tb.Place(1, "10.0.0.2/24")
	ap.StartAP(SeedAP)
	s := sta.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	s.WaitCompleted(t)
	if _, code := vwifiTool(t, m, "-d", "vw2", "-s", "vw1"); code != 0 {
		t.Fatal("vwifi-tool -d vw2 -s vw1 failed")
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := hwsim.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.DelRadioByName(ctx, "vw_phy2"); err != nil {
		t.Fatalf("delete vw_phy2 behind the medium's back: %v", err)
	}
	waitFor(t, startTimeout, "the medium to forget vw2", func() (bool, string) {
		ifs := m.ifaces(t)
		return len(ifs) == 2, strings.Join(ifs, " ")
	})
	sta.Ping(t, ap.IP, 3)
	// The rule is kept by name, for a radio of that name to come.
	if out, _ := vwifiTool(t, m, "deny", "ls"); !strings.Contains(out, "vw2 denys vw1") {
		t.Errorf("the denylist lost its rule:\n%s", out)
	}
	if out, code := vwifiTool(t, m, "block", "vw0", "vw2"); code == 0 || !strings.Contains(out, "no such radio") {
		t.Errorf("block of the deleted radio: exit %d:\n%s", code, out)
	}

	m.daemon.Stop()
	log := m.daemon.Log()
	if strings.Contains(log, "could not remove") || strings.Contains(log, "level=ERROR") {
		t.Errorf("the clean stop stumbled:\n%s", tail(log, 20))
	}
	if !strings.Contains(log, "radios removed") {
		t.Errorf("the clean stop did not remove the radios:\n%s", tail(log, 20))
	}
}

// TestNetnsDeletedWhileItsRadioIsInUse: the namespace of an associated
// station is deleted (its processes killed, then `ip netns del`): the
// kernel moves the radio back to the first namespace; the medium still
// knows it by name, its AP sees the station leave and serves it again,
// and a clean stop removes it where it is now.
func TestNetnsDeletedWhileItsRadioIsInUse(t *testing.T) {
	tb := NewTestbed(t, medium{}, 2)
	m := activeMedium.Load()
	ap := tb.Place(0, "10.0.0.1/24")
	sta := tb.Place(1, "10.0.0.2/24")
	ap.StartAP(SeedAP)
	s := sta.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	s.WaitCompleted(t)
	sta.Ping(t, ap.IP, 2)

	s.Stop()
	mustRun(t, "ip", "netns", "delete", sta.NS.Name)
	waitFor(t, startTimeout, "vw1 back in the first namespace", func() (bool, string) {
		_, err := os.Stat("/sys/class/net/vw1")
		return err == nil, ""
	})
	if !strings.Contains(strings.Join(m.ifaces(t), " "), "vw1") {
		t.Errorf("the medium forgot vw1: %v", m.ifaces(t))
	}
	if _, code := vwifiTool(t, m, "-d", "vw0", "-s", "vw1"); code != 0 {
		t.Error("vwifi-tool -d vw0 -s vw1 failed after the namespace went")
	}
	if _, code := vwifiTool(t, m, "-c"); code != 0 {
		t.Error("vwifi-tool -c failed")
	}
	// The station, now in the first namespace, associates again.
	mustRun(t, "ip", "addr", "add", "10.0.0.2/24", "dev", "vw1")
	d := startDaemon(t, tb.dir, "wpa_supplicant-vw1-home", "wpa_supplicant", "-D", "nl80211", "-i", "vw1", "-c", tb.dir+"/wpa_supplicant-vw1.conf", "-d", "-t")
	defer d.Stop()
	waitFor(t, connectTimeout, "vw1 associated again from the first namespace", func() (bool, string) {
		out, _ := run("iw", "dev", "vw1", "link")
		return strings.Contains(out, "Connected to"), out
	})
	before := link(m.radios(t), "vw1", "vw0").Frames
	waitFor(t, pingTimeout, "the medium carrying vw1's frames again", func() (bool, string) {
		l := link(m.radios(t), "vw1", "vw0")
		return l.Frames > before, ""
	})

	d.Stop()
	m.daemon.Stop()
	if _, err := os.Stat("/sys/class/net/vw1"); err == nil {
		t.Errorf("vw1 is left after a clean stop:\n%s", tail(m.daemon.Log(), 20))
	}
}
