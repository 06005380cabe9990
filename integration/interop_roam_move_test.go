//go:build integration

package integration

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
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

// roamDecisionRE matches the lines of wpa_supplicant's debug log that show
// why and when it roams: bgscan's scans and thresholds, the BSS selection
// within the ESS, and the authentication with the new AP.
var roamDecisionRE = regexp.MustCompile(`bgscan simple: |Skip roam|within-ESS|Trying to authenticate|CTRL-EVENT-SCAN-RESULTS|CTRL-EVENT-SIGNAL-CHANGE`)

// bssLevelRE reads the signal of `wpa_cli bss <bssid>`.
var bssLevelRE = regexp.MustCompile(`(?m)^level=(-?\d+)`)

// bssLevel returns the signal, in dBm, of bssid in the station's scan
// results, and whether it is there.
func (s *Station) bssLevel(t testing.TB, bssid string) (int, bool) {
	m := bssLevelRE.FindStringSubmatch(s.cli(t, "bss", bssid))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	return n, true
}

// radioX asks the medium for the x coordinate of the named radio, now.
func (m *mediumRun) radioX(t testing.TB, name string) float64 {
	t.Helper()
	var x float64
	found := false
	m.ask(t, "the medium's model", func(ctx context.Context, c *api.Client) error {
		cfg, err := c.Model(ctx)
		for _, r := range cfg.Radios {
			if r.Name == name {
				x, found = r.X, true
			}
		}
		return err
	})
	if !found {
		t.Fatalf("the medium's model has no radio %s", name)
	}
	return x
}

