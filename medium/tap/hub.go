// Package tap runs captures of the medium: a Hub is the medium's Tap while
// at least one capture runs, copies every transmission into each
// capture's bounded queue without ever blocking the medium, and each
// capture's own goroutine writes its queue as pcapng (package capture):
// to a file (hwsim-medium --pcap) or to a control connection (vwifi-tool
// capture). A capture that cannot keep up loses records; they are counted,
// logged, and marked in the capture itself.
package tap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hwsim-medium/hwsim-medium/capture"
	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// DefaultQueueLen is how many records a capture's queue holds: at 20,000
// frames a second (well above make bench's TCP rate in the VM) a fifth of
// a second of writing stalls, and at most a few MB of frames.
const DefaultQueueLen = 4096

// Medium is what a Hub needs of the medium: *medium.Medium.
type Medium interface {
	SetTap(t medium.Tap)
}

// Hub runs the captures of one medium. Its methods are safe for
// concurrent use.
type Hub struct {
	m   Medium
	log *slog.Logger
	// QueueLen is each new capture's queue length; 0 means
	// DefaultQueueLen.
	QueueLen int

	mu   sync.Mutex // serializes Start and detach, and with them SetTap
	subs atomic.Pointer[[]*Capture]
	// running are the captures not yet retired, and total the counts of
	// those retired; both under mu.
	running map[*Capture]bool
	total   totals

	// rec is the record being handed out; it is used only within
	// Transmission, which the medium calls under its lock, one at a time.
	rec capture.Record
}

// totals are the counters of the captures that have ended.
type totals struct {
	written, dropped uint64
}

// New returns a Hub for m; log gets the captures' warnings (nil discards
// them).
func New(m Medium, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{m: m, log: log, running: map[*Capture]bool{}}
}

// Stats count a Hub's captures.
type Stats struct {
	// Captures is how many captures run now.
	Captures int
	// Written and Dropped count records over every capture, past and
	// present: written to a capture, or lost because its queue was full.
	Written, Dropped uint64
}

// Stats returns the Hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := Stats{Written: h.total.written, Dropped: h.total.dropped}
	for c := range h.running {
		st.Captures++
		w, d := c.counts()
		st.Written += w
		st.Dropped += d
	}
	return st
}

func (h *Hub) current() []*Capture {
	if p := h.subs.Load(); p != nil {
		return *p
	}
	return nil
}

// Transmission implements medium.Tap: it copies tr into the queue of every
// capture, never waiting for one.
func (h *Hub) Transmission(tr *medium.Transmission) {
	subs := h.current()
	if len(subs) == 0 {
		return
	}
	r := &h.rec
	*r = capture.Record{
		Time: tr.Time, TSF: uint64(tr.At / time.Microsecond), Transmitter: tr.TransmitterName,
		Frame: tr.Data, Freq: tr.Freq, Rate: tr.Rate, Tries: chainTries(&tr.Used),
		NoAck: tr.NoAck, Acked: tr.Acked, Malformed: tr.Malformed, Receptions: r.Receptions[:0],
	}
	for i := range tr.Receptions {
		x := &tr.Receptions[i]
		r.Receptions = append(r.Receptions, capture.Reception{
			// The outcomes of both packages are the same numbers
			// (TestOutcomesAgree).
			Radio: x.Name, Outcome: capture.Outcome(x.Outcome), Signal: x.Signal, Rate: x.Rate,
			Tries: x.Tries, Addressee: x.Addressee,
		})
	}
	for _, c := range subs {
		c.offer(r)
	}
}

// chainTries counts the tries of a TX status's chain.
func chainTries(r *[hwsim.MaxTxRates]hwsim.TxRate) int {
	n := 0
	for _, e := range r {
		if e.Idx < 0 {
			break
		}
		n += int(e.Count)
	}
	return n
}

// Options configure a capture.
type Options struct {
	capture.Options
	// Name names the capture in logs ("--pcap FILE", "control").
	Name string
}

// Start starts a capture that writes to w until Stop, or until writing
// fails (Done). The capture's header is written before Start returns,
// once the capture sees every transmission.
func (h *Hub) Start(w io.Writer, o Options) (*Capture, error) {
	cw, err := capture.NewWriter(w, o.Options)
	if err != nil {
		return nil, err
	}
	n := h.QueueLen
	if n <= 0 {
		n = DefaultQueueLen
	}
	c := &Capture{
		h: h, name: o.Name, w: cw, start: time.Now(), ring: make([]slot, n),
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{}),
	}
	if len(o.Keys) == 0 {
		// Without decryption the filter can act before the queue.
		c.pre = o.Filter
	}
	h.mu.Lock()
	subs := append(append([]*Capture(nil), h.current()...), c)
	h.subs.Store(&subs)
	h.running[c] = true
	if len(subs) == 1 {
		h.m.SetTap(h)
	}
	h.mu.Unlock()
	// The header goes out once the capture is attached: a reader that
	// has it misses nothing sent afterwards. Records offered meanwhile
	// wait in the queue.
	if err := cw.Flush(); err != nil {
		h.detach(c)
		h.retire(c)
		return nil, err
	}
	go c.run()
	h.log.Info("capture started", "capture", c.name, "filter", describe(o.Filter), "decrypting", len(o.Keys) > 0)
	return c, nil
}

func describe(f capture.Filter) string {
	s := "type " + f.Types.String()
	if f.Radio != "" {
		s += ", radio " + f.Radio
	}
	return s
}

