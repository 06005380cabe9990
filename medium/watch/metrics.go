package watch

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hwsim-medium/hwsim-medium/medium"
)

// The metrics are the medium's own counters, read when Prometheus
// scrapes: the per-frame path counts nothing more for them.
// docs/metrics.md lists them; a test keeps the list in step.

const ns = "hwsim_medium"

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(ns+"_"+name, help, labels, nil)
}

var (
	radioLabels = []string{"radio", "wiphy"}
	linkLabels  = []string{"tx", "rx"}
)

// collector is a prometheus.Collector of one medium.
type collector struct {
	s *Server

	uptime, radios, frames, malformed, sendErrors, collisions, busy, decisions *prometheus.Desc

	radioInfo, radioFreq, txFrames, txBytes, rxFrames, rxBytes, unicast *prometheus.Desc
	// A federated air's counters (docs/federation.md).
	airFrames, airAnswers, airAckTimeouts, airRejected, airHeldOverflow *prometheus.Desc

	linkFrames, linkBytes, linkDropped, linkSignal, linkSNR *prometheus.Desc

	sockOverruns, sockRejected, sockMalformed, sockSends, sockMessages, sockSkipped, sockSendErrors, sockUnanswered *prometheus.Desc
}

func newCollector(s *Server) *collector {
	return &collector{
		s:          s,
		uptime:     desc("uptime_seconds", "How long the medium has run."),
		radios:     desc("radios", "Radios the medium knows."),
		frames:     desc("frames_total", "Frames the radios transmitted and the medium routed."),
		malformed:  desc("malformed_frames_total", "Transmitted frames that did not parse as 802.11 and reached nobody."),
		sendErrors: desc("send_errors_total", "Batches of deliveries and TX statuses the kernel refused as a whole (their frames are lost)."),
		collisions: desc("collisions_total", "Tries lost because another transmission overlapped them (--timing airtime)."),
		busy:       desc("channel_busy_seconds_total", "Time a channel carried at least one transmission (--timing airtime).", "freq_mhz"),
		decisions:  desc("decision_seconds", fmt.Sprintf("Time the medium took to decide one frame, from taking it to having queued its deliveries and TX status (--timing fast; one frame in %d is timed).", medium.DecisionSampleEvery)),

		radioInfo: desc("radio_info", "A radio the medium knows (always 1): its address, what its frames say it does (role ap, station, ibss, mesh or empty; its BSSID), and the member of a federated air that serves it (empty: this medium).", "radio", "wiphy", "hwaddr", "role", "bssid", "member"),
		radioFreq: desc("radio_frequency_hertz", "Channel of the radio's last transmission (0: none yet).", radioLabels...),
		txFrames:  desc("radio_transmitted_frames_total", "Frames the radio transmitted.", radioLabels...),
		txBytes:   desc("radio_transmitted_bytes_total", "Bytes of the frames the radio transmitted.", radioLabels...),
		rxFrames:  desc("radio_received_frames_total", "Frames delivered to the radio.", radioLabels...),
		rxBytes:   desc("radio_received_bytes_total", "Bytes of the frames delivered to the radio.", radioLabels...),
		unicast:   desc("radio_unicast_frames_total", "Unicast frames the radio transmitted, by their TX status: result acked or not_acked.", "radio", "wiphy", "result"),

		linkFrames:  desc("link_delivered_frames_total", "Frames from tx delivered to rx.", linkLabels...),
		linkBytes:   desc("link_delivered_bytes_total", "Bytes of the frames from tx delivered to rx.", linkLabels...),
		linkDropped: desc("link_dropped_frames_total", "Frames from tx that rx did not get, by reason: lost (out of range, or lost on every try, by the link model) or blocked (link.block or the denylist).", "tx", "rx", "reason"),
		linkSignal:  desc("link_signal_dbm", "Signal at which rx hears tx now by the link model, without fading (links that carried or dropped frames; with -c FILE only).", linkLabels...),
		linkSNR:     desc("link_snr_decibels", "SNR at which rx hears tx now by the link model, without fading (as link_signal_dbm).", linkLabels...),

		sockOverruns:   desc("socket_overruns_total", "Times the kernel dropped messages to the medium because its socket buffer was full (ENOBUFS): frames lost before the medium saw them."),
		sockRejected:   desc("socket_rejected_total", "Deliveries or TX statuses the kernel refused, normally deliveries to an idle or off-channel radio."),
		sockMalformed:  desc("socket_malformed_total", "Datagrams from the kernel that did not decode and were skipped."),
		sockSends:      desc("socket_sends_total", "Send system calls on the frame socket."),
		sockMessages:   desc("socket_messages_total", "Messages (deliveries and TX statuses) those sends carried."),
		sockSkipped:    desc("socket_skipped_deliveries_total", "Deliveries not sent because their receiver had just refused one on that channel."),
		sockSendErrors: desc("socket_send_errors_total", "Sends the kernel refused as a whole."),
		sockUnanswered: desc("socket_unanswered_total", "Waits for the kernel's answers to deliveries that were given up (a receive overrun lost them)."),

		airFrames:       desc("air_frames_total", "Frames exchanged with the other members of a federated air, by direction: out (this medium's radios sent them) or in (other members' radios did, routed here).", "direction"),
		airAnswers:      desc("air_answers_total", "Answers for frames to another member's radio, by direction: in (settled a TX status here) or out (sent for a radio here).", "direction"),
		airAckTimeouts:  desc("air_answer_timeouts_total", "Frames to another member's radio whose answer did not come in time: reported unacked."),
		airRejected:     desc("air_rejected_total", "Frames and answers from the air dropped: from a radio their member does not serve, late, or unknown."),
		airHeldOverflow: desc("air_held_overflow_total", "Frames to another member's radio reported unacked at once because too many waited for answers."),
	}
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.uptime, c.radios, c.frames, c.malformed, c.sendErrors, c.collisions, c.busy, c.decisions,
		c.radioInfo, c.radioFreq, c.txFrames, c.txBytes, c.rxFrames, c.rxBytes, c.unicast,
		c.linkFrames, c.linkBytes, c.linkDropped, c.linkSignal, c.linkSNR,
	} {
		ch <- d
	}
	if c.s.cfg.Sockets != nil {
		for _, d := range []*prometheus.Desc{c.sockOverruns, c.sockRejected, c.sockMalformed, c.sockSends, c.sockMessages, c.sockSkipped, c.sockSendErrors, c.sockUnanswered} {
			ch <- d
		}
	}
	if c.s.cfg.Medium.Status().Bus != nil {
		for _, d := range []*prometheus.Desc{c.airFrames, c.airAnswers, c.airAckTimeouts, c.airRejected, c.airHeldOverflow} {
			ch <- d
		}
	}
}

