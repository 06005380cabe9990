package watch

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// gather collects the medium's own metrics.
func gather(t *testing.T, r *rig) []string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(newCollector(r.srv)))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	require.NoError(t, err)
	assert.Empty(t, problems, "metric names and help follow the Prometheus conventions")
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	return names
}

func socketStats() hwsim.SocketStats {
	return hwsim.SocketStats{Overruns: 1, Rejected: 2, Malformed: 3, Sends: 4, Messages: 5, Skipped: 6, SendErrors: 7, Unanswered: 8}
}

// TestMetricsLintAndDocs: the metrics pass promlint and the pedantic
// registry (descriptions match what is collected), with traffic and a
// model so that every metric shows, and docs/metrics.md lists each one.
func TestMetricsLintAndDocs(t *testing.T) {
	r := newRig(t, rigOpts{model: true, sockets: socketStats, federated: true})
	r.send(t, ping(0, 1, 1), ping(1, 0, 2))
	names := gather(t, r)
	for _, want := range []string{"hwsim_medium_frames_total", "hwsim_medium_link_delivered_frames_total", "hwsim_medium_link_signal_dbm",
		"hwsim_medium_decision_seconds", "hwsim_medium_socket_overruns_total", "hwsim_medium_radio_info", "hwsim_medium_air_frames_total"} {
		assert.Contains(t, names, want)
	}
	doc, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("`(hwsim_medium_[a-z_]+)[`{]").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	c := newCollector(r.srv)
	ch := make(chan *prometheus.Desc, 100)
	c.Describe(ch)
	close(ch)
	var described []string
	for d := range ch {
		name := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String())[1]
		described = append(described, name)
		assert.True(t, documented[name], "docs/metrics.md does not list %s", name)
	}
	for name := range documented {
		assert.Contains(t, described, name, "docs/metrics.md lists %s, which the collector does not have", name)
	}
}

func TestMetricsWithoutModelOrSocket(t *testing.T) {
	r := newRig(t, rigOpts{})
	r.send(t, ping(0, 1, 1))
	names := gather(t, r)
	assert.Contains(t, names, "hwsim_medium_link_delivered_frames_total")
	assert.NotContains(t, names, "hwsim_medium_link_signal_dbm", "no model, no signal")
	assert.NotContains(t, names, "hwsim_medium_socket_overruns_total")
	assert.NotContains(t, names, "hwsim_medium_air_frames_total", "not federated, no air counters")
}

// TestMetricsEndpointCountersGrow scrapes /metrics as Prometheus does,
// before and after traffic.
func TestMetricsEndpointCountersGrow(t *testing.T) {
	r := newRig(t, rigOpts{model: true, sockets: socketStats})
	scrape := func() string {
		code, body, hdr := r.request(t, "GET", "/metrics", "", nil)
		require.Equal(t, 200, code, body)
		assert.Contains(t, hdr.Get("Content-Type"), "text/plain")
		return body
	}
	line := regexp.MustCompile(`(?m)^hwsim_medium_link_delivered_frames_total\{rx="vw1",tx="vw0"\} (\d+)$`)
	assert.NotRegexp(t, line, scrape(), "no link before traffic")
	r.send(t, ping(0, 1, 1), ping(0, 1, 2))
	body := scrape()
	require.Regexp(t, line, body)
	assert.Equal(t, "2", line.FindStringSubmatch(body)[1])
	r.send(t, ping(0, 1, 3))
	assert.Equal(t, "3", line.FindStringSubmatch(scrape())[1])
	for _, want := range []string{
		`hwsim_medium_frames_total 3`,
		`hwsim_medium_radio_transmitted_frames_total{radio="vw0",wiphy="vw_phy0"} 3`,
		`hwsim_medium_radio_unicast_frames_total{radio="vw0",result="acked",wiphy="vw_phy0"} 3`,
		`hwsim_medium_link_dropped_frames_total{reason="lost",rx="vw2",tx="vw0"} 0`,
		`hwsim_medium_socket_unanswered_total 8`,
		`go_goroutines`, `process_start_time_seconds`,
	} {
		assert.Contains(t, body+scrape(), want)
	}
}

func TestDecisionHistogramIsCumulative(t *testing.T) {
	var d medium.DecisionTimes
	d.Counts[0], d.Counts[2], d.Counts[len(medium.DecisionBuckets)] = 1, 2, 4
	d.Count, d.Sum = 7, 1234
	m := decisionHistogram(prometheus.NewDesc("x_seconds", "x", nil, nil), d)
	var pm dto.Metric
	require.NoError(t, m.Write(&pm))
	h := pm.GetHistogram()
	assert.Equal(t, uint64(7), h.GetSampleCount())
	var cum []uint64
	for _, b := range h.GetBucket() {
		cum = append(cum, b.GetCumulativeCount())
	}
	assert.True(t, slices.IsSorted(cum))
	assert.Equal(t, uint64(1), cum[0])
	assert.Equal(t, uint64(3), cum[len(cum)-1], "the slowest samples are only in +Inf")
}
