package hwsim

import (
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The kernel rejects (EINVAL) a delivery to a radio that is idle, stopped
// or tuned to another channel, but only after allocating and copying the
// frame, and it answers each rejection with an error message that the
// medium must read. With many radios most of them idle (the scale
// benchmark: 500 radios, 4 beaconing APs), such deliveries are nearly all
// of the work. The frame socket therefore skips deliveries to a radio that
// rejected one on a channel, until the radio shows it is active (it
// transmits, or starts or ends a scan: ADD/DEL_MAC_ADDR) or the probe
// interval has passed, when one delivery is tried again.
//
// A radio can also start listening without a word to the medium: a
// monitor interface brought up, or moved to another channel, sends
// nothing on any netlink socket the medium holds (mac80211_hwsim 6.1 tells
// user space only of scans; cfg80211 multicasts NEW_INTERFACE when an
// interface is created, not when it goes up, and only in the radio's own
// namespace). Such a radio misses what is skipped, so the probe interval
// grows with the number of deaf radios: deafProbePerRadio for each, at
// most deafProbeMax. The probes of all deaf radios together then cost at
// most one rejected delivery per deafProbePerRadio, however many radios
// are deaf and however busy the air, while a monitor on one of the few
// radios of a lab waits a few milliseconds at most (4 deaf radios: 20 ms;
// 20: 100 ms, one beacon interval), and from 100 deaf radios on the
// interval is deafProbeMax, as it was for all before (docs/benchmarks.md:
// "Deaf radios and monitor interfaces").

// deafProbePerRadio is what each deaf radio adds to the probe interval,
// so the probes of all deaf radios together are at most one per
// deafProbePerRadio: 200 rejected deliveries a second. 1 ms (1000 a
// second) measured too dear under TCG: with 60 radios, 4 of them
// beaconing APs, the medium used 17.7% of a core against 10.0% with the
// fixed 500 ms.
const deafProbePerRadio = 5 * time.Millisecond

// deafProbeMax bounds the probe interval: a radio that starts listening
// silently misses at most this much of the air, next to 100 deaf radios
// or more.
const deafProbeMax = 500 * time.Millisecond

// sentRing is how many recent deliveries the socket remembers to match
// rejections with (by sequence number). The kernel answers while it
// processes our send, so only the last send's messages need to fit.
const sentRing = 4096

type sentDelivery struct {
	seq  uint32
	rx   mac.Addr
	freq uint32
}

type deafEntry struct {
	freq  uint32
	since time.Time // when it rejected
}

// deafness remembers radios that rejected a delivery. Receive (which sees
// rejections and activity) and Deliver (which asks) may run on different
// goroutines, hence the lock.
type deafness struct {
	mu    sync.Mutex
	now   func() time.Time
	sent  []sentDelivery // by sequence number modulo its length
	deaf  map[mac.Addr]deafEntry
	clock time.Time // now() read once per received batch
	swept time.Time // when expired entries were last dropped
	fresh bool      // clock is valid for the current batch
}

func newDeafness(now func() time.Time) *deafness {
	return &deafness{now: now, sent: make([]sentDelivery, sentRing), deaf: map[mac.Addr]deafEntry{}}
}

// newBatch makes the next time check read the clock again. The socket
// calls it whenever time may have passed (a blocking receive returned, a
// burst was sent): one clock read per batch of frames or burst of
// deliveries is precise enough for the probe interval and spares a clock
// read per skipped delivery (16,000 a second with 500 radios).
func (d *deafness) newBatch() {
	d.mu.Lock()
	d.fresh = false
	d.mu.Unlock()
}

func (d *deafness) timeLocked() time.Time {
	if !d.fresh {
		d.clock, d.fresh = d.now(), true
	}
	return d.clock
}

// noteSent records the delivery sent with sequence number seq.
func (d *deafness) noteSent(seq uint32, rx mac.Addr, freq uint32) {
	d.mu.Lock()
	d.sent[seq%sentRing] = sentDelivery{seq: seq, rx: rx, freq: freq}
	d.mu.Unlock()
}

// rejected marks the receiver of the delivery with sequence number seq as
// deaf on its channel. Rejections of other messages are ignored.
func (d *deafness) rejected(seq uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := &d.sent[seq%sentRing]
	if e.seq != seq || seq == 0 {
		return
	}
	now := d.timeLocked()
	d.deaf[e.rx] = deafEntry{freq: e.freq, since: now}
	e.seq = 0
	if now.Sub(d.swept) >= deafProbeMax {
		d.forgetExpiredLocked(now)
	}
}

// forgetExpiredLocked drops the entries older than deafProbeMax. Their
// next delivery would be tried anyway, so nothing changes for them, but
// an entry of a radio that gets no more deliveries on that channel (it
// was deleted, or the channel went quiet) would otherwise stay and
// lengthen every deaf radio's probe interval by deafProbePerRadio.
func (d *deafness) forgetExpiredLocked(now time.Time) {
	d.swept = now
	for rx, e := range d.deaf {
		if now.Sub(e.since) >= deafProbeMax {
			delete(d.deaf, rx)
		}
	}
}

// heard clears the radio an event shows active.
func (d *deafness) heard(ev *Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.deaf) == 0 {
		return
	}
	switch ev.Kind {
	case EventFrame:
		delete(d.deaf, ev.Frame.Transmitter)
	case EventAddMAC, EventDelMAC:
		// A scan starts or ends (or an interface changes): the radio
		// is on another channel than when it rejected.
		delete(d.deaf, ev.Radio)
	}
}

// skip reports whether a delivery to rx on freq would be rejected.
func (d *deafness) skip(rx mac.Addr, freq uint32) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.deaf) == 0 {
		return false
	}
	e, ok := d.deaf[rx]
	if !ok || e.freq != freq {
		return false
	}
	if d.timeLocked().Sub(e.since) >= d.probeIntervalLocked() {
		// Probe: this delivery goes out; a rejection marks it again.
		delete(d.deaf, rx)
		return false
	}
	return true
}

// probeIntervalLocked is how long deliveries to a deaf radio are skipped
// before one is tried again: deafProbePerRadio for each deaf radio, at
// most deafProbeMax.
func (d *deafness) probeIntervalLocked() time.Duration {
	return min(time.Duration(len(d.deaf))*deafProbePerRadio, deafProbeMax)
}
