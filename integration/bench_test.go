//go:build integration

package integration

// Benchmarks of the air: how much a medium costs compared with the kernel's
// own delivery (no medium registered), measured end to end with WPA2,
// ping and iperf3. They never fail on a performance figure: they fail only
// if a scenario cannot run (no association, iperf3 error). Run them in the
// VM with `make bench`, or on a root host with mac80211_hwsim:
//
//	sudo go test -tags integration -run '^$' -bench '^BenchmarkAir$' -benchtime 1x ./integration/
//
// Each benchmark prints its results as a markdown table between
// BENCH-TABLE-BEGIN/BENCH-TABLE-END lines and as one BENCH-JSON line, which
// the VM tool collects into .cache/vm/bench.json.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// airConfig is one way of carrying the frames, measured in turn with the
// same scenario. A configuration that does not exist yet has Provider nil
// and is reported as "n/a (not implemented)".
type airConfig struct {
	Name     string
	Provider Provider
}

// airConfigs are measured in this order in every round; the first is the
// reference the others are compared with. New configurations are one line.
var airConfigs = []airConfig{
	{"kernel-direct", kernelDirect{}},
	{"medium", medium{}}, // hwsim-medium fast path (no propagation model, no airtime)
	// The fast path judging every frame with free-space propagation and
	// the SNR error curves (10 m apart: -40 dBm, nothing lost): what the
	// model costs.
	{"medium-pathloss", modelMedium{name: "pathloss.yaml", config: benchPathLoss}},
	// CSMA/CA timing: throughput is bounded by the simulated air (hostapd's
	// default 802.11b rates here), not by the medium.
	{"medium-airtime", medium{args: []string{"--timing", "airtime"}}},
	// The fast path with every transmission captured as pcapng (--pcap),
	// into /dev/null: what capturing costs the medium, not the disk.
	{"medium-capture", medium{args: []string{"--pcap", "/dev/null"}}},
	// Two media federated over NATS (an embedded server on a veth pair),
	// the AP's radio on one member, the station's on the other: what
	// crossing members costs (docs/federation.md).
	{"medium-federated", federation{}},
}

const benchPathLoss = `propagation:
  model: free_space
radios:
  - {name: vw0, position: [0, 0]}
  - {name: vw1, position: [10, 0]}
`

// modelMedium is the medium started with a link-model file written when
// the radios are created (inside the VM).
type modelMedium struct {
	name, config string
}

func (modelMedium) Name() string { return "medium" }

func (m modelMedium) Create(t testing.TB, n int) ([]Radio, func()) {
	t.Helper()
	return medium{args: []string{"-c", writeModel(t, m.name, m.config)}}.Create(t, n)
}

// Scenario parameters, flags of the test binary (make bench
// BENCHFLAGS="-air.rounds=1 -air.seconds=3" for a quick run).
var (
	benchRounds   = flag.Int("air.rounds", 3, "BenchmarkAir: rounds (each runs every configuration once)")
	benchPings    = flag.Int("air.pings", 20, "BenchmarkAir: pings per run (0.2 s apart)")
	benchIperfSec = flag.Int("air.seconds", 8, "BenchmarkAir: seconds per iperf3 run")
	scaleRadios   = flag.String("scale.radios", "50,200,500", "BenchmarkScale: comma-separated radio counts")
	scaleAPs      = flag.Int("scale.aps", 4, "BenchmarkScale: how many of the radios are hostapd APs")
	scaleCompare  = flag.String("scale.compare", "", "BenchmarkScale: path (in the VM) of another hwsim-medium build, measured right after this one at every radio count (e.g. the last commit's, to measure a change in one boot)")
	benchCompare  = flag.String("air.compare", "", "BenchmarkAir: path (in the VM) of another hwsim-medium build, measured as configuration \"medium-compare\" after \"medium\" (e.g. the last commit's, to measure a change in one boot)")
	benchOnly     = flag.String("air.only", "", "BenchmarkAir: comma-separated configurations to measure (default: all; kernel-direct, the reference, is always measured)")
	benchProfile  = flag.Bool("bench.cpuprofile", true, "profile hwsim-medium (--cpuprofile) in the last air round and in every scale run, and send the profiles to the host (BENCH-FILE lines)")
)

const (
	pingInterval = "0.2"
	udpLen       = 1400
)