// detach takes c off the hub: the medium no longer offers it records.
func (h *Hub) detach(c *Capture) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var subs []*Capture
	for _, x := range h.current() {
		if x != c {
			subs = append(subs, x)
		}
	}
	if len(subs) == len(h.current()) {
		return // already detached
	}
	h.subs.Store(&subs)
	if len(subs) == 0 {
		h.m.SetTap(nil)
	}
}

// retire moves the counts of c, which has ended, to the hub's totals.
func (h *Hub) retire(c *Capture) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running[c] {
		return
	}
	delete(h.running, c)
	w, d := c.counts()
	h.total.written += w
	h.total.dropped += d
}

// Capture is one running capture.
type Capture struct {
	h     *Hub
	name  string
	w     *capture.Writer
	start time.Time
	pre   capture.Filter

	mu   sync.Mutex
	ring []slot
	head int
	n    int
	// dropped are the records lost since the last one queued; they are
	// reported with the next one.
	dropped uint64
	// queued, lost count every record offered and queued, or lost.
	lost, written uint64

	wake    chan struct{}
	done    chan struct{} // closed when run ends
	stopped chan struct{} // closed by Stop
	stop    sync.Once
	err     error // why run ended early; read after done
}

// slot is one queued record, with its own copy of the frame and the
// receptions.
type slot struct {
	rec capture.Record
	buf []byte
	rx  []capture.Reception
	// dropsBefore are records lost just before this one.
	dropsBefore uint64
}

// offer queues a copy of r, or counts it lost when the queue is full.
func (c *Capture) offer(r *capture.Record) {
	if !c.pre.Match(r) {
		return
	}
	c.mu.Lock()
	if c.n == len(c.ring) {
		c.dropped++
		c.lost++
		c.mu.Unlock()
		return
	}
	s := &c.ring[(c.head+c.n)%len(c.ring)]
	s.buf = append(s.buf[:0], r.Frame...)
	s.rx = append(s.rx[:0], r.Receptions...)
	s.rec = *r
	s.rec.Frame, s.rec.Receptions = s.buf, s.rx
	s.dropsBefore, c.dropped = c.dropped, 0
	c.n++
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Capture) counts() (written, dropped uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written, c.lost
}

// run writes the queue until Stop (then what is left in it) or until
// writing fails.
func (c *Capture) run() {
	defer close(c.done)
	lastWarn, warned := time.Time{}, uint64(0)
	for {
		stopping := false
		select {
		case <-c.wake:
		case <-c.stopped:
			stopping = true
		}
		if err := c.drain(); err != nil {
			c.err = err
			c.h.detach(c)
			c.h.retire(c)
			c.h.log.Warn("capture ended: writing failed", "capture", c.name, "err", err)
			return
		}
		if _, lost := c.counts(); lost > warned && time.Since(lastWarn) >= time.Second {
			c.h.log.Warn("capture cannot keep up: records dropped", "capture", c.name, "dropped", lost-warned, "dropped_total", lost)
			lastWarn, warned = time.Now(), lost
		}
		if stopping {
			return
		}
	}
}

// drain writes every queued record and flushes.
func (c *Capture) drain() error {
	for {
		c.mu.Lock()
		k, head := c.n, c.head
		c.mu.Unlock()
		if k == 0 {
			return c.w.Flush()
		}
		// The slots taken stay ours until released below: offer only
		// fills free ones.
		for i := range k {
			s := &c.ring[(head+i)%len(c.ring)]
			if s.dropsBefore > 0 {
				c.w.Dropped(s.dropsBefore)
			}
			if err := c.w.Write(&s.rec); err != nil {
				return err
			}
		}
		c.mu.Lock()
		c.head = (c.head + k) % len(c.ring)
		c.n -= k
		c.written += uint64(k)
		c.mu.Unlock()
	}
}

// Done is closed when the capture has ended: stopped, or writing failed
// (Err says why).
func (c *Capture) Done() <-chan struct{} { return c.done }

// Err is why the capture ended on its own (nil while it runs or after
// Stop).
func (c *Capture) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// ErrStopTimeout says Stop gave up waiting for the capture's writer.
var ErrStopTimeout = errors.New("capture: the writer did not finish in time")

// Stop ends the capture: no more records are queued, those queued are
// written, then an interface statistics block (records written and
// dropped), and everything is flushed. It returns the first write error,
// or ErrStopTimeout if ctx ends first (a reader that stopped reading). The
// underlying writer is not closed.
func (c *Capture) Stop(ctx context.Context) error {
	c.h.detach(c)
	c.stop.Do(func() { close(c.stopped) })
	select {
	case <-c.done:
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrStopTimeout, ctx.Err())
	}
	if c.err != nil {
		return c.err
	}
	c.h.retire(c)
	c.mu.Lock()
	left := c.dropped
	c.dropped = 0
	c.mu.Unlock()
	if left > 0 {
		// Lost after the last record written: only the statistics
		// block can say so.
		c.w.Dropped(left)
	}
	err := c.w.Close(c.start, time.Now())
	st := c.w.Stats()
	c.h.log.Info("capture stopped", "capture", c.name, "written", st.Written, "dropped", st.Dropped,
		"filtered", st.Filtered, "decrypted", st.Decrypted, "not_decrypted", st.Undecrypted)
	return err
}

// Stats returns what the capture's writer did so far; it is exact once
// the capture has ended.
func (c *Capture) Stats() capture.Stats {
	<-c.done
	return c.w.Stats()
}