// TestInteropRoamOnMove: roaming as a station moves, through the medium
// only (the kernel's own delivery has no positions), once with each of
// roamSecurities (a full handshake with the second AP, and 802.11r
// FT-PSK). Two APs with one SSID and passphrase on channels 1 and 11,
// 40 m apart under log-distance path loss (exponent 3.5, indoors), share
// the address 10.0.19.1 (each in its own namespace), so one ping, five a
// second, runs throughout. The station starts 2 m from the first AP (about
// -31 dBm; the second is about -75 dBm) with bgscan="simple:5:-45:15":
// background scans every 5 s while the signal is below -45 dBm, else every
// 15 s. `vwifi-tool velocity` walks it towards the second AP at 3 m/s and
// `vwifi-tool velocity stop` halts it 2 m from there; on the way the first
// AP fades (below -67 dBm past about 21 m) and the station roams to the
// second by itself. The scan results follow the positions (the first AP
// far stronger before the walk, the second after it), and the ping loses
// a bounded number of echoes. The station scans only the two APs'
// channels (scan_freq): a scan of every band (2.4, 5 and 6 GHz, most of
// them passive in the world regulatory domain) took 22 s in the VM, and
// while mac80211 scans it stops following the signal of the AP's beacons,
// so bgscan's threshold and the roam came only after the station had
// arrived (measured: roamed 41.6 s into a 12 s walk). The distances are
// what wpa_supplicant 2.10 needs to roam at all: it stays with an AP whose
// SNR is above 25 dB (-67 dBm against the medium's -92 dBm noise floor),
// which under free-space loss is 220 m away (measured: at 38 m, -52 dBm,
// "Skip roam - Current BSS has good SNR (41 > 25)").
func TestInteropRoamOnMove(t *testing.T) {
	const (
		ssid, pass = "roam", "roam-secret"
		speed      = 3.0  // m/s
		stopAt     = 38.0 // x, 2 m from the second AP
		// maxRoamLoss bounds the echoes the ping may lose over the walk:
		// 10 s of them, for a scan and the handshake with the second AP.
		maxRoamLoss = 50
	)
	// channels are the APs' frequencies (MHz), the only ones the station
	// scans.
	channels := []int{2412, 2462}
	for _, row := range roamSecurities {
		t.Run(row.name, func(t *testing.T) {
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
			cfg := func(i, channel int) APConfig {
				return APConfig{SSID: ssid, Passphrase: pass, Channel: channel, KeyMgmt: row.keyMgmt, Extra: row.ap(i)}
			}
			ap1.StartAP(cfg(1, 1))
			hostapd2 := ap2.StartAP(cfg(2, 11))
			s := sta.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	psk="%s"
	key_mgmt=%s
	bgscan="simple:5:-45:15"
	scan_freq=2412 2462
}
`, ssid, pass, row.keyMgmt))
			s.WaitCompleted(t)
			if got, link := sta.linkBSSID(); got != ap1.MAC {
				t.Fatalf("%s: connected to %q, want the nearest AP %s:\n%s", sta.Iface, got, ap1.MAC, link)
			}
			s.waitInScan(t, ap2.MAC, channels...)
			near, _ := s.bssLevel(t, ap1.MAC)
			far, _ := s.bssLevel(t, ap2.MAC)
			t.Logf("before the walk, at x=2: first AP %d dBm, second AP %d dBm", near, far)
			if near < far+30 {
				t.Errorf("at 2 m from the first AP and 38 m from the second, the scan shows %d and %d dBm: want the first at least 30 dB stronger", near, far)
			}
			sta.waitPing(t, ap1.IP)
			ping := sta.Start("ping-"+sta.Iface, "ping", "-O", "-D", "-i", "0.2", ap1.IP)

			// Let a few seconds of pings through before the walk.
			waitFor(t, pingTimeout, "10 echo replies before the walk", func() (bool, string) {
				_, replies := pingCount(ping.Log())
				return replies >= 10, tail(ping.Log(), 5)
			})
			sentBefore, repliesBefore := pingCount(ping.Log())
			v := strconv.FormatFloat(speed, 'f', -1, 64)
			if out, code := vwifiTool(t, m, "velocity", sta.Iface, v, "0"); code != 0 {
				t.Fatalf("vwifi-tool velocity %s %s 0: exit %d: %s", sta.Iface, v, code, out)
			}
			walked := time.Now()
			roamedAt := time.Duration(-1)
			roamedX := 0.0
			walking := true
			waitFor(t, 120*time.Second, sta.Iface+" to reach x="+strconv.FormatFloat(stopAt, 'f', -1, 64)+" and roam to the nearer AP "+ap2.MAC, func() (bool, string) {
				got, link := sta.linkBSSID()
				x := m.radioX(t, sta.Iface)
				if roamedAt < 0 && got == ap2.MAC && s.State() == "COMPLETED" {
					roamedAt, roamedX = time.Since(walked), x
				}
				if walking && x >= stopAt {
					if out, code := vwifiTool(t, m, "velocity", sta.Iface, "stop"); code != 0 {
						t.Fatalf("vwifi-tool velocity %s stop: exit %d: %s", sta.Iface, code, out)
					}
					walking = false
				}
				return !walking && roamedAt >= 0, fmt.Sprintf("x=%.1f\n%s\n%s", x, link, tail(keyEvents(s.Log()), 10))
			})
			// The ping goes on through the second AP.
			_, repliesAtRoam := pingCount(ping.Log())
			waitFor(t, pingTimeout, "10 echo replies through the second AP", func() (bool, string) {
				_, replies := pingCount(ping.Log())
				return replies >= repliesAtRoam+10, tail(ping.Log(), 5)
			})
			ping.Stop()
			sent, replies := pingCount(ping.Log())
			lost := (sent - sentBefore) - (replies - repliesBefore)
			t.Logf("%s's roaming decisions:\n%s", sta.Iface, grepLines(s.Log(), roamDecisionRE))
			t.Logf("roamed %.1fs into the walk, at x=%.1f; ping over the walk: %d echoes sent, %d lost (%.1fs at 5 per second)",
				roamedAt.Seconds(), roamedX, sent-sentBefore, lost, float64(lost)/5)
			if link := sta.NS.MustExec(t, "iw", "dev", sta.Iface, "link"); !strings.Contains(link, "freq: 2462") {
				t.Errorf("%s after the roam: want freq: 2462 (channel 11):\n%s", sta.Iface, link)
			}
			st, _ := s.Status()
			row.checkFT(t, st, hostapd2, sta)
			// The scan results have followed the walk.
			s.waitScan(t, "a scan with the second AP 30 dB stronger than the first", channels, func(string) (bool, string) {
				first, ok1 := s.bssLevel(t, ap1.MAC)
				second, ok2 := s.bssLevel(t, ap2.MAC)
				return ok1 && ok2 && second >= first+30, fmt.Sprintf("first AP %d dBm (listed %v), second %d dBm (listed %v)", first, ok1, second, ok2)
			})
			// Bound: the ping may stop for a scan and the handshake with
			// the second AP, not for the walk.
			if lost > maxRoamLoss {
				t.Errorf("ping lost %d echoes (%.1fs) over the walk: want at most %d", lost, float64(lost)/5, maxRoamLoss)
			}
		})
	}
}