// airRun is what one configuration measured in one round. Medium* fields
// are zero for kernel-direct.
type airRun struct {
	PingAvgMs  float64 `json:"ping_avg_ms"`
	PingMdevMs float64 `json:"ping_mdev_ms"`
	// PingMedMs is the median of the per-echo times: the average of a TCG
	// VM on a shared host is dominated by a few scheduling stalls.
	PingMedMs  float64 `json:"ping_median_ms"`
	TCPMbps    float64 `json:"tcp_mbps"`
	TCPRetr    float64 `json:"tcp_retransmits"`
	UDPMbps    float64 `json:"udp_mbps"`      // received, unlimited offered rate
	UDPSentMb  float64 `json:"udp_sent_mbps"` // offered by the sender
	UDPLossPct float64 `json:"udp_loss_pct"`
	// UDP offered at the rate kernel-direct received in the same round.
	UDPRefRateMbps float64 `json:"udp_ref_rate_mbps"`
	UDPRefMbps     float64 `json:"udp_ref_mbps"` // received
	UDPRefLossPct  float64 `json:"udp_ref_loss_pct"`
	// The medium process during the TCP run: CPU share of one core and CPU
	// time per routed frame; and over the whole run, socket overflow drops
	// and peak RSS.
	MediumCPUPctTCP   float64 `json:"medium_cpu_pct_tcp,omitempty"`
	MediumUsPerFrame  float64 `json:"medium_us_per_frame_tcp,omitempty"`
	MediumFramesTCP   float64 `json:"medium_frames_tcp,omitempty"`
	MediumDrops       float64 `json:"medium_overflow_drops"`
	MediumPeakRSSMiB  float64 `json:"medium_peak_rss_mib,omitempty"`
	AssociationSecond float64 `json:"association_s"`
	// CaptureWritten and CaptureDropped count the records of the
	// medium's captures over the run (medium-capture).
	CaptureWritten float64 `json:"capture_written,omitempty"`
	CaptureDropped float64 `json:"capture_dropped,omitempty"`
}

// airFigures lists the figures of airRun that the summary reports, with
// how they compare with the reference.
var airFigures = []struct {
	Key   string
	Label string
	Get   func(*airRun) float64
	Cmp   string // "ratio", "diff" (absolute difference) or "" (none)
}{
	{"ping_avg_ms", "ping avg rtt (ms)", func(r *airRun) float64 { return r.PingAvgMs }, "diff"},
	{"ping_median_ms", "ping median rtt (ms)", func(r *airRun) float64 { return r.PingMedMs }, "diff"},
	{"tcp_mbps", "TCP (Mbit/s)", func(r *airRun) float64 { return r.TCPMbps }, "ratio"},
	{"udp_mbps", "UDP -b 0 received (Mbit/s)", func(r *airRun) float64 { return r.UDPMbps }, "ratio"},
	{"udp_loss_pct", "UDP -b 0 loss (%)", func(r *airRun) float64 { return r.UDPLossPct }, ""},
	{"udp_ref_mbps", "UDP at kernel-direct's rate: received (Mbit/s)", func(r *airRun) float64 { return r.UDPRefMbps }, "ratio"},
	{"udp_ref_loss_pct", "UDP at kernel-direct's rate: loss (%)", func(r *airRun) float64 { return r.UDPRefLossPct }, ""},
	{"medium_us_per_frame_tcp", "medium CPU per frame, TCP (us)", func(r *airRun) float64 { return r.MediumUsPerFrame }, ""},
	{"medium_cpu_pct_tcp", "medium CPU during TCP (% of a core)", func(r *airRun) float64 { return r.MediumCPUPctTCP }, ""},
	{"medium_overflow_drops", "socket overflow drops (max)", func(r *airRun) float64 { return r.MediumDrops }, ""},
	{"capture_written", "capture: records written", func(r *airRun) float64 { return r.CaptureWritten }, ""},
	{"capture_dropped", "capture: records dropped (max)", func(r *airRun) float64 { return r.CaptureDropped }, ""},
}

