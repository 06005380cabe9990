//go:build integration

package integration

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// The interop matrix (docs/interop.md): each row is one stack or mode,
// run through the kernel's own delivery and through the medium with the
// same expectation.

// TestInteropSAE: WPA3-Personal. hostapd with SAE only and PMF required
// (ieee80211w=2), wpa_supplicant with key_mgmt=SAE; the station completes
// SAE and the 4-way handshake, reports key_mgmt=SAE, and pings the AP.
func TestInteropSAE(t *testing.T) {
	const ssid, password = "wpa3", "sae-secret-9"
	forEachProvider(t, func(t *testing.T, p Provider) {
		tb := NewTestbed(t, p, 2)
		ap := tb.Place(0, "10.0.10.1/24")
		sta := tb.Place(1, "10.0.10.2/24")
		ap.StartAP(APConfig{SSID: ssid, Passphrase: password, Channel: 1, KeyMgmt: "SAE",
			Extra: "ieee80211w=2\nsae_password=" + password})
		s := sta.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	key_mgmt=SAE
	ieee80211w=2
	sae_password="%s"
}
`, ssid, password))
		s.WaitCompleted(t)
		st, _ := s.Status()
		if !strings.Contains(st, "key_mgmt=SAE") {
			t.Errorf("%s: want key_mgmt=SAE in wpa_cli status:\n%s", sta.Iface, st)
		}
		sta.Ping(t, ap.IP, 3)
		if m := activeMedium.Load(); m != nil && !t.Failed() {
			m.assertCarried(t, ap.Iface, sta.Iface)
		}
	})
}

// TestInterop5GHz: an AP on channel 36 (5180 MHz) with the country set
// (DE, 802.11d), at 20 MHz and as VHT80 (centre 5210 MHz, channels
// 36-48); the station associates on 5180 MHz and pings. It needs the
// regulatory database in the VM (integration/vm/regdb.go): cfg80211's
// built-in world domain forbids initiating radiation on channel 36.
func TestInterop5GHz(t *testing.T) {
	const ssid, pass = "five", "12345678"
	rows := []struct {
		name  string
		extra string
		// width is what `iw dev <ap> info` must show.
		width *regexp.Regexp
	}{
		{"20MHz", "hw_mode=a\ncountry_code=DE\nieee80211d=1\nieee80211n=1",
			regexp.MustCompile(`channel 36 \(5180 MHz\), width: 20 MHz`)},
		{"VHT80", "hw_mode=a\ncountry_code=DE\nieee80211d=1\nieee80211n=1\nht_capab=[HT40+]\n" +
			"ieee80211ac=1\nvht_oper_chwidth=1\nvht_oper_centr_freq_seg0_idx=42",
			regexp.MustCompile(`channel 36 \(5180 MHz\), width: 80 MHz, center1: 5210 MHz`)},
	}
	// hostapd's country code stays the kernel's after it exits: give the
	// tests after this one the world domain back.
	t.Cleanup(func() {
		if out, err := run("iw", "reg", "set", "00"); err != nil {
			t.Logf("restoring the world regulatory domain: %v %s", err, out)
		}
	})
	forEachProvider(t, func(t *testing.T, p Provider) {
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				tb := NewTestbed(t, p, 2)
				ap := tb.Place(0, "10.0.11.1/24")
				sta := tb.Place(1, "10.0.11.2/24")
				tb.Diag(func() string {
					reg, err := ap.NS.Exec("iw", "reg", "get")
					return fmt.Sprintf("==== iw reg get (%s) ====\n%s%v", ap.NS.Name, reg, errOrEmpty(err))
				})
				ap.StartAP(APConfig{SSID: ssid, Passphrase: pass, Channel: 36, Extra: row.extra})
				t.Logf("iw reg get:\n%s", ap.NS.MustExec(t, "iw", "reg", "get"))
				info := ap.NS.MustExec(t, "iw", "dev", ap.Iface, "info")
				t.Logf("iw dev %s info:\n%s", ap.Iface, info)
				if !row.width.MatchString(info) {
					t.Errorf("iw dev %s info: want %q", ap.Iface, row.width)
				}
				s := sta.StartStation(ssid, pass)
				s.WaitCompleted(t)
				wantLinkFreq(t, ap, sta, 5180)
			})
		}
	})
}
