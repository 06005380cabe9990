//go:build integration

package integration

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

var overloadDuration = flag.Duration("overload.duration", 0, "TestOverload: how long the load runs per timing mode (0 skips it; make soak sets 60s)")

// Overload layout: 3 AP/station pairs sending unlimited UDP, next to 20
// more APs that only beacon, all on channel 6.
const (
	overloadPairs   = 3
	overloadBeacons = 20
)

// TestOverload floods the medium, in fast and in airtime mode: every
// station sends unlimited UDP to its AP (iperf3 -b 0) while 20 more APs
// beacon. During the load the medium must answer its control socket
// (no deadlock) with its memory bounded; after it, every pair pings again.
// docs/reliability.md has the figures.
func TestOverload(t *testing.T) {
	if *overloadDuration == 0 {
		t.Skip("an overload test: make soak (or -overload.duration 60s)")
	}
	for _, timing := range []string{"fast", "airtime"} {
		t.Run(timing, func(t *testing.T) { overload(t, timing) })
	}
}

func overload(t *testing.T, timing string) {
	n := 2*overloadPairs + overloadBeacons
	tb := NewTestbed(t, medium{args: []string{"--timing", timing}}, n)
	m := activeMedium.Load()
	var aps, stas []*Actor
	for k := range overloadPairs {
		ap := tb.Place(2*k, fmt.Sprintf("10.%d.0.1/24", k))
		ap.StartAP(APConfig{SSID: fmt.Sprintf("load%d", k), Passphrase: "12345678", Channel: 6})
		sta := tb.Place(2*k+1, fmt.Sprintf("10.%d.0.2/24", k))
		s := sta.startSupplicant(fmt.Sprintf("network={\n\tssid=\"load%d\"\n\tpsk=\"12345678\"\n\tkey_mgmt=WPA-PSK\n\tscan_freq=2437\n}\n", k))
		s.WaitCompleted(t)
		sta.waitPing(t, ap.IP)
		aps, stas = append(aps, ap), append(stas, sta)
	}
	// The beaconing APs: one hostapd, open networks, in this namespace.
	var confs []string
	for k := 2 * overloadPairs; k < n; k++ {
		conf := filepath.Join(tb.dir, fmt.Sprintf("hostapd-beacon%d.conf", k))
		body := fmt.Sprintf("interface=vw%d\ndriver=nl80211\nchannel=6\nssid=beacon%d\n", k, k)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		confs = append(confs, conf)
	}
	beacons := startDaemon(t, tb.dir, "hostapd-beacons", append([]string{"hostapd", "-t"}, confs...)...)
	defer beacons.Stop()
	waitFor(t, 2*startTimeout, "the beaconing APs", func() (bool, string) {
		return strings.Count(beacons.Log(), "AP-ENABLED") >= overloadBeacons, tail(beacons.Log(), 5)
	})

	secs := fmt.Sprint(int(overloadDuration.Seconds()))
	var clients []*Daemon
	for k, ap := range aps {
		// --forceflush: iperf3's output to a pipe is buffered, and
		// "Server listening" would never arrive.
		srv := ap.Start(fmt.Sprintf("iperf3-server-%d", k), "iperf3", "-s", "-B", ap.IP, "--forceflush")
		waitFor(t, startTimeout, "iperf3 server listening", func() (bool, string) {
			return strings.Contains(srv.Log(), "Server listening"), srv.Log()
		})
		clients = append(clients, stas[k].Start(fmt.Sprintf("iperf3-client-%d", k), "iperf3", "-c", ap.IP, "-u", "-b", "0", "-l", "1400", "-t", secs))
	}
	start := time.Now()
	var peakRSS float64
	var worst time.Duration
	for time.Since(start) < *overloadDuration {
		t0 := time.Now()
		s := sampleMedium(t, m, start) // fails the test if the medium does not answer in 10 s
		worst = max(worst, time.Since(t0))
		peakRSS = max(peakRSS, s.rssKiB)
		time.Sleep(5 * time.Second)
	}
	for _, c := range clients {
		waitFor(t, 2*time.Minute, "iperf3 to finish", func() (bool, string) { return c.Exited(), "" })
	}
	st := status(t, m)
	ss := st.Stats.Socket
	t.Logf("overload (--timing %s, %s): frames %d, peak RSS %.1f MiB, slowest status %s, air queue drops %d, overruns %d, send errors %d, malformed %d, answers lost (unanswered) %d",
		timing, *overloadDuration, st.Stats.Frames, peakRSS/1024, worst.Round(time.Millisecond), st.Stats.AirQueueDrops, ss.Overruns, ss.SendErrors, ss.Malformed, ss.Unanswered)
	if peakRSS > 200*1024 {
		t.Errorf("the medium's RSS reached %.1f MiB", peakRSS/1024)
	}
	// It recovers when the load ends.
	for k, sta := range stas {
		sta.Ping(t, aps[k].IP, 5)
	}
}

// status asks the medium for its status.
func status(t testing.TB, m *mediumRun) api.Status {
	t.Helper()
	var st api.Status
	m.ask(t, "the medium's status", func(ctx context.Context, c *api.Client) (err error) {
		st, err = c.Status(ctx)
		return err
	})
	if st.Stats.Socket == nil {
		st.Stats.Socket = &api.SocketStats{}
	}
	return st
}