// BenchmarkAir runs the scenario (two radios in two netns, WPA2-CCMP AP and
// station, ping, iperf3 TCP, iperf3 UDP unlimited and at the reference
// rate) for every configuration, alternating them in rounds, and reports
// the median of each figure and its ratio to kernel-direct. Use it with
// -benchtime 1x: the rounds are the repetitions.
func BenchmarkAir(b *testing.B) {
	requireEnv(b)
	if _, err := exec.LookPath("iperf3"); err != nil {
		b.Skip("BenchmarkAir needs iperf3 (apt-get install iperf3)")
	}
	runs := map[string][]airRun{}
	start := time.Now()
	profiles := map[string]string{} // configuration -> profile path in the VM
	configs := only(withCompare(airConfigs, *benchCompare), *benchOnly)
	for round := 1; round <= *benchRounds; round++ {
		b.Run(fmt.Sprintf("round%d", round), func(b *testing.B) {
			refRate := 0.0
			for _, cfg := range configs {
				if cfg.Provider == nil {
					continue
				}
				p := cfg.Provider
				if round == *benchRounds {
					p = profiled(p, cfg.Name, profiles)
				}
				b.Run(cfg.Name, func(b *testing.B) {
					t0 := time.Now()
					r := airScenario(b, p, refRate)
					if refRate == 0 {
						refRate = r.UDPMbps
					}
					runs[cfg.Name] = append(runs[cfg.Name], *r)
					b.ReportMetric(r.PingAvgMs, "ping-ms")
					b.ReportMetric(r.TCPMbps, "tcp-Mbit/s")
					b.ReportMetric(r.UDPMbps, "udp-Mbit/s")
					b.ReportMetric(r.UDPLossPct, "udp-loss-%")
					b.ReportMetric(r.UDPRefLossPct, "udp-ref-loss-%")
					fmt.Printf("bench: round %d %-14s ping %.2f ms, TCP %.1f Mbit/s, UDP %.1f Mbit/s (%.1f%% loss), UDP offered %.1f Mbit/s: %.1f received, %.1f%% loss, medium %.1f us/frame; %.0fs\n",
						round, cfg.Name, r.PingAvgMs, r.TCPMbps, r.UDPMbps, r.UDPLossPct, r.UDPRefRateMbps, r.UDPRefMbps, r.UDPRefLossPct, r.MediumUsPerFrame, time.Since(t0).Seconds())
				})
			}
		})
	}
	rep := summarizeAir(configs, runs)
	rep.Seconds = time.Since(start).Seconds()
	printReport("air", airTable(rep), rep)
	for name, path := range profiles {
		printFile(b, "air-"+name+".prof", path)
	}
}

// withCompare inserts configuration "medium-compare" (the hwsim-medium
// binary at bin) after "medium"; bin "" leaves the list as it is.
func withCompare(configs []airConfig, bin string) []airConfig {
	if bin == "" {
		return configs
	}
	var out []airConfig
	for _, c := range configs {
		out = append(out, c)
		if m, ok := c.Provider.(medium); ok && c.Name == "medium" {
			out = append(out, airConfig{"medium-compare", mediumBinary{medium: m, bin: bin}})
		}
	}
	return out
}

