//go:build integration

package integration

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	soakDuration = flag.Duration("soak.duration", 0, "TestSoak: how long the load runs (0 skips it; make soak sets 10m)")
	soakTiming   = flag.String("soak.timing", "fast", "TestSoak: hwsim-medium --timing")
	soakEvery    = flag.Duration("soak.every", 30*time.Second, "TestSoak: how often the medium is sampled")
)

// Soak layout: 10 APs with 4 stations each, every radio in its own
// namespace, WPA2 on channel 6, every station pinging its AP.
const (
	soakAPs        = 10
	soakStationsAP = 4
)

// soakSample is the medium as a sample saw it.
type soakSample struct {
	at         time.Duration
	rssKiB     float64
	heap       uint64
	goroutines int
	fds        int
	frames     uint64
}

// sampleMedium reads the medium's RSS from /proc and the rest from its
// status.
func sampleMedium(t testing.TB, m *mediumRun, since time.Time) soakSample {
	t.Helper()
	s := soakSample{at: time.Since(since).Round(time.Second)}
	procStatus, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", m.daemon.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("the medium is gone: %v\n%s", err, tail(m.daemon.Log(), 40))
	}
	for _, l := range strings.Split(string(procStatus), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			s.rssKiB, _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
		}
	}
	st := status(t, m)
	s.frames = st.Stats.Frames
	if p := st.Process; p != nil {
		s.heap, s.goroutines, s.fds = p.HeapBytes, p.Goroutines, p.FDs
	}
	return s
}

