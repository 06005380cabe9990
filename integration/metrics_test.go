//go:build integration

package integration

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMetricsGrowDuringPing scrapes hwsim-medium --http's /metrics, as
// Prometheus (or curl) does, while a station pings its access point: the
// link, radio and medium counters grow between two scrapes, the roles and
// BSS come from the frames, and the link's signal is the one the kernel
// reports to the station. Medium provider only: the metrics are the
// medium's.
func TestMetricsGrowDuringPing(t *testing.T) {
	addr := freeLoopbackAddr(t)
	model := writeModel(t, "metrics.yaml", `propagation: {model: free_space}
radios:
  - {name: vw0, position: [0, 0]}
  - {name: vw1, position: [10, 0]}
`)
	tb := NewTestbed(t, medium{args: []string{"-c", model, "--http", addr}}, 2)
	ap := tb.Place(0, "10.0.0.1/24")
	sta := tb.Place(1, "10.0.0.2/24")
	ap.StartAP(SeedAP)
	sta.StartStation(SeedAP.SSID, SeedAP.Passphrase).WaitCompleted(t)
	sta.waitPing(t, ap.IP)

	up := fmt.Sprintf(`{rx="%s",tx="%s"}`, ap.Iface, sta.Iface)
	down := fmt.Sprintf(`{rx="%s",tx="%s"}`, sta.Iface, ap.Iface)
	staRadio := fmt.Sprintf(`{radio="%s",wiphy="%s"}`, sta.Iface, sta.Phy)
	counters := []string{
		"hwsim_medium_frames_total",
		"hwsim_medium_link_delivered_frames_total" + up,
		"hwsim_medium_link_delivered_frames_total" + down,
		"hwsim_medium_link_delivered_bytes_total" + up,
		"hwsim_medium_radio_transmitted_frames_total" + staRadio,
		"hwsim_medium_radio_received_frames_total" + staRadio,
		fmt.Sprintf(`hwsim_medium_radio_unicast_frames_total{radio="%s",result="acked",wiphy="%s"}`, sta.Iface, sta.Phy),
		"hwsim_medium_socket_sends_total",
	}
	before := scrapeMetrics(t, addr)
	for _, c := range counters {
		if _, ok := before[c]; !ok {
			t.Fatalf("/metrics has no %s after association; it has:\n%s", c, metricNames(before))
		}
	}
	// Five seconds of pings, five a second.
	pinger := sta.Start("ping", "ping", "-i", "0.2", "-c", "25", ap.IP)
	var after map[string]float64
	waitFor(t, pingTimeout, "every counter to grow by 10 during the ping", func() (bool, string) {
		after = scrapeMetrics(t, addr)
		var detail []string
		grown := true
		for _, c := range counters {
			detail = append(detail, fmt.Sprintf("%s: %v -> %v", c, before[c], after[c]))
			grown = grown && after[c] >= before[c]+10
		}
		return grown, strings.Join(detail, "\n")
	})
	waitFor(t, pingTimeout, "the ping to end", func() (bool, string) { return pinger.Exited(), tail(pinger.Log(), 5) })
	if !strings.Contains(pinger.Log(), " 0% packet loss") {
		t.Errorf("ping through the medium lost packets:\n%s", tail(pinger.Log(), 5))
	}
	for _, c := range counters {
		t.Logf("%s: %v -> %v", c, before[c], after[c])
	}

	// What the frames said about the radios.
	info := fmt.Sprintf(`hwsim_medium_radio_info{bssid="%s",hwaddr="%s",member="",radio="%s",role="ap",wiphy="%s"}`, ap.MAC, ap.MAC, ap.Iface, ap.Phy)
	if after[info] != 1 {
		t.Errorf("/metrics has no %s:\n%s", info, grepMetrics(after, "radio_info"))
	}
	info = fmt.Sprintf(`hwsim_medium_radio_info{bssid="%s",hwaddr="%s",member="",radio="%s",role="station",wiphy="%s"}`, ap.MAC, sta.MAC, sta.Iface, sta.Phy)
	if after[info] != 1 {
		t.Errorf("/metrics has no %s:\n%s", info, grepMetrics(after, "radio_info"))
	}
	// The station's own view of the AP's signal is the metric's.
	sig, ok := after["hwsim_medium_link_signal_dbm"+down]
	link := sta.NS.MustExec(t, "iw", "dev", sta.Iface, "link")
	m := signalValueRE.FindStringSubmatch(link)
	if !ok || m == nil {
		t.Fatalf("no signal: metric %v, iw dev %s link:\n%s", ok, sta.Iface, link)
	}
	kernel, _ := strconv.Atoi(m[1])
	if d := sig - float64(kernel); d < -1 || d > 1 {
		t.Errorf("link_signal_dbm%s = %.1f, the station reports %d dBm", down, sig, kernel)
	}
	if after["hwsim_medium_decision_seconds_count"] == 0 {
		t.Errorf("no decision was timed: %s", grepMetrics(after, "decision_seconds_count"))
	}
}

// freeLoopbackAddr returns a loopback address with a port nobody uses now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

var sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$`)

// scrapeMetrics GETs /metrics in the text format and returns every
// sample by its name and labels as written.
func scrapeMetrics(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %s\n%s", resp.Status, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if m := sampleRE.FindStringSubmatch(sc.Text()); m != nil {
			if v, err := strconv.ParseFloat(m[2], 64); err == nil {
				out[m[1]] = v
			}
		}
	}
	return out
}

func metricNames(m map[string]float64) string {
	var out []string
	for k := range m {
		if strings.HasPrefix(k, "hwsim_medium_") {
			out = append(out, k)
		}
	}
	return strings.Join(out, "\n")
}

func grepMetrics(m map[string]float64, sub string) string {
	var out []string
	for k, v := range m {
		if strings.Contains(k, sub) {
			out = append(out, fmt.Sprintf("%s %v", k, v))
		}
	}
	return strings.Join(out, "\n")
}