// only keeps the configurations named in list (comma-separated) and the
// reference, the first; list "" keeps all.
func only(configs []airConfig, list string) []airConfig {
	if list == "" {
		return configs
	}
	keep := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		keep[strings.TrimSpace(n)] = true
	}
	out := configs[:1:1]
	for _, c := range configs[1:] {
		if keep[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

// mediumBinary is the medium provider running another hwsim-medium build.
type mediumBinary struct {
	medium
	bin string
}

// Create implements Provider: the medium provider finds its binary through
// HWSIM_MEDIUM, which points at bin for the time of the call.
func (m mediumBinary) Create(t testing.TB, n int) ([]Radio, func()) {
	old, had := os.LookupEnv("HWSIM_MEDIUM")
	os.Setenv("HWSIM_MEDIUM", m.bin)
	defer func() {
		if had {
			os.Setenv("HWSIM_MEDIUM", old)
		} else {
			os.Unsetenv("HWSIM_MEDIUM")
		}
	}()
	return m.medium.Create(t, n)
}

// profiled adds --cpuprofile to a medium configuration and records where
// the profile goes. Others are returned as they are, medium-compare too:
// an older build may not have the flag.
func profiled(p Provider, name string, profiles map[string]string) Provider {
	m, ok := p.(medium)
	if !ok || !*benchProfile {
		return p
	}
	path := filepath.Join(os.TempDir(), "bench-air-"+name+".prof")
	profiles[name] = path
	m.args = append(append([]string(nil), m.args...), "--cpuprofile", path)
	return m
}

// airScenario measures one configuration once.
func airScenario(b *testing.B, p Provider, refRate float64) *airRun {
	tb := NewTestbed(b, p, 2)
	ap := tb.Place(0, "10.0.0.1/24")
	sta := tb.Place(1, "10.0.0.2/24")
	ap.StartAP(SeedAP)
	s := sta.StartStation(SeedAP.SSID, SeedAP.Passphrase)
	t0 := time.Now()
	s.WaitCompleted(b)
	r := &airRun{AssociationSecond: time.Since(t0).Seconds()}

	srv := ap.Start("iperf3-server", "iperf3", "-s", "-B", ap.IP, "--forceflush")
	waitFor(b, startTimeout, "iperf3 server listening", func() (bool, string) {
		return strings.Contains(srv.Log(), "Server listening"), srv.Log()
	})
	m := activeMedium.Load()
	var mp *mediumProc
	if m != nil {
		mp = &mediumProc{pid: m.daemon.cmd.Process.Pid, socket: m.socket}
	}

	// Latency: warm up (ARP, first frames), then -air.pings pings 0.2 s apart.
	sta.Ping(b, ap.IP, 1)
	out := sta.NS.MustExec(b, "ping", "-c", strconv.Itoa(*benchPings), "-i", pingInterval, "-W", "2", ap.IP)
	r.PingAvgMs, r.PingMdevMs = parsePing(b, out)
	r.PingMedMs = median(pingTimes(out))

	// TCP, station -> AP.
	before := mp.sample(b)
	tcp := iperf(b, sta, ap.IP)
	after := mp.sample(b)
	r.TCPMbps = tcp.End.SumReceived.BitsPerSecond / 1e6
	r.TCPRetr = float64(tcp.End.SumSent.Retransmits)
	if mp != nil {
		wall := after.at.Sub(before.at).Seconds()
		cpu := after.cpu - before.cpu
		frames := float64(after.frames - before.frames)
		r.MediumCPUPctTCP = 100 * cpu / wall
		r.MediumFramesTCP = frames
		if frames > 0 {
			r.MediumUsPerFrame = cpu / frames * 1e6
		}
	}

	// UDP, unlimited offered rate.
	udp := iperf(b, sta, ap.IP, "-u", "-b", "0", "-l", strconv.Itoa(udpLen))
	r.UDPSentMb, r.UDPMbps, r.UDPLossPct = udp.udp()

	// UDP offered at what kernel-direct received in this round (for the
	// reference itself: its own unlimited rate).
	r.UDPRefRateMbps = refRate
	if refRate == 0 {
		r.UDPRefRateMbps = r.UDPMbps
	}
	udpRef := iperf(b, sta, ap.IP, "-u", "-b", fmt.Sprintf("%.0fk", r.UDPRefRateMbps*1000), "-l", strconv.Itoa(udpLen))
	_, r.UDPRefMbps, r.UDPRefLossPct = udpRef.udp()

	if mp != nil {
		end := mp.sample(b)
		r.MediumDrops = float64(end.drops)
		r.MediumPeakRSSMiB = end.peakRSSKiB / 1024
		r.CaptureWritten, r.CaptureDropped = float64(end.captureWritten), float64(end.captureDropped)
	}
	return r
}

var pingRTTRE = strings.NewReplacer("rtt min/avg/max/mdev = ", "", "round-trip min/avg/max = ", "", " ms", "")

// parsePing returns avg and mdev (ms) from ping -q output.
func parsePing(t testing.TB, out string) (avg, mdev float64) {
	for _, l := range strings.Split(out, "\n") {
		if !strings.Contains(l, "min/avg/max") {
			continue
		}
		f := strings.Split(pingRTTRE.Replace(strings.TrimSpace(l)), "/")
		if len(f) >= 3 {
			avg, _ = strconv.ParseFloat(f[1], 64)
		}
		if len(f) >= 4 {
			mdev, _ = strconv.ParseFloat(f[3], 64)
		}
		return avg, mdev
	}
	t.Fatalf("no rtt line in ping output:\n%s", out)
	return 0, 0
}

// pingTimes returns the time= of every echo reply in ping's output (ms).
func pingTimes(out string) []float64 {
	var ts []float64
	for _, l := range strings.Split(out, "\n") {
		_, after, ok := strings.Cut(l, " time=")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSuffix(strings.Fields(after)[0], "ms"), 64); err == nil {
			ts = append(ts, v)
		}
	}
	return ts
}

// iperfResult is the part of iperf3 -J output the benchmark reads.
type iperfResult struct {
	Error string `json:"error"`
	End   struct {
		SumSent struct {
			BitsPerSecond float64 `json:"bits_per_second"`
			Retransmits   int     `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
		Sum struct { // UDP
			BitsPerSecond float64 `json:"bits_per_second"`
			LostPercent   float64 `json:"lost_percent"`
			Packets       int     `json:"packets"`
			LostPackets   int     `json:"lost_packets"`
		} `json:"sum"`
	} `json:"end"`
}

// udp returns offered and received rates (Mbit/s) and loss (%). iperf3
// 3.12's UDP "sum" carries the sender's rate and the receiver's loss.
func (r *iperfResult) udp() (sent, recv, loss float64) {
	sent = r.End.Sum.BitsPerSecond / 1e6
	loss = r.End.Sum.LostPercent
	recv = sent * (1 - loss/100)
	if r.End.SumReceived.BitsPerSecond > 0 {
		recv = r.End.SumReceived.BitsPerSecond / 1e6
	}
	return sent, recv, loss
}

// iperf runs an iperf3 client for -air.seconds seconds from the actor to
// dst, retrying once if the server was not ready.
func iperf(t testing.TB, from *Actor, dst string, extra ...string) *iperfResult {
	t.Helper()
	args := append([]string{"iperf3", "-c", dst, "-t", strconv.Itoa(*benchIperfSec), "-J"}, extra...)
	var out string
	var err error
	for try := 0; try < 3; try++ {
		out, err = from.NS.Exec(args...)
		if err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	var res iperfResult
	if jerr := json.Unmarshal([]byte(jsonPart(out)), &res); jerr != nil || res.Error != "" || err != nil {
		t.Fatalf("iperf3 %s: %v %s %s\n%s", strings.Join(extra, " "), err, jerr, res.Error, tail(out, 40))
	}
	return &res
}

// jsonPart strips what precedes the JSON object (Exec returns combined output).
func jsonPart(s string) string {
	if i := strings.Index(s, "{"); i >= 0 {
		return s[i:]
	}
	return s
}

// mediumProc samples the medium process: CPU time from /proc/<pid>/stat,
// peak RSS from /proc/<pid>/status, routed frames from the control socket
// and socket overflow drops of its netlink sockets from /proc/net/netlink.
type mediumProc struct {
	pid    int
	socket string
}

type procSample struct {
	at         time.Time
	cpu        float64 // seconds, user+system
	frames     uint64
	rxFrames   uint64 // deliveries the medium made (sum over radios)
	drops      uint64
	rssKiB     float64
	peakRSSKiB float64
	// captureWritten and captureDropped are the medium's capture
	// counters (status).
	captureWritten, captureDropped uint64
}

const clockTicks = 100 // USER_HZ on Linux

func (p *mediumProc) sample(t testing.TB) procSample {
	if p == nil {
		return procSample{}
	}
	t.Helper()
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		t.Fatalf("medium process: %v", err)
	}
	// Fields after the ")" that closes comm: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	s.cpu = (ut + st) / clockTicks
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid)); err == nil {
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				s.peakRSSKiB, _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
			}
			if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				s.rssKiB, _ = strconv.ParseFloat(strings.Fields(v)[0], 64)
			}
		}
	}
	s.drops = netlinkDrops(p.pid)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, p.socket)
	if err != nil {
		t.Fatalf("medium control socket: %v", err)
	}
	defer c.Close()
	ms, err := c.Status(ctx)
	if err != nil {
		t.Fatalf("medium status: %v", err)
	}
	s.frames = ms.Stats.Frames
	if ms.Capture != nil {
		s.captureWritten, s.captureDropped = ms.Capture.Written, ms.Capture.Dropped
	}
	radios, err := c.Radios(ctx)
	if err != nil {
		t.Fatalf("medium radios: %v", err)
	}
	for _, r := range radios {
		s.rxFrames += r.Stats.RxFrames
	}
	return s
}

// netlinkDrops sums the Drops column of /proc/net/netlink over the netlink
// sockets pid holds (the kernel counts an ENOBUFS overrun there).
func netlinkDrops(pid int) uint64 {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	inodes := map[string]bool{}
	for _, fd := range fds {
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	b, err := os.ReadFile("/proc/net/netlink")
	if err != nil {
		return 0
	}
	var drops uint64
	for _, l := range strings.Split(string(b), "\n")[1:] {
		// sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
		f := strings.Fields(l)
		if len(f) >= 10 && inodes[f[9]] {
			d, _ := strconv.ParseUint(f[8], 10, 64)
			drops += d
		}
	}
	return drops
}

// ---- summary ----

type airConfigReport struct {
	Name        string             `json:"name"`
	Implemented bool               `json:"implemented"`
	Median      map[string]float64 `json:"median,omitempty"`
	// VsRef compares the median with kernel-direct's: a ratio, or for
	// ping the added milliseconds (keys ping_avg_added_ms,
	// ping_median_added_ms) and the ratio.
	VsRef map[string]float64 `json:"vs_kernel_direct,omitempty"`
	Runs  []airRun           `json:"runs,omitempty"`
}

type airReport struct {
	Scenario string            `json:"scenario"`
	Rounds   int               `json:"rounds"`
	CPUs     int               `json:"cpus"`
	Kernel   string            `json:"kernel"`
	Seconds  float64           `json:"seconds"`
	Configs  []airConfigReport `json:"configs"`
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func summarizeAir(configs []airConfig, runs map[string][]airRun) *airReport {
	rep := &airReport{
		Scenario: fmt.Sprintf("2 radios in 2 netns, WPA2-CCMP AP + station (channel 6); ping -c %d -i %s; iperf3 station->AP %ds: TCP, UDP -b 0 -l %d, UDP at kernel-direct's received rate",
			*benchPings, pingInterval, *benchIperfSec, udpLen),
		Rounds: *benchRounds, CPUs: runtime.NumCPU(), Kernel: kernelRelease(),
	}
	var ref map[string]float64
	for _, cfg := range configs {
		cr := airConfigReport{Name: cfg.Name, Implemented: cfg.Provider != nil, Runs: runs[cfg.Name]}
		if cfg.Provider != nil && len(cr.Runs) > 0 {
			cr.Median = map[string]float64{}
			for _, fig := range airFigures {
				var xs []float64
				for i := range cr.Runs {
					xs = append(xs, fig.Get(&cr.Runs[i]))
				}
				cr.Median[fig.Key] = median(xs)
				if (fig.Key == "medium_overflow_drops" || fig.Key == "capture_dropped") && len(xs) > 0 {
					sort.Float64s(xs)
					cr.Median[fig.Key] = xs[len(xs)-1]
				}
			}
			if ref == nil {
				ref = cr.Median
			}
			cr.VsRef = map[string]float64{}
			for _, fig := range airFigures {
				switch fig.Cmp {
				case "ratio":
					cr.VsRef[fig.Key] = cr.Median[fig.Key] / ref[fig.Key]
				case "diff":
					cr.VsRef[fig.Key] = cr.Median[fig.Key] / ref[fig.Key]
					cr.VsRef[addedKey(fig.Key)] = cr.Median[fig.Key] - ref[fig.Key]
				}
			}
		}
		rep.Configs = append(rep.Configs, cr)
	}
	return rep
}

// airTable renders the report as a markdown table: one row per figure, one
// column per configuration, each cell the median and its comparison with
// kernel-direct.
func airTable(rep *airReport) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "BenchmarkAir: median of %d rounds (configurations alternate within each round), %d vCPU, kernel %s, %.0fs\n",
		rep.Rounds, rep.CPUs, rep.Kernel, rep.Seconds)
	fmt.Fprintf(&sb, "scenario: %s\n\n", rep.Scenario)
	sb.WriteString("| figure |")
	for _, c := range rep.Configs {
		fmt.Fprintf(&sb, " %s |", c.Name)
	}
	sb.WriteString("\n|---|")
	for range rep.Configs {
		sb.WriteString("---|")
	}
	sb.WriteString("\n")
	for _, fig := range airFigures {
		fmt.Fprintf(&sb, "| %s |", fig.Label)
		for i, c := range rep.Configs {
			v, ok := c.Median[fig.Key]
			switch {
			case !c.Implemented:
				sb.WriteString(" n/a (not implemented) |")
			case !ok || math.IsNaN(v):
				sb.WriteString(" - |")
			case strings.HasPrefix(fig.Key, "medium_") && i == 0:
				sb.WriteString(" - |")
			case fig.Cmp == "ratio":
				fmt.Fprintf(&sb, " %s (%.2fx) |", num(v), c.VsRef[fig.Key])
			case fig.Cmp == "diff":
				fmt.Fprintf(&sb, " %s (%+.2f ms, %.2fx) |", num(v), c.VsRef[addedKey(fig.Key)], c.VsRef[fig.Key])
			default:
				fmt.Fprintf(&sb, " %s |", num(v))
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// addedKey names the difference to kernel-direct of a "diff" figure
// (ping_avg_ms -> ping_avg_added_ms).
func addedKey(key string) string { return strings.TrimSuffix(key, "_ms") + "_added_ms" }

func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func kernelRelease() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return ""
	}
	var b []byte
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

var printMu sync.Mutex

// fileChunk is how many base64 characters go on one BENCH-FILE line.
const fileChunk = 3000

// printFile sends a file to the host over the console as BENCH-FILE lines
// (base64 chunks) and one BENCH-FILE-END line; the VM tool saves it next
// to bench.json under name.
func printFile(t testing.TB, name, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("not sending %s: %v", name, err)
		return
	}
	enc := base64.StdEncoding.EncodeToString(data)
	printMu.Lock()
	defer printMu.Unlock()
	for len(enc) > 0 {
		n := min(fileChunk, len(enc))
		fmt.Printf("BENCH-FILE %s %s\n", name, enc[:n])
		enc = enc[n:]
	}
	fmt.Printf("BENCH-FILE-END %s\n", name)
}

// printReport writes the table and the JSON (one line) to stdout between
// markers the VM tool looks for.
func printReport(kind, table string, v any) {
	printMu.Lock()
	defer printMu.Unlock()
	js, err := json.Marshal(v)
	if err != nil {
		js = []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
	}
	fmt.Printf("\nBENCH-TABLE-BEGIN %s\n%sBENCH-TABLE-END %s\n", kind, table, kind)
	fmt.Printf("BENCH-JSON %s %s\n", kind, js)
}

// ---- scale ----

// scaleCases are the radio counts of BenchmarkScale: all radios are created
// by hwsim-medium --radios N and brought up, the first APs of them run
// hostapd (one process, open BSSes on channel 6) and beacon; every beacon
// goes to every other radio (flags -scale.radios, -scale.aps).
func scaleCases() (radios []int, aps int) {
	for _, f := range strings.Split(*scaleRadios, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			radios = append(radios, n)
		}
	}
	return radios, max(*scaleAPs, 1)
}

// scaleRun is one BenchmarkScale measurement.
type scaleRun struct {
	Build            string  `json:"build"` // "medium", or "medium-compare" (-scale.compare)
	Radios           int     `json:"radios"`
	APs              int     `json:"aps"`
	CreateSeconds    float64 `json:"create_s"`
	WindowSeconds    float64 `json:"window_s"`
	FramesPerSec     float64 `json:"frames_per_s"`     // frames the medium routed
	DeliveriesPerSec float64 `json:"deliveries_per_s"` // frames it delivered (all receivers)
	CPUPct           float64 `json:"medium_cpu_pct"`   // of one core, during the window
	UsPerFrame       float64 `json:"medium_us_per_frame"`
	RSSMiB           float64 `json:"medium_rss_mib"`
	PeakRSSMiB       float64 `json:"medium_peak_rss_mib"`
	Drops            uint64  `json:"overflow_drops"`  // /proc/net/netlink, whole run
	Overruns         int64   `json:"medium_overruns"` // from the medium's exit log line; -1 unknown
	Rejected         int64   `json:"medium_rejected"` // ditto
	Skipped          int64   `json:"medium_skipped"`  // deliveries not sent to radios that had just rejected one; ditto
}

type scaleReport struct {
	Scenario string     `json:"scenario"`
	CPUs     int        `json:"cpus"`
	Kernel   string     `json:"kernel"`
	Runs     []scaleRun `json:"runs"`
}

const scaleWindow = 10 * time.Second

// BenchmarkScale measures the medium with many radios and a few beaconing
// APs: frames/s, its CPU time and RSS, and socket-overflow drops.
func BenchmarkScale(b *testing.B) {
	requireEnv(b)
	bin, err := lookMedium()
	if err != nil {
		b.Skipf("hwsim-medium binary not found (set HWSIM_MEDIUM or put it on PATH): %v", err)
	}
	ns, aps := scaleCases()
	rep := &scaleReport{
		Scenario: fmt.Sprintf("hwsim-medium --radios N, all up, %d of them hostapd APs (open, channel 6, beacon 100 TU); counters over %s", aps, scaleWindow),
		CPUs:     runtime.NumCPU(), Kernel: kernelRelease(),
	}
	builds := []struct{ name, bin string }{{"medium", bin}}
	if *scaleCompare != "" {
		builds = append(builds, struct{ name, bin string }{"medium-compare", *scaleCompare})
	}
	for _, n := range ns {
		for _, bld := range builds {
			name := fmt.Sprintf("radios%d", n)
			if bld.name != "medium" {
				name += "-compare"
			}
			b.Run(name, func(b *testing.B) {
				// Only this build is profiled: another may not have
				// the flag.
				r := scaleScenario(b, bld.bin, n, min(aps, n), bld.name == "medium")
				r.Build = bld.name
				rep.Runs = append(rep.Runs, *r)
				b.ReportMetric(r.FramesPerSec, "frames/s")
				b.ReportMetric(r.DeliveriesPerSec, "deliveries/s")
				b.ReportMetric(r.CPUPct, "cpu-%")
				b.ReportMetric(float64(r.Drops), "drops")
				fmt.Printf("bench: scale %d radios (%s): %.0f frames/s, %.0f deliveries/s, medium CPU %.1f%%, RSS %.1f MiB, drops %d\n",
					n, bld.name, r.FramesPerSec, r.DeliveriesPerSec, r.CPUPct, r.RSSMiB, r.Drops)
			})
		}
	}
	printReport("scale", scaleTable(rep), rep)
}

func scaleScenario(b *testing.B, bin string, n, aps int, profile bool) *scaleRun {
	unloadHwsim(b)
	mustRun(b, "modprobe", "mac80211_hwsim", "radios=0")
	dir := b.TempDir()
	sock := filepath.Join(dir, "control.sock")
	t0 := time.Now()
	args := []string{bin, "--radios", strconv.Itoa(n), "--control", sock}
	prof := filepath.Join(dir, "medium.prof")
	if profile && *benchProfile {
		args = append(args, "--cpuprofile", prof)
	}
	d := startDaemon(b, dir, "hwsim-medium", args...)
	var hostapd *Daemon
	b.Cleanup(func() {
		if hostapd != nil {
			hostapd.Stop()
		}
		d.Stop()
		if b.Failed() {
			b.Logf("hwsim-medium log (tail):\n%s", tail(d.Log(), 40))
		}
		unloadHwsim(b)
	})
	last := fmt.Sprintf("/sys/class/net/vw%d", n-1)
	waitFor(b, 5*time.Minute, fmt.Sprintf("%d radios", n), func() (bool, string) {
		if d.Exited() {
			b.Fatalf("hwsim-medium exited:\n%s", tail(d.Log(), 40))
		}
		_, err := os.Stat(last)
		return err == nil, tail(d.Log(), 5)
	})
	r := &scaleRun{Radios: n, APs: aps, CreateSeconds: time.Since(t0).Seconds(), Overruns: -1, Rejected: -1, Skipped: -1}

	// APs first (hostapd brings its interfaces up), then the others.
	var confs []string
	for k := range aps {
		conf := filepath.Join(dir, fmt.Sprintf("hostapd-vw%d.conf", k))
		body := fmt.Sprintf("interface=vw%d\ndriver=nl80211\nctrl_interface=%s\nchannel=6\nssid=scale%d\n", k, filepath.Join(dir, "hostapd"), k)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
		confs = append(confs, conf)
	}
	hostapd = startDaemon(b, dir, "hostapd", append([]string{"hostapd", "-t"}, confs...)...)
	waitFor(b, 2*time.Minute, fmt.Sprintf("%d APs enabled", aps), func() (bool, string) {
		if hostapd.Exited() {
			b.Fatalf("hostapd exited:\n%s", tail(hostapd.Log(), 40))
		}
		return strings.Count(hostapd.Log(), "AP-ENABLED") >= aps, tail(hostapd.Log(), 10)
	})
	var batch strings.Builder
	for k := aps; k < n; k++ {
		fmt.Fprintf(&batch, "link set vw%d up\n", k)
	}
	if batch.Len() > 0 {
		bf := filepath.Join(dir, "up.batch")
		os.WriteFile(bf, []byte(batch.String()), 0o644)
		mustRun(b, "ip", "-batch", bf)
	}
	time.Sleep(2 * time.Second)

	mp := &mediumProc{pid: d.cmd.Process.Pid, socket: sock}
	s0 := mp.sample(b)
	time.Sleep(scaleWindow)
	s1 := mp.sample(b)
	wall := s1.at.Sub(s0.at).Seconds()
	frames := float64(s1.frames - s0.frames)
	cpu := s1.cpu - s0.cpu
	r.WindowSeconds = wall
	r.FramesPerSec = frames / wall
	r.DeliveriesPerSec = float64(s1.rxFrames-s0.rxFrames) / wall
	r.CPUPct = 100 * cpu / wall
	if frames > 0 {
		r.UsPerFrame = cpu / frames * 1e6
	}
	r.RSSMiB, r.PeakRSSMiB = s1.rssKiB/1024, s1.peakRSSKiB/1024
	r.Drops = s1.drops

	// The medium logs its socket counters when it stops.
	hostapd.Stop()
	d.Stop()
	for _, l := range strings.Split(d.Log(), "\n") {
		if strings.Contains(l, "medium stopped") {
			r.Overruns = logInt(l, "overruns=")
			r.Rejected = logInt(l, "rejected=")
			r.Skipped = logInt(l, "skipped=")
		}
	}
	if profile && *benchProfile {
		printFile(b, fmt.Sprintf("scale-%d.prof", n), prof)
	}
	return r
}

// logInt returns the integer after key in a log line, or -1.
func logInt(line, key string) int64 {
	i := strings.Index(line, key)
	if i < 0 {
		return -1
	}
	f := strings.Fields(line[i+len(key):])
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return -1
	}
	return v
}

func scaleTable(rep *scaleReport) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "BenchmarkScale: %d vCPU, kernel %s\nscenario: %s\n\n", rep.CPUs, rep.Kernel, rep.Scenario)
	sb.WriteString("| build | radios | APs | create (s) | frames/s | deliveries/s | medium CPU (% of a core) | CPU per frame (us) | RSS / peak (MiB) | overflow drops | overruns (exit log) | rejected deliveries | skipped deliveries |\n")
	sb.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Runs {
		fmt.Fprintf(&sb, "| %s | %d | %d | %.1f | %s | %s | %s | %s | %.1f / %.1f | %d | %d | %d | %d |\n",
			r.Build, r.Radios, r.APs, r.CreateSeconds, num(r.FramesPerSec), num(r.DeliveriesPerSec), num(r.CPUPct), num(r.UsPerFrame),
			r.RSSMiB, r.PeakRSSMiB, r.Drops, r.Overruns, r.Rejected, r.Skipped)
	}
	return sb.String()
}
