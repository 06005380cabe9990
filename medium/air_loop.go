package medium

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

// The airtime mode (--timing airtime) is a discrete-event simulation of the
// channels that runs behind the clock: every frame waits its turn on its
// radio, contends for its channel (DIFS, random backoff, deferral while the
// channel is sensed busy), occupies it for its airtime, and is judged at the
// end of each try against every transmission that overlapped it. Events are
// processed in the order of their simulated times, never before the clock
// reaches them; frames arrive at the clock's time. docs/models.md, "Airtime
// mode", describes the model.

// runAir is Run for the airtime mode. One goroutine receives from the
// kernel; the calling goroutine owns the simulation and does all sending.
func (m *Medium) runAir(ctx context.Context, conn hwsim.Conn) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := newAir(m, conn, m.clock)
	in := make(chan []hwsim.Event)
	// taken has room for one token, so the simulation never blocks on a
	// receiver that has already left.
	taken := make(chan struct{}, 1)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() { receiveAir(ctx, conn, in, taken, errc) })
	err := a.loop(ctx, in, taken, errc)
	cancel()
	wg.Wait()
	return err
}

// receiveAir hands each batch the kernel sends to the simulation, and waits
// until the simulation has copied it: the frames alias conn's receive
// buffer, which the next Receive overwrites. FrameSocket and the test fake
// allow Receive on this goroutine while the simulation sends on another.
func receiveAir(ctx context.Context, conn hwsim.Conn, in chan<- []hwsim.Event, taken <-chan struct{}, errc chan<- error) {
	evs := make([]hwsim.Event, 64)
	for {
		n, err := conn.Receive(ctx, evs)
		if err != nil {
			if ctx.Err() == nil {
				errc <- err
			}
			return
		}
		select {
		case in <- evs[:n]:
		case <-ctx.Done():
			return
		}
		select {
		case <-taken:
		case <-ctx.Done():
			return
		}
	}
}

// maxAirQueue bounds the frames one radio holds in the airtime mode. The
// kernel does not wait for a radio's TX statuses before it hands the
// medium more frames (it drops its own oldest past 200), so a radio that
// sends faster than its channel carries would grow the queue without
// bound; past this, frames fail at once.
const maxAirQueue = 256

// air is the state of the airtime simulation. Everything in it is owned by
// the simulation goroutine and, where it touches the Medium, used with the
// medium's lock held.
type air struct {
	m     *Medium
	conn  hwsim.Conn
	clock Clock
	epoch time.Time
	// now is the simulated time of the event being processed, since
	// epoch.
	now    time.Duration
	events eventHeap
	seq    uint64
	radios []*airRadio // by RadioID
	// retired are radios whose slot a new radio took while they still
	// held frames.
	retired []*airRadio
	// onAir holds the transmissions that have started and that a try
	// still on the air may overlap.
	onAir []*airTx
	// busyUntil is, per entry of the medium's Stats.AirBusy, when that
	// channel's last transmission ends.
	busyUntil []time.Duration
	acr       [acrSpan]float64
	// dirty: something was queued on conn since the last flush.
	dirty bool

	freeFrames []*airFrame
	freeTx     []*airTx

	// trace, when set (tests), sees every try as it starts.
	trace func(from RadioID, freq uint32, start, end time.Duration)
}

// radioState is what a radio's head frame is doing.
type radioState uint8

const (
	airIdle    radioState = iota // nothing queued
	airContend                   // counting down its backoff; ev is the start
	airFrozen                    // backoff frozen: the channel is busy
	airSending                   // a try is on the air; ev is its end
	airWaiting                   // waiting for the ACK or its timeout; ev is the end
)

// airRadio is one radio's transmit queue and contention state.
type airRadio struct {
	r     *radio
	queue []*airFrame // in the kernel's order; queue[0] is being sent
	state radioState
	// slots is the backoff left, in slots, counted from idleAt + DIFS.
	slots  int
	idleAt time.Duration
	// start is when the next try starts, while contending.
	start time.Duration
	ev    event
	cur   *airTx // the try on the air
}

// airFrame is a frame the simulation holds, with its own copy of the bytes.
type airFrame struct {
	f   hwsim.Frame
	buf []byte
	rt  route
	st  hwsim.TxStatus
	at  tryCursor
	// rate is the rate of the current (or next) try; tries counts the
	// tries made.
	rate  hwsim.TxRate
	tries int
	// used is the chain as used up to the acked try.
	used  [hwsim.MaxTxRates]hwsim.TxRate
	acked bool
	// dstBlocked: the destination was withheld by a block or the
	// denylist, and counted so.
	dstBlocked bool

	// rec is the frame's capture record while recording (a tap was set
	// at its first try); dstRec indexes the addressee's reception in it
	// (-1: none yet).
	rec       Transmission
	recording bool
	dstRec    int
}

// airTx is one transmission: a try of a frame, or an ACK (frame nil).
type airTx struct {
	from       *radio
	freq       uint32
	start, end time.Duration
	frame      *airFrame
	ended      bool
	// collided: lost to interference where it mattered.
	collided bool
	ev       event // an ACK's start and end
}

func newAir(m *Medium, conn hwsim.Conn, clock Clock) *air {
	return &air{m: m, conn: conn, clock: clock, epoch: clock.Now(), acr: adjacentRejection()}
}