// Collect implements prometheus.Collector: one reading of the medium's
// counters.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	m := c.s.cfg.Medium
	st := m.Status()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(c.uptime, st.Uptime.Seconds())
	gauge(c.radios, float64(st.Radios))
	counter(c.frames, st.Stats.Frames)
	counter(c.malformed, st.Stats.Malformed)
	counter(c.sendErrors, st.Stats.SendErrors)
	counter(c.collisions, st.Stats.Collisions)
	for _, b := range st.Stats.AirBusy {
		ch <- prometheus.MustNewConstMetric(c.busy, prometheus.CounterValue, b.Busy.Seconds(), strconv.FormatUint(uint64(b.Freq), 10))
	}
	ch <- decisionHistogram(c.decisions, m.DecisionTimes())

	radios := m.Radios()
	seen := map[string]bool{}
	for _, r := range radios {
		name := displayName(r)
		if seen[name] {
			// Two radios under one name (an interface named like
			// another's wiphy) would make the scrape fail.
			continue
		}
		seen[name] = true
		bssid := ""
		if r.Role != medium.RoleUnknown {
			bssid = r.BSSID.String()
		}
		gauge(c.radioInfo, 1, name, r.Name, r.HWAddr.String(), r.Role.String(), bssid, r.Member)
		gauge(c.radioFreq, float64(r.Freq)*1e6, name, r.Name)
		counter(c.txFrames, r.Stats.TxFrames, name, r.Name)
		counter(c.txBytes, r.Stats.TxBytes, name, r.Name)
		counter(c.rxFrames, r.Stats.RxFrames, name, r.Name)
		counter(c.rxBytes, r.Stats.RxBytes, name, r.Name)
		counter(c.unicast, r.Stats.Acked, name, r.Name, "acked")
		counter(c.unicast, r.Stats.NotAcked, name, r.Name, "not_acked")
	}
	c.collectLinks(ch, radios)

	if c.s.cfg.Sockets != nil {
		ss := c.s.cfg.Sockets()
		counter(c.sockOverruns, ss.Overruns)
		counter(c.sockRejected, ss.Rejected)
		counter(c.sockMalformed, ss.Malformed)
		counter(c.sockSends, ss.Sends)
		counter(c.sockMessages, ss.Messages)
		counter(c.sockSkipped, ss.Skipped)
		counter(c.sockSendErrors, ss.SendErrors)
		counter(c.sockUnanswered, ss.Unanswered)
	}
	if b := st.Bus; b != nil {
		counter(c.airFrames, b.FramesOut, "out")
		counter(c.airFrames, b.FramesIn, "in")
		counter(c.airAnswers, b.AcksIn, "in")
		counter(c.airAnswers, b.AcksOut, "out")
		counter(c.airAckTimeouts, b.AckTimeouts)
		counter(c.airRejected, b.Rejected)
		counter(c.airHeldOverflow, b.HeldOverflow)
	}
}

