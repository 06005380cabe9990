//go:build integration

package integration

import (
	"strings"
	"testing"
)

// iwctl runs iwctl against the system bus bus and fails unless it
// succeeds.
func iwctl(t *testing.T, bus string, args ...string) string {
	t.Helper()
	out, err := run("env", append([]string{"DBUS_SYSTEM_BUS_ADDRESS=" + bus, "iwctl"}, args...)...)
	out = ansiRE.ReplaceAllString(out, "")
	if err != nil {
		t.Fatalf("iwctl %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// TestInteropIwdAP: iwd in AP mode (Raizo62/vwifi#24 reports it failing
// through a medium) with a wpa_supplicant station. iwd switches its
// device to AP mode (iwctl device <if> set-property Mode ap) and starts
// a WPA2 network (iwctl ap <if> start <ssid> <passphrase>); the station
// reaches COMPLETED, `iw dev link` shows iwd's AP, and it pings the AP.
func TestInteropIwdAP(t *testing.T) {
	const ssid, pass = "iwdap", "iwd-ap-secret"
	forEachProvider(t, func(t *testing.T, p Provider) {
		tb := NewTestbed(t, p, 2)
		requireIwd(t)
		ap := tb.Place(0, "10.0.21.1/24")
		sta := tb.Place(1, "10.0.21.2/24")
		bus := tb.startSystemBus(t)
		iwd := ap.StartIwd(t, bus, "unused", "unused-passphrase")
		waitFor(t, startTimeout, "iwd to manage "+ap.Iface, func() (bool, string) {
			if iwd.Exited() {
				t.Fatalf("iwd exited (%v):\n%s", iwd.err, tail(iwd.Log(), 60))
			}
			out, err := run("env", "DBUS_SYSTEM_BUS_ADDRESS="+bus, "iwctl", "device", "list")
			return err == nil && strings.Contains(out, ap.Iface), out + errOrEmpty(err)
		})
		iwctl(t, bus, "device", ap.Iface, "set-property", "Mode", "ap")
		iwctl(t, bus, "ap", ap.Iface, "start", ssid, pass)
		t.Logf("iwctl ap %s show:\n%s", ap.Iface, iwctl(t, bus, "ap", ap.Iface, "show"))
		s := sta.StartStation(ssid, pass)
		s.WaitCompleted(t)
		if got, link := sta.linkBSSID(); got != ap.MAC {
			t.Errorf("%s: connected to %q, want iwd's AP %s:\n%s", sta.Iface, got, ap.MAC, link)
		}
		pingCarried(t, ap, sta)
	})
}
