//go:build integration

package integration

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// connectedToRE reads the BSSID of `iw dev <iface> link` (no match when not
// connected).
var connectedToRE = regexp.MustCompile(`Connected to ([0-9a-f:]{17})`)

// linkBSSID returns the BSSID the actor's interface is connected to
// ("" when none) and the `iw dev link` output.
func (a *Actor) linkBSSID() (string, string) {
	link, _ := a.NS.Exec("iw", "dev", a.Iface, "link")
	if m := connectedToRE.FindStringSubmatch(link); m != nil {
		return m[1], link
	}
	return "", link
}

// waitScan asks the station's wpa_supplicant for a scan of freqs (MHz)
// until cond, given the scan results, holds (a scan can be refused while
// another runs); desc and cond's detail name what it waited for. A scan of
// every channel of every band takes about 22 s in the VM, and while it
// runs mac80211 stops following the signal of the station's AP.
func (s *Station) waitScan(t *testing.T, desc string, freqs []int, cond func(results string) (bool, string)) {
	t.Helper()
	if len(freqs) == 0 {
		t.Fatalf("waiting for %s: no frequencies to scan", desc)
	}
	fs := make([]string, len(freqs))
	for i, f := range freqs {
		fs[i] = strconv.Itoa(f)
	}
	scan := "freq=" + strings.Join(fs, ",")
	waitFor(t, connectTimeout, desc, func() (bool, string) {
		s.a.NS.Exec("wpa_cli", "-p", s.ctrlDir, "-i", s.a.Iface, "scan", scan)
		res, _ := s.a.NS.Exec("wpa_cli", "-p", s.ctrlDir, "-i", s.a.Iface, "scan_results")
		return cond(res)
	})
}

// waitInScan waits until the station's scan of freqs lists bssid.
func (s *Station) waitInScan(t *testing.T, bssid string, freqs ...int) {
	t.Helper()
	s.waitScan(t, bssid+" in "+s.a.Iface+"'s scan results", freqs, func(res string) (bool, string) {
		return strings.Contains(res, bssid), res
	})
}

// roamSecurity is how a roaming row secures its network, one SSID and
// passphrase on every AP.
type roamSecurity struct {
	name, keyMgmt string
	// ap returns the extra hostapd lines of AP i (1 or 2).
	ap func(i int) string
	// ft: the roam must be a fast transition.
	ft bool
}

// roamSecurities: "PSK" re-runs the full authentication and 4-way
// handshake with the second AP; "FT-PSK" is 802.11r fast transition over
// the air (one mobility domain, the PMK-R1 made locally from the PSK by
// each AP, ft_psk_generate_local=1, so the APs need no keys of each other
// and no link between them).
var roamSecurities = []roamSecurity{
	{"PSK", "WPA-PSK", func(int) string { return "" }, false},
	{"FT-PSK", "FT-PSK", func(i int) string {
		return fmt.Sprintf("mobility_domain=a1b2\nnas_identifier=ap%d.hwsim.test\nft_over_ds=0\nft_psk_generate_local=1", i)
	}, true},
}

// checkFT checks, for a fast-transition row, that the roam to the AP whose
// hostapd is ap2 was one: the station's wpa_cli status (st) says FT-PSK and
// the AP logged "authentication OK (FT)".
func (row roamSecurity) checkFT(t *testing.T, st string, ap2 *Daemon, sta *Actor) {
	t.Helper()
	if !row.ft {
		return
	}
	if !strings.Contains(st, "key_mgmt=FT-PSK") {
		t.Errorf("%s: want key_mgmt=FT-PSK after the roam:\n%s", sta.Iface, st)
	}
	if !strings.Contains(ap2.Log(), "authentication OK (FT)") {
		t.Errorf("the second AP did not authenticate %s by fast transition (no \"authentication OK (FT)\"):\n%s",
			sta.MAC, tail(keyEvents(ap2.Log()), 30))
	}
}

// TestInteropRoam: two APs with one SSID and passphrase on one channel.
// The station associates to the first (the only one up), then, with the
// second up and in its scan results, roams to it with `wpa_cli roam
// <bssid>`: `iw dev link` shows the second BSSID, wpa_state is COMPLETED
// again and the station pings the second AP. "PSK" re-runs the full
// authentication and 4-way handshake with the second AP; "FT-PSK" is
// 802.11r fast transition over the air (one mobility domain, PMK-R1 made
// locally from the PSK, ft_psk_generate_local=1), checked by the second
// AP's "authentication OK (FT)" and the station's key_mgmt=FT-PSK.
func TestInteropRoam(t *testing.T) {
	const ssid, pass = "roam", "roam-secret"
	forEachProvider(t, func(t *testing.T, p Provider) {
		for _, row := range roamSecurities {
			t.Run(row.name, func(t *testing.T) {
				tb := NewTestbed(t, p, 3)
				ap1 := tb.Place(0, "10.0.16.1/24")
				ap2 := tb.Place(1, "10.0.16.2/24")
				sta := tb.Place(2, "10.0.16.3/24")
				cfg := func(i int) APConfig {
					return APConfig{SSID: ssid, Passphrase: pass, Channel: 11, KeyMgmt: row.keyMgmt, Extra: row.ap(i)}
				}
				ap1.StartAP(cfg(1))
				// scan_freq: only channel 11, where both APs are (a scan of
				// every band takes about 22 s in the VM).
				s := sta.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	psk="%s"
	key_mgmt=%s
	scan_freq=2462
}
`, ssid, pass, row.keyMgmt))
				s.WaitCompleted(t)
				if got, link := sta.linkBSSID(); got != ap1.MAC {
					t.Fatalf("%s: connected to %q, want the first AP %s:\n%s", sta.Iface, got, ap1.MAC, link)
				}
				sta.Ping(t, ap1.IP, 2)

				hostapd2 := ap2.StartAP(cfg(2))
				s.waitInScan(t, ap2.MAC, 2462)
				if out := s.cli(t, "roam", ap2.MAC); !strings.Contains(out, "OK") {
					t.Fatalf("wpa_cli roam %s: %s", ap2.MAC, out)
				}
				waitFor(t, connectTimeout, sta.Iface+" connected to the second AP "+ap2.MAC, func() (bool, string) {
					got, link := sta.linkBSSID()
					return got == ap2.MAC && s.State() == "COMPLETED", link
				})
				st, _ := s.Status()
				t.Logf("after the roam: wpa_cli status:\n%s", st)
				if !strings.Contains(st, "bssid="+ap2.MAC) {
					t.Errorf("%s: wpa_cli status does not name the second AP %s:\n%s", sta.Iface, ap2.MAC, st)
				}
				row.checkFT(t, st, hostapd2, sta)
				pingCarried(t, ap2, sta)
			})
		}
	})
}
