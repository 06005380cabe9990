//go:build integration

package integration

import (
	"fmt"
	"regexp"
	"testing"
)

// TestInterop6GHz: an HE AP on 6 GHz channel 5 (5975 MHz, a preferred
// scanning channel, op_class 131, 20 MHz) with the country set (DE);
// 6 GHz allows only WPA3: SAE with hash-to-element (sae_pwe=1) and PMF
// required. The station, told the frequency (freq_list: a full scan of
// the band would take long on the VM), associates on 5975 MHz and pings.
// Like TestInterop5GHz it needs the regulatory database in the VM.
func TestInterop6GHz(t *testing.T) {
	const ssid, password = "six", "sae-six-6"
	t.Cleanup(func() {
		if out, err := run("iw", "reg", "set", "00"); err != nil {
			t.Logf("restoring the world regulatory domain: %v %s", err, out)
		}
	})
	forEachProvider(t, func(t *testing.T, p Provider) {
		tb := NewTestbed(t, p, 2)
		ap := tb.Place(0, "10.0.18.1/24")
		sta := tb.Place(1, "10.0.18.2/24")
		tb.Diag(func() string {
			reg, err := ap.NS.Exec("iw", "reg", "get")
			phy, _ := ap.NS.Exec("iw", "phy", ap.Phy, "channels")
			return fmt.Sprintf("==== iw reg get (%s) ====\n%s%v\n==== iw phy %s channels ====\n%s", ap.NS.Name, reg, errOrEmpty(err), ap.Phy, phy)
		})
		ap.StartAP(APConfig{SSID: ssid, Passphrase: password, Channel: 5, KeyMgmt: "SAE",
			Extra: "hw_mode=a\nop_class=131\ncountry_code=DE\nieee80211d=1\nieee80211ax=1\n" +
				"ieee80211w=2\nsae_pwe=1\nsae_password=" + password})
		info := ap.NS.MustExec(t, "iw", "dev", ap.Iface, "info")
		t.Logf("iw dev %s info:\n%s", ap.Iface, info)
		if !regexp.MustCompile(`channel 5 \(5975 MHz\), width: 20 MHz`).MatchString(info) {
			t.Errorf("iw dev %s info: want channel 5 (5975 MHz), width: 20 MHz", ap.Iface)
		}
		s := sta.startSupplicant(fmt.Sprintf(`sae_pwe=1
network={
	ssid="%s"
	key_mgmt=SAE
	ieee80211w=2
	sae_password="%s"
	scan_freq=5975
	freq_list=5975
}
`, ssid, password))
		s.WaitCompleted(t)
		wantLinkFreq(t, ap, sta, 5975)
	})
}
