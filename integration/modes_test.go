//go:build integration

package integration

import (
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// cli runs wpa_cli against the station's wpa_supplicant.
func (s *Station) cli(t testing.TB, args ...string) string {
	t.Helper()
	return s.a.NS.MustExec(t, append([]string{"wpa_cli", "-p", s.ctrlDir, "-i", s.a.Iface}, args...)...)
}

// TestScan: a station sees the AP's SSID with a signal in a scan.
func TestScan(t *testing.T) {
	forEachProvider(t, func(t *testing.T, p Provider) {
		tb := NewTestbed(t, p, 2)
		ap := tb.Place(0, "")
		sta := tb.Place(1, "")
		ap.StartAP(SeedAP)
		sta.NS.MustExec(t, "ip", "link", "set", sta.Iface, "up")
		bss := regexp.MustCompile(`(?s)BSS ` + regexp.QuoteMeta(ap.MAC) + `.*?signal: -?\d+\.\d+ dBm.*?SSID: test\n`)
		var scan string
		waitFor(t, connectTimeout, "the AP in "+sta.Iface+"'s scan", func() (bool, string) {
			// A scan can be refused while another is running (EBUSY).
			scan, _ = sta.NS.Exec("iw", "dev", sta.Iface, "scan")
			return bss.MatchString(scan), scan
		})
		t.Logf("iw dev %s scan:\n%s", sta.Iface, tail(scan, 30))
	})
}

// TestReconnect: a station disconnects and reconnects with wpa_cli, and
// comes back by itself after the AP restarts.
func TestReconnect(t *testing.T) {
	forEachProvider(t, func(t *testing.T, p Provider) {
		ap, sta, hostapd, s := apAndStation(t, p, SeedAP)
		sta.Ping(t, ap.IP, 2)

		s.cli(t, "disconnect")
		waitFor(t, connectTimeout, sta.Iface+" disconnected", func() (bool, string) {
			link, _ := sta.NS.Exec("iw", "dev", sta.Iface, "link")
			return s.State() == "DISCONNECTED" && strings.Contains(link, "Not connected"), link
		})
		s.cli(t, "reconnect")
		s.WaitCompleted(t)
		sta.Ping(t, ap.IP, 2)

		hostapd.Stop()
		waitFor(t, connectTimeout, sta.Iface+" to notice the AP is gone", func() (bool, string) {
			st := s.State()
			return st != "COMPLETED", st
		})
		ap.StartAP(SeedAP)
		s.WaitCompleted(t)
		sta.Ping(t, ap.IP, 2)
	})
}

// TestMeshMultiHop: three 802.11s mesh points where the two ends cannot
// hear each other (a link block in the medium); traffic between the ends
// takes the two-hop path through the middle node.
func TestMeshMultiHop(t *testing.T) {
	tb := NewTestbed(t, medium{}, 3)
	m := activeMedium.Load()
	vwifiTool(t, m, "block", "vw0", "vw2", "--both")
	var nodes []*Actor
	for i, ip := range []string{"10.0.1.1/24", "10.0.1.2/24", "10.0.1.3/24"} {
		a := tb.Place(i, ip)
		a.NS.MustExec(t, "iw", "dev", a.Iface, "set", "type", "mp")
		a.NS.MustExec(t, "ip", "link", "set", a.Iface, "up")
		a.NS.MustExec(t, "iw", "dev", a.Iface, "mesh", "join", "hwsimmesh", "freq", "2412")
		nodes = append(nodes, a)
	}
	ends, middle := [2]*Actor{nodes[0], nodes[2]}, nodes[1]
	waitFor(t, connectTimeout, "mesh peerings", func() (bool, string) {
		dump, _ := middle.NS.Exec("iw", "dev", middle.Iface, "station", "dump")
		return strings.Count(dump, "mesh plink:\tESTAB") == 2, dump
	})
	ends[0].Ping(t, "10.0.1.3", 3)
	mpath := ends[0].NS.MustExec(t, "iw", "dev", ends[0].Iface, "mpath", "dump")
	t.Logf("iw dev %s mpath dump:\n%s", ends[0].Iface, mpath)
	if !regexp.MustCompile(regexp.QuoteMeta(ends[1].MAC) + `\s+` + regexp.QuoteMeta(middle.MAC)).MatchString(mpath) {
		t.Errorf("%s's path to %s does not go through %s:\n%s", ends[0].Iface, ends[1].MAC, middle.MAC, mpath)
	}
	if dump := ends[0].NS.MustExec(t, "iw", "dev", ends[0].Iface, "station", "dump"); strings.Contains(dump, ends[1].MAC) {
		t.Errorf("%s peered directly with %s although the medium blocks them:\n%s", ends[0].Iface, ends[1].MAC, dump)
	}
}

// TestSecondMediumRefused: a second hwsim-medium started while one runs
// exits with one clear sentence and leaves the first one's radios and
// control socket alone.
func TestSecondMediumRefused(t *testing.T) {
	tb := NewTestbed(t, medium{}, 2)
	m := activeMedium.Load()
	bin, err := lookMedium()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--radios", "2", "--control", m.socket).CombinedOutput()
	t.Logf("second hwsim-medium: %v\n%s", err, out)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("second hwsim-medium: want exit status 1, got %v", err)
	}
	if !strings.Contains(string(out), "another medium is already registered") {
		t.Errorf("second hwsim-medium did not say why it stopped:\n%s", out)
	}
	if m.daemon.Exited() {
		t.Fatal("the first medium exited")
	}
	status, code := vwifiTool(t, m)
	if code != 0 || strings.TrimSpace(status) != "vwifi status : live" {
		t.Errorf("the first medium's control socket no longer answers: %q (exit %d)", status, code)
	}
	for _, r := range tb.Radios {
		if _, err := os.Stat("/sys/class/net/" + r.Iface); err != nil {
			t.Errorf("%s is gone after the second medium was refused: %v", r.Iface, err)
		}
	}
	if list, _ := run("iw", "list"); strings.Contains(list, "Wiphy phy") {
		t.Errorf("the refused medium left a radio behind:\n%s", list)
	}
}