// loop runs the simulation until ctx ends or receiving fails.
func (a *air) loop(ctx context.Context, in <-chan []hwsim.Event, taken chan<- struct{}, errc <-chan error) error {
	timer := a.clock.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			a.shutdown()
			return nil
		case err := <-errc:
			a.shutdown()
			return fmt.Errorf("medium: %w", err)
		case evs := <-in:
			a.step(evs)
			taken <- struct{}{}
		case <-timer.C():
			a.step(nil)
		}
		a.flush()
		if next, ok := a.next(); ok {
			timer.Reset(max(next-a.elapsed(), 0))
		} else {
			timer.Stop()
		}
	}
}

func (a *air) elapsed() time.Duration { return a.clock.Now().Sub(a.epoch) }

// next is when the next event is due, since epoch.
func (a *air) next() (time.Duration, bool) {
	if len(a.events) == 0 {
		return 0, false
	}
	return a.events[0].at, true
}

// step processes every event due by the clock, then takes evs in as
// arriving now.
func (a *air) step(evs []hwsim.Event) {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	now := a.elapsed()
	a.advanceLocked(now)
	a.now = max(a.now, now)
	for i := range evs {
		a.arriveLocked(&evs[i])
	}
}

// flush sends what the last step queued.
func (a *air) flush() {
	if !a.dirty {
		return
	}
	a.dirty = false
	a.m.mu.Lock()
	a.m.flushLocked(a.conn)
	a.m.mu.Unlock()
}

// shutdown completes every frame still held with a failed TX status, so
// mac80211's queues do not stall, while the connection takes them.
func (a *air) shutdown() {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	for _, ar := range slices.Concat(a.radios, a.retired) {
		if ar == nil {
			continue
		}
		for _, fr := range ar.queue {
			failRates(&fr.st.Rates)
			a.conn.Status(&fr.st)
			a.dirty = true
			a.release(fr)
		}
		ar.queue = ar.queue[:0]
	}
	if a.dirty {
		_ = a.conn.Flush()
	}
}

// advanceLocked processes the events due by until, in simulated-time order.
func (a *air) advanceLocked(until time.Duration) {
	for len(a.events) > 0 && a.events[0].at <= until {
		ev := heap.Pop(&a.events).(*event)
		a.now = ev.at
		a.handleLocked(ev)
	}
}

func (a *air) handleLocked(ev *event) {
	switch ev.kind {
	case evStart:
		a.startTryLocked(ev.ar)
	case evTryEnd:
		a.endTryLocked(ev.ar)
	case evWaitEnd:
		a.waitEndLocked(ev.ar)
	case evAckStart:
		a.startedLocked(ev.tx)
		a.schedule(&ev.tx.ev, ev.tx.end, evAckEnd)
	case evAckEnd:
		a.endedLocked(ev.tx)
	}
}

// arriveLocked takes one event from the kernel in: a frame joins its
// radio's queue (with its own copy of the bytes); address changes apply at
// once.
func (a *air) arriveLocked(ev *hwsim.Event) {
	if ev.Kind != hwsim.EventFrame {
		a.m.handleLocked(a.conn, ev)
		return
	}
	fr := a.frame(&ev.Frame)
	if !a.m.beginLocked(&fr.rt, &fr.f, &fr.st) {
		if a.m.tap != nil {
			a.m.recordMalformedLocked(fr.rt.tx, &fr.f, &fr.st)
			a.m.handOverLocked()
		}
		a.release(fr)
		a.dirty = true
		a.conn.Status(&fr.st)
		return
	}
	var probe tryCursor
	if _, ok := probe.next(&fr.f.Rates); !ok {
		// No try in the chain: the hardware would still send once.
		r := firstRate(&fr.f.Rates)
		r.Count = 1
		fr.f.Rates = [hwsim.MaxTxRates]hwsim.TxRate{r, {Idx: -1}, {Idx: -1}, {Idx: -1}}
	}
	fr.rate, _ = fr.at.next(&fr.f.Rates)
	ar := a.radio(fr.rt.tx)
	if len(ar.queue) >= maxAirQueue {
		// The radio sends faster than its channel carries: the
		// excess fails at once, as a full hardware queue would.
		failRates(&fr.st.Rates)
		a.m.stats.AirQueueDrops++
		a.conn.Status(&fr.st)
		a.dirty = true
		a.release(fr)
		return
	}
	ar.queue = append(ar.queue, fr)
	if ar.state == airIdle {
		a.readyLocked(ar)
	}
}

// frame copies f into a held frame.
func (a *air) frame(f *hwsim.Frame) *airFrame {
	var fr *airFrame
	if n := len(a.freeFrames); n > 0 {
		fr, a.freeFrames = a.freeFrames[n-1], a.freeFrames[:n-1]
	} else {
		fr = &airFrame{}
	}
	buf := append(fr.buf[:0], f.Data...)
	recs := fr.rec.Receptions[:0]
	*fr = airFrame{f: *f, buf: buf}
	fr.f.Data = buf
	fr.rec.Receptions = recs
	return fr
}

func (a *air) release(fr *airFrame) {
	fr.rt = route{}
	a.freeFrames = append(a.freeFrames, fr)
}

// radio returns the simulation state of r.
func (a *air) radio(r *radio) *airRadio {
	for int(r.ID) >= len(a.radios) {
		a.radios = append(a.radios, nil)
	}
	ar := a.radios[r.ID]
	if ar == nil || ar.r != r {
		if ar != nil && len(ar.queue) > 0 {
			// The slot's previous radio is gone but still has frames
			// on the air: they finish, and shutdown completes the rest.
			a.retired = slices.DeleteFunc(a.retired, func(o *airRadio) bool { return len(o.queue) == 0 })
			a.retired = append(a.retired, ar)
		}
		ar = &airRadio{r: r, ev: event{idx: -1}}
		ar.ev.ar = ar
		a.radios[r.ID] = ar
	}
	return ar
}
