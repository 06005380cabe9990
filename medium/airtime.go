package medium

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
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

// loop runs the simulation until ctx ends or sending fails.
func (a *air) loop(ctx context.Context, in <-chan []hwsim.Event, taken chan<- struct{}, errc <-chan error) error {
	timer := a.clock.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			a.shutdown()
			return nil
		case rerr := <-errc:
			a.shutdown()
			return fmt.Errorf("medium: %w", rerr)
		case evs := <-in:
			err = a.step(evs)
			taken <- struct{}{}
		case <-timer.C():
			err = a.step(nil)
		}
		if err != nil {
			a.shutdown()
			return fmt.Errorf("medium: %w", err)
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
func (a *air) step(evs []hwsim.Event) error {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	now := a.elapsed()
	if err := a.advanceLocked(now); err != nil {
		return err
	}
	a.now = max(a.now, now)
	for i := range evs {
		if err := a.arriveLocked(&evs[i]); err != nil {
			return err
		}
	}
	return nil
}

// flush sends what the last step queued.
func (a *air) flush() {
	if !a.dirty {
		return
	}
	a.dirty = false
	if err := a.conn.Flush(); err != nil {
		a.m.mu.Lock()
		a.m.stats.SendErrors++
		a.m.mu.Unlock()
		a.m.log.Warn("sending to the kernel failed", "err", err)
	}
}

// shutdown completes every frame still held with a failed TX status, so
// mac80211's queues do not stall, while the connection takes them.
func (a *air) shutdown() {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	ok := true
	for _, ar := range a.radios {
		if ar == nil {
			continue
		}
		for _, fr := range ar.queue {
			if ok {
				failRates(&fr.st.Rates)
				ok = a.conn.Status(&fr.st) == nil
				a.dirty = true
			}
			a.release(fr)
		}
		ar.queue = ar.queue[:0]
	}
	if ok && a.dirty {
		_ = a.conn.Flush()
	}
}

// advanceLocked processes the events due by until, in simulated-time order.
func (a *air) advanceLocked(until time.Duration) error {
	for len(a.events) > 0 && a.events[0].at <= until {
		ev := heap.Pop(&a.events).(*event)
		a.now = ev.at
		if err := a.handleLocked(ev); err != nil {
			return err
		}
	}
	return nil
}

func (a *air) handleLocked(ev *event) error {
	switch ev.kind {
	case evStart:
		a.startTryLocked(ev.ar)
	case evTryEnd:
		return a.endTryLocked(ev.ar)
	case evWaitEnd:
		return a.waitEndLocked(ev.ar)
	case evAckStart:
		a.startedLocked(ev.tx)
		a.schedule(&ev.tx.ev, ev.tx.end, evAckEnd)
	case evAckEnd:
		a.endedLocked(ev.tx)
	}
	return nil
}

// arriveLocked takes one event from the kernel in: a frame joins its
// radio's queue (with its own copy of the bytes); address changes apply at
// once.
func (a *air) arriveLocked(ev *hwsim.Event) error {
	if ev.Kind != hwsim.EventFrame {
		return a.m.handleLocked(a.conn, ev)
	}
	fr := a.frame(&ev.Frame)
	if !a.m.beginLocked(&fr.rt, &fr.f, &fr.st) {
		a.release(fr)
		a.dirty = true
		return a.m.statusLocked(a.conn, fr.rt.tx, &fr.st)
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
	ar.queue = append(ar.queue, fr)
	if ar.state == airIdle {
		a.readyLocked(ar)
	}
	return nil
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
	*fr = airFrame{f: *f, buf: buf}
	fr.f.Data = buf
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
	if ar == nil {
		ar = &airRadio{r: r, ev: event{idx: -1}}
		ar.ev.ar = ar
		a.radios[r.ID] = ar
	}
	return ar
}

// readyLocked starts the contention of the head frame's next try: a random
// backoff from its contention window, counted down once the channel has
// been idle for DIFS.
func (a *air) readyLocked(ar *airRadio) {
	fr := ar.queue[0]
	ar.slots = a.m.rand.IntN(contentionWindow(fr.tries) + 1)
	if a.busyLocked(ar, a.now) {
		ar.state = airFrozen
		return
	}
	a.contend(ar, a.now)
}

// contend counts the backoff down from idle, when the channel went idle.
func (a *air) contend(ar *airRadio, idle time.Duration) {
	fr := ar.queue[0]
	t := timingOf(fr.f.Freq, fr.rate)
	ar.state, ar.idleAt = airContend, idle
	ar.start = idle + t.difs() + time.Duration(ar.slots)*t.slot
	a.schedule(&ar.ev, ar.start, evStart)
}

// senses reports whether radio ar, contending on its head frame's channel,
// senses transmission x: same channel, at or above the CCA threshold.
func (a *air) senses(ar *airRadio, x *airTx) bool {
	if x.from == ar.r || x.freq != ar.queue[0].f.Freq {
		return false
	}
	sig, heard := a.m.model.Hear(&x.from.Peer, &ar.r.Peer, x.freq)
	return heard && float64(sig) >= a.cca()
}

// busyLocked reports whether ar senses a transmission in progress at t.
func (a *air) busyLocked(ar *airRadio, t time.Duration) bool {
	for _, x := range a.onAir {
		if x.start <= t && x.end > t && a.senses(ar, x) {
			return true
		}
	}
	return false
}

// startTryLocked puts the head frame's next try on the air.
func (a *air) startTryLocked(ar *airRadio) {
	fr := ar.queue[0]
	x := a.newTx()
	*x = airTx{from: ar.r, freq: fr.f.Freq, start: a.now, frame: fr, ev: event{idx: -1}}
	x.end = a.now + frameAirtime(x.freq, fr.rate, len(fr.f.Data))
	fr.tries++
	ar.cur, ar.state = x, airSending
	a.schedule(&ar.ev, x.end, evTryEnd)
	if a.trace != nil {
		a.trace(ar.r.ID, x.freq, x.start, x.end)
	}
	a.startedLocked(x)
}

// startedLocked puts x on the air: radios that sense it freeze their
// backoff, except those about to transmit within the slot, which cannot
// have sensed it yet and collide.
func (a *air) startedLocked(x *airTx) {
	a.onAir = append(a.onAir, x)
	a.countBusy(x)
	for _, ar := range a.radios {
		if ar == nil || ar.state != airContend {
			continue
		}
		fr := ar.queue[0]
		t := timingOf(fr.f.Freq, fr.rate)
		if ar.start < x.start+t.slot || !a.senses(ar, x) {
			continue
		}
		if counted := x.start - ar.idleAt - t.difs(); counted > 0 {
			ar.slots -= int(counted / t.slot)
		}
		ar.state = airFrozen
		a.cancel(&ar.ev)
	}
}

// endedLocked takes x off the air: radios it froze resume their backoff
// when they sense nothing else, and transmissions that no try on the air
// overlaps any more are forgotten.
func (a *air) endedLocked(x *airTx) {
	x.ended = true
	for _, ar := range a.radios {
		if ar != nil && ar.state == airFrozen && ar.queue[0].f.Freq == x.freq && !a.busyLocked(ar, a.now) {
			a.contend(ar, a.now)
		}
	}
	a.prune()
}

// prune forgets ended transmissions that end before every unfinished one
// started: no judgement needs them any more.
func (a *air) prune() {
	oldest := time.Duration(math.MaxInt64)
	for _, x := range a.onAir {
		if !x.ended {
			oldest = min(oldest, x.start)
		}
	}
	keep := a.onAir[:0]
	for _, x := range a.onAir {
		if x.ended && x.end <= oldest {
			a.freeTx = append(a.freeTx, x)
			continue
		}
		keep = append(keep, x)
	}
	clear(a.onAir[len(keep):])
	a.onAir = keep
}

func (a *air) newTx() *airTx {
	if n := len(a.freeTx); n > 0 {
		x := a.freeTx[n-1]
		a.freeTx = a.freeTx[:n-1]
		return x
	}
	return &airTx{}
}

// countBusy adds x to its channel's busy time, counting overlaps once.
func (a *air) countBusy(x *airTx) {
	st := &a.m.stats
	i := 0
	for i < len(st.AirBusy) && st.AirBusy[i].Freq != x.freq {
		i++
	}
	if i == len(st.AirBusy) {
		st.AirBusy = append(st.AirBusy, ChannelBusy{Freq: x.freq})
		a.busyUntil = append(a.busyUntil, 0)
	}
	if x.end > a.busyUntil[i] {
		st.AirBusy[i].Busy += x.end - max(x.start, a.busyUntil[i])
		a.busyUntil[i] = x.end
	}
}

// endTryLocked judges a try at its end, when everything that overlapped it
// is known: at the destination and, at the first try, at every other radio
// that may overhear it. The destination acks a try it decoded.
func (a *air) endTryLocked(ar *airRadio) error {
	x, fr := ar.cur, ar.queue[0]
	ar.cur = nil
	if err := a.fanOutLocked(x, fr); err != nil {
		return err
	}
	if x.collided {
		a.m.stats.Collisions++
	}
	a.endedLocked(x)
	t := timingOf(x.freq, fr.rate)
	switch {
	case fr.rt.noAck():
		return a.finishLocked(ar)
	case fr.acked:
		fr.used = fr.f.Rates
		fr.at.cut(&fr.used)
		ack := a.newTx()
		*ack = airTx{from: fr.rt.dst, freq: x.freq, start: x.end + t.sifs, ev: event{idx: -1}}
		ack.end = ack.start + ackAirtime(x.freq, fr.rate)
		ack.ev.tx = ack
		a.schedule(&ack.ev, ack.start, evAckStart)
		ar.state = airWaiting
		a.schedule(&ar.ev, ack.end, evWaitEnd)
	default:
		// ACK timeout (10.3.2.9): SIFS + slot + the ACK's airtime.
		ar.state = airWaiting
		a.schedule(&ar.ev, x.end+t.sifs+t.slot+ackAirtime(x.freq, fr.rate), evWaitEnd)
	}
	return nil
}

// fanOutLocked delivers try x of fr to the radios that decode it, as the
// fast path's routeLocked does for a whole frame (same blocks, denylist,
// timestamps and counters); a destination's loss is counted once, when the
// frame's last try failed.
func (a *air) fanOutLocked(x *airTx, fr *airFrame) error {
	m, rt := a.m, &fr.rt
	tx, dst := rt.tx, rt.dst
	// The transmitter may have been removed, and radios added, meanwhile.
	tx.grow(len(m.radios))
	first := fr.tries == 1
	d := m.deliveryOf(&fr.f)
	for _, rx := range m.radios {
		if rx == nil || rx == tx || (!first && rx != dst) {
			continue
		}
		if m.blockedLocked(rt, rx) {
			if first {
				tx.links[rx.ID].Blocked++
				fr.dstBlocked = fr.dstBlocked || rx == dst
			}
			continue
		}
		signal, ok := a.decodeLocked(x, rx)
		if !ok {
			if rx != dst || rt.noAck() {
				tx.links[rx.ID].Lost++
			}
			continue
		}
		a.dirty = true
		if err := a.deliverLocked(d, rt, rx, signal, fr.rate); err != nil {
			return err
		}
		if rx == dst {
			fr.acked = true
			fr.st.Signal = signal
		}
	}
	return nil
}

// deliverLocked hands a decoded try to rx. routeLocked does the same
// inline.
func (a *air) deliverLocked(d *hwsim.Delivery, rt *route, rx *radio, signal int32, rate hwsim.TxRate) error {
	d.Receiver, d.Signal, d.RxRate = rx.HW, signal, uint32(mac.RxLegacyIndex(d.Freq, rate.Idx, rate.Flags))
	if rt.ibss {
		stampIBSS(rt, rx)
	}
	if err := a.conn.Deliver(d); err != nil {
		return deliverError(rx, err)
	}
	countDelivery(rt, rx)
	return nil
}

// decodeLocked judges whether rx decodes try x: its signal against the
// noise plus every overlapping transmission, weighted by the channels'
// overlap. A try lost to interference at its destination (or at anyone, for
// a frame nobody acks) is marked collided.
func (a *air) decodeLocked(x *airTx, rx *radio) (int32, bool) {
	m := a.m
	signal, heard := m.model.Hear(&x.from.Peer, &rx.Peer, x.freq)
	if !heard {
		return signal, false
	}
	imW, deaf := a.interferenceLocked(x, rx)
	var ok bool
	noise := a.noiseFloor()
	sinr := float64(signal) - 10*math.Log10(mW(noise)+imW)
	switch {
	case deaf:
	case m.loss == nil:
		ok = sinr >= sinrThreshold
	default:
		// The loss model judges the signal that gives this SINR over
		// the bare noise floor.
		eff := int32(math.Round(noise + sinr))
		ok = !m.lost(x.from, rx, &x.frame.f, eff, x.frame.rate)
	}
	if !ok && (imW > 0 || deaf) && (rx == x.frame.rt.dst || x.frame.rt.noAck()) {
		x.collided = true
	}
	return signal, ok
}

// interferenceLocked sums, in mW, what reaches rx of the transmissions that
// overlap x in time, each weighted by how much of its spectrum falls into
// x's channel. deaf says rx was transmitting itself (half duplex).
func (a *air) interferenceLocked(x *airTx, rx *radio) (imW float64, deaf bool) {
	for _, y := range a.onAir {
		if y == x || y.start >= x.end || y.end <= x.start {
			continue
		}
		if y.from == rx {
			return imW, true
		}
		d := int64(x.freq) - int64(y.freq)
		if d < 0 {
			d = -d
		}
		if d >= acrSpan {
			continue
		}
		if s, h := a.m.model.Hear(&y.from.Peer, &rx.Peer, y.freq); h {
			imW += mW(float64(s)) * a.acr[d]
		}
	}
	return imW, false
}

// waitEndLocked ends the wait after a try: the frame is done when acked or
// when its chain is used up, else it contends again with a doubled window.
func (a *air) waitEndLocked(ar *airRadio) error {
	fr := ar.queue[0]
	if !fr.acked {
		if r, ok := fr.at.next(&fr.f.Rates); ok {
			fr.rate = r
			a.readyLocked(ar)
			return nil
		}
	}
	return a.finishLocked(ar)
}

// finishLocked reports the head frame's TX status and lets the next frame
// contend.
func (a *air) finishLocked(ar *airRadio) error {
	fr := ar.queue[0]
	copy(ar.queue, ar.queue[1:])
	ar.queue[len(ar.queue)-1] = nil
	ar.queue = ar.queue[:len(ar.queue)-1]
	rt := &fr.rt
	a.m.settleLocked(rt, &fr.st, fr.acked, &fr.used)
	if !fr.acked && !rt.noAck() && rt.dst != nil && !fr.dstBlocked {
		rt.tx.links[rt.dst.ID].Lost++
	}
	a.dirty = true
	err := a.m.statusLocked(a.conn, rt.tx, &fr.st)
	a.release(fr)
	ar.state = airIdle
	if len(ar.queue) > 0 {
		a.readyLocked(ar)
	}
	return err
}

// cca and noiseFloor come from the model when it has them.
func (a *air) cca() float64 {
	if r, ok := a.m.model.(radioLevels); ok {
		return r.CCAThreshold()
	}
	return defaultCCA
}

func (a *air) noiseFloor() float64 {
	if r, ok := a.m.model.(radioLevels); ok {
		return r.NoiseFloor()
	}
	return defaultNoiseFloor
}

// radioLevels is implemented by models that know the receivers' CCA
// threshold and noise floor, in dBm (medium/model does).
type radioLevels interface {
	CCAThreshold() float64
	NoiseFloor() float64
}

// schedule (re)schedules ev at time at.
func (a *air) schedule(ev *event, at time.Duration, kind eventKind) {
	ev.at, ev.kind, ev.seq = at, kind, a.seq
	a.seq++
	if ev.idx >= 0 {
		heap.Fix(&a.events, ev.idx)
		return
	}
	heap.Push(&a.events, ev)
}

func (a *air) cancel(ev *event) {
	if ev.idx >= 0 {
		heap.Remove(&a.events, ev.idx)
	}
}

// eventKind orders events due at the same time: ends before starts, so a
// channel that goes idle at t is idle for a transmission starting at t.
type eventKind uint8

const (
	evTryEnd eventKind = iota
	evAckEnd
	evWaitEnd
	evAckStart
	evStart
)

// event is something due at a simulated time: a radio's next step (ar) or
// an ACK's start or end (tx).
type event struct {
	at   time.Duration
	seq  uint64
	kind eventKind
	ar   *airRadio
	tx   *airTx
	idx  int // in the heap; -1 when not scheduled
}

// eventHeap orders events by time, then kind, then scheduling order.
type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }

func (h eventHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.at != b.at {
		return a.at < b.at
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.seq < b.seq
}

func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}

func (h *eventHeap) Push(x any) {
	ev := x.(*event)
	ev.idx = len(*h)
	*h = append(*h, ev)
}

func (h *eventHeap) Pop() any {
	old := *h
	ev := old[len(old)-1]
	old[len(old)-1] = nil
	ev.idx = -1
	*h = old[:len(old)-1]
	return ev
}