// collectLinks exports the links that carried or dropped frames (the
// medium lists only those).
func (c *collector) collectLinks(ch chan<- prometheus.Metric, radios []medium.RadioInfo) {
	byName := map[string]medium.RadioInfo{}
	for _, r := range radios {
		if _, dup := byName[displayName(r)]; !dup {
			byName[displayName(r)] = r
		}
	}
	for _, tx := range radios {
		txName := displayName(tx)
		if byName[txName].ID != tx.ID {
			continue
		}
		for _, l := range tx.Links {
			rx, ok := byName[l.To]
			if !ok {
				continue
			}
			ch <- prometheus.MustNewConstMetric(c.linkFrames, prometheus.CounterValue, float64(l.Frames), txName, l.To)
			ch <- prometheus.MustNewConstMetric(c.linkBytes, prometheus.CounterValue, float64(l.Bytes), txName, l.To)
			ch <- prometheus.MustNewConstMetric(c.linkDropped, prometheus.CounterValue, float64(l.Lost), txName, l.To, "lost")
			ch <- prometheus.MustNewConstMetric(c.linkDropped, prometheus.CounterValue, float64(l.Blocked), txName, l.To, "blocked")
			if c.s.cfg.Levels == nil {
				continue
			}
			if lv, ok := c.s.cfg.Levels.Level(peerOf(tx), peerOf(rx), tx.Freq); ok && !lv.Blocked {
				ch <- prometheus.MustNewConstMetric(c.linkSignal, prometheus.GaugeValue, lv.Signal, txName, l.To)
				ch <- prometheus.MustNewConstMetric(c.linkSNR, prometheus.GaugeValue, lv.SNR, txName, l.To)
			}
		}
	}
}

// decisionHistogram converts the medium's histogram (per bucket) into
// Prometheus's (cumulative, in seconds).
func decisionHistogram(d *prometheus.Desc, t medium.DecisionTimes) prometheus.Metric {
	buckets := make(map[float64]uint64, len(medium.DecisionBuckets))
	var cum uint64
	for i, b := range medium.DecisionBuckets {
		cum += t.Counts[i]
		buckets[b.Seconds()] = cum
	}
	return prometheus.MustNewConstHistogram(d, t.Count, t.Sum.Seconds(), buckets)
}

// metricsHandler serves /metrics: the medium's collector and the Go
// runtime's and process's standard ones.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(s), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slogPrinter{s},
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          reg,
		EnableOpenMetrics: true,
	})
}

// slogPrinter logs promhttp's errors.
type slogPrinter struct{ s *Server }

// Println implements promhttp.Logger.
func (p slogPrinter) Println(v ...any) { p.s.log.Warn("serving metrics", "err", v) }