// TestSoak runs 50 radios (10 APs, 40 stations, every station pinging its
// AP once a second) for -soak.duration and samples the medium every
// -soak.every: its RSS, heap, goroutines and file descriptors stay flat,
// every station is associated at the end and most of its pings pass.
// `make soak` runs it;
// docs/reliability.md has the figures.
func TestSoak(t *testing.T) {
	if *soakDuration == 0 {
		t.Skip("a soak test: make soak (or -soak.duration 10m)")
	}
	n := soakAPs * (1 + soakStationsAP)
	tb := NewTestbed(t, medium{args: []string{"--timing", *soakTiming}}, n)
	m := activeMedium.Load()
	var aps []*Actor
	for k := range soakAPs {
		a := tb.Place(k, fmt.Sprintf("10.%d.0.1/24", k))
		path := filepath.Join(tb.dir, fmt.Sprintf("hostapd-soak%d.conf", k))
		body := fmt.Sprintf("interface=%s\ndriver=nl80211\nchannel=6\nssid=soak%d\nwpa=2\nwpa_passphrase=12345678\nwpa_key_mgmt=WPA-PSK\nwpa_pairwise=CCMP\n", a.Iface, k)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		// Without -d: a long run's debug logs would fill the VM's memory.
		d := a.Start("hostapd-"+a.Iface, "hostapd", "-t", path)
		aps = append(aps, a)
		waitFor(t, startTimeout, "hostapd AP-ENABLED on "+a.Iface, func() (bool, string) {
			if d.Exited() {
				t.Fatalf("hostapd exited:\n%s", tail(d.Log(), 20))
			}
			return strings.Contains(d.Log(), "AP-ENABLED"), tail(d.Log(), 5)
		})
	}
	type station struct {
		a      *Actor
		wpa    *Daemon
		ping   *Daemon
		pingAt time.Time // when ping started
		ap     *Actor
	}
	var stations []station
	for k := range soakAPs {
		for j := range soakStationsAP {
			i := soakAPs + k*soakStationsAP + j
			a := tb.Place(i, fmt.Sprintf("10.%d.0.%d/24", k, 2+j))
			path := filepath.Join(tb.dir, "wpa-"+a.Iface+".conf")
			body := fmt.Sprintf("network={\n\tssid=\"soak%d\"\n\tpsk=\"12345678\"\n\tkey_mgmt=WPA-PSK\n\tscan_freq=2437\n}\n", k)
			if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			stations = append(stations, station{a: a, ap: aps[k], wpa: a.Start("wpa_supplicant-"+a.Iface, "wpa_supplicant", "-D", "nl80211", "-i", a.Iface, "-c", path, "-t")})
		}
	}
	for _, s := range stations {
		waitFor(t, 3*connectTimeout, s.a.Iface+" associated", func() (bool, string) {
			if s.wpa.Exited() {
				t.Fatalf("wpa_supplicant on %s exited:\n%s", s.a.Iface, tail(s.wpa.Log(), 20))
			}
			return strings.Contains(s.wpa.Log(), "CTRL-EVENT-CONNECTED"), tail(s.wpa.Log(), 5)
		})
	}
	for i := range stations {
		s := &stations[i]
		s.a.waitPing(t, s.ap.IP)
		s.ping, s.pingAt = s.a.Start("ping-"+s.a.Iface, "ping", "-i", "1", "-W", "2", s.ap.IP), time.Now()
	}
	t.Logf("%d radios up: %d APs, %d stations associated and pinging; soaking for %s (--timing %s)", n, soakAPs, len(stations), *soakDuration, *soakTiming)

	start := time.Now()
	var samples []soakSample
	for {
		samples = append(samples, sampleMedium(t, m, start))
		if time.Since(start) >= *soakDuration {
			break
		}
		time.Sleep(min(*soakEvery, *soakDuration-time.Since(start)))
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| time | RSS (MiB) | heap (MiB) | goroutines | fds | frames |\n|---|---|---|---|---|---|\n")
	for _, s := range samples {
		fmt.Fprintf(&table, "| %s | %.1f | %.1f | %d | %d | %d |\n", s.at, s.rssKiB/1024, float64(s.heap)/(1<<20), s.goroutines, s.fds, s.frames)
	}
	t.Logf("soak samples (--timing %s):\n%s", *soakTiming, table.String())
	st := status(t, m)
	ss := st.Stats.Socket
	t.Logf("soak end (--timing %s): frames %d, air queue drops %d, overruns %d, send errors %d, malformed %d, answers lost (unanswered) %d",
		*soakTiming, st.Stats.Frames, st.Stats.AirQueueDrops, ss.Overruns, ss.SendErrors, ss.Malformed, ss.Unanswered)

	// Flat: the last sample against the first, once everything is up.
	first, last := samples[0], samples[len(samples)-1]
	if last.rssKiB > first.rssKiB*1.25+4096 {
		t.Errorf("RSS grew from %.1f to %.1f MiB", first.rssKiB/1024, last.rssKiB/1024)
	}
	if last.goroutines > first.goroutines+5 {
		t.Errorf("goroutines grew from %d to %d", first.goroutines, last.goroutines)
	}
	if last.fds > first.fds+5 {
		t.Errorf("file descriptors grew from %d to %d", first.fds, last.fds)
	}
	if last.frames <= first.frames {
		t.Error("the medium routed no frames during the soak")
	}
	// The stations: under emulation (TCG, two vCPUs, 50 radios' daemons)
	// a station can miss its AP's beacons long enough to reassociate;
	// that is reported, not failed. Each must be associated at the end
	// and most of its pings must pass.
	secs := int(soakDuration.Seconds())
	// Pings started before the soak, as the stations came up: the share
	// answered is of what each sent since its start.
	reassoc, replied, sent := 0, 0, 0
	for _, s := range stations {
		log := s.wpa.Log()
		reassoc += strings.Count(log, "CTRL-EVENT-CONNECTED") - 1
		if link, _ := s.a.NS.Exec("iw", "dev", s.a.Iface, "link"); !strings.Contains(link, "Connected to") {
			t.Errorf("%s is not associated at the end:\n%s\n%s", s.a.Iface, link, tail(keyEvents(log), 10))
		}
		r := replies(s.ping.Log())
		replied += r
		sent += int(time.Since(s.pingAt).Seconds())
		if r < secs*8/10 {
			t.Errorf("%s: %d ping replies in %d s", s.a.Iface, r, secs)
		}
	}
	t.Logf("stations: %d reassociations in all, %.1f%% of the pings answered (%d of about %d)", reassoc, 100*float64(replied)/float64(max(sent, 1)), replied, sent)
}
