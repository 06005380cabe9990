//go:build integration

package integration

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	pingReplyRE = regexp.MustCompile(`bytes from .* icmp_seq=(\d+)`)
	pingSeqRE   = regexp.MustCompile(`icmp_seq=(\d+)`)
)

// pingCount reads a running `ping -O` log: the echoes sent (the highest
// sequence number reported, answered or not) and the replies received.
func pingCount(log string) (sent, replies int) {
	for _, m := range pingSeqRE.FindAllStringSubmatch(log, -1) {
		if n, _ := strconv.Atoi(m[1]); n > sent {
			sent = n
		}
	}
	return sent, len(pingReplyRE.FindAllString(log, -1))
}

// TestInteropRoamOnMove: roaming as a station moves, through the medium
// only (the kernel's own delivery has no positions). Two APs with one
// SSID and passphrase on channels 1 and 11, 40 m apart under log-distance
// path loss (exponent 3.5, indoors), share the address 10.0.19.1 (each in
// its own namespace), so one ping, five a second, runs throughout. The
// station starts 2 m from the first AP (about -31 dBm; the second is about
// -75 dBm) with bgscan="simple:5:-45:15": background scans every 5 s while
// the signal is below -45 dBm, else every 15 s. Moved (vwifi-tool move) to
// 2 m from the second AP, the first drops to about -75 dBm and the station
// roams to the second by itself; the ping loses a bounded number of
// echoes. The distances are what wpa_supplicant 2.10 needs to roam at
// all: it stays with an AP whose SNR is above 25 dB (-67 dBm against the
// medium's -92 dBm noise floor), which under free-space loss is 220 m
// away (measured: at 38 m, -52 dBm, "Skip roam - Current BSS has good
// SNR (41 > 25)").
func TestInteropRoamOnMove(t *testing.T) {
	const ssid, pass = "roam", "roam-secret"
	p := withModel(t, "roam.yaml", `propagation:
  model: log_distance
  exponent: 3.5
radios:
  - {name: vw0, position: [0, 0]}
  - {name: vw1, position: [40, 0]}
  - {name: vw2, position: [2, 0]}
`)
	tb := NewTestbed(t, p, 3)
	m := activeMedium.Load()
	ap1 := tb.Place(0, "10.0.19.1/24")
	ap2 := tb.Place(1, "10.0.19.1/24")
	sta := tb.Place(2, "10.0.19.3/24")
	ap1.StartAP(APConfig{SSID: ssid, Passphrase: pass, Channel: 1})
	ap2.StartAP(APConfig{SSID: ssid, Passphrase: pass, Channel: 11})
	s := sta.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	psk="%s"
	key_mgmt=WPA-PSK
	bgscan="simple:5:-45:15"
}
`, ssid, pass))
	s.WaitCompleted(t)
	if got, link := sta.linkBSSID(); got != ap1.MAC {
		t.Fatalf("%s: connected to %q, want the nearest AP %s:\n%s", sta.Iface, got, ap1.MAC, link)
	}
	sta.waitPing(t, ap1.IP)
	ping := sta.Start("ping-"+sta.Iface, "ping", "-O", "-D", "-i", "0.2", ap1.IP)

	// Let a few seconds of pings through before the move.
	waitFor(t, pingTimeout, "10 echo replies before the move", func() (bool, string) {
		_, replies := pingCount(ping.Log())
		return replies >= 10, tail(ping.Log(), 5)
	})
	sentBefore, repliesBefore := pingCount(ping.Log())
	if out, code := vwifiTool(t, m, "move", sta.Iface, "38", "0"); code != 0 {
		t.Fatalf("vwifi-tool move %s 38 0: exit %d: %s", sta.Iface, code, out)
	}
	moved := time.Now()
	waitFor(t, 90*time.Second, sta.Iface+" to roam to the nearer AP "+ap2.MAC, func() (bool, string) {
		got, link := sta.linkBSSID()
		return got == ap2.MAC && s.State() == "COMPLETED", link + "\n" + tail(keyEvents(s.Log()), 10)
	})
	roamed := time.Since(moved)
	// The ping goes on through the second AP.
	_, repliesAtRoam := pingCount(ping.Log())
	waitFor(t, pingTimeout, "10 echo replies through the second AP", func() (bool, string) {
		_, replies := pingCount(ping.Log())
		return replies >= repliesAtRoam+10, tail(ping.Log(), 5)
	})
	ping.Stop()
	sent, replies := pingCount(ping.Log())
	lost := (sent - sentBefore) - (replies - repliesBefore)
	t.Logf("roamed %.1fs after the move; ping over the roam: %d echoes sent, %d lost (%.1fs at 5 per second)",
		roamed.Seconds(), sent-sentBefore, lost, float64(lost)/5)
	if link := sta.NS.MustExec(t, "iw", "dev", sta.Iface, "link"); !strings.Contains(link, "freq: 2462") {
		t.Errorf("%s after the roam: want freq: 2462 (channel 11):\n%s", sta.Iface, link)
	}
	// Bound: the roam itself plus a scan interval and the handshake.
	if max := int((roamed + 10*time.Second) / (200 * time.Millisecond)); lost > max {
		t.Errorf("ping lost %d echoes over a roam that took %.1fs: want at most %d", lost, roamed.Seconds(), max)
	}
}
