package medium

import (
	"context"
	"fmt"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Run routes frames from conn until ctx ends or the connection fails. It
// returns nil when ctx ends. Under TimingAirtime each frame is delivered
// and completed after its simulated time on the air.
func (m *Medium) Run(ctx context.Context, conn hwsim.Conn) error {
	m.mu.Lock()
	if sc, ok := conn.(socketCounter); ok {
		m.socket = sc
	}
	m.mu.Unlock()
	defer m.startNetnsCheck(ctx)()
	if m.timing == TimingAirtime {
		return m.runAir(ctx, conn)
	}
	// Frames from other members are routed on the bus's goroutine, with
	// the lock held, through the same connection: from here on every send
	// happens under the lock.
	m.mu.Lock()
	m.conn = conn
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.conn = nil
		m.mu.Unlock()
	}()
	if m.bus != nil {
		defer m.startHeldExpiry(ctx)()
	}
	evs := make([]hwsim.Event, 64)
	for {
		n, err := conn.Receive(ctx, evs)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("medium: %w", err)
		}
		m.mu.Lock()
		for i := range evs[:n] {
			m.handleLocked(conn, &evs[i])
		}
		if len(m.waiting) > 0 {
			// The addressees' answers decide the acks: one more
			// send and receive per batch, not per frame.
			conn.Sync()
			m.settleWaitingLocked(conn)
		}
		if m.tapRecs.used > 0 {
			m.handOverLocked()
		}
		m.flushLocked(conn)
		m.mu.Unlock()
	}
}

// flushLocked sends what a batch queued. A refused send loses its frames,
// as a collision would; the air goes on, and the failure is counted.
func (m *Medium) flushLocked(conn hwsim.Conn) {
	if err := conn.Flush(); err != nil {
		m.stats.SendErrors++
		m.log.Warn("sending to the kernel failed", "err", err)
	}
}

func (m *Medium) handleLocked(conn hwsim.Conn, ev *hwsim.Event) {
	switch ev.Kind {
	case hwsim.EventFrame:
		if m.decide.due() {
			t0 := time.Now()
			m.routeLocked(conn, &ev.Frame)
			m.decide.observe(time.Since(t0))
			return
		}
		m.routeLocked(conn, &ev.Frame)
	case hwsim.EventAddMAC:
		r := m.byHW[ev.Radio]
		if r == nil {
			r = m.adoptLocked(ev.Radio, ev.Addr)
		}
		r.refs[ev.Addr]++
		m.byAddr[ev.Addr] = r
		m.log.Debug("address added", "radio", r.Name, "addr", ev.Addr)
	case hwsim.EventDelMAC:
		r := m.byHW[ev.Radio]
		if r == nil {
			return
		}
		// Addresses are reference counted per radio: a station's own
		// address is added again at every scan start and removed at its
		// end, and must survive that.
		if r.refs[ev.Addr]--; r.refs[ev.Addr] <= 0 {
			delete(r.refs, ev.Addr)
			if m.byAddr[ev.Addr] == r && ev.Addr != r.HW {
				delete(m.byAddr, ev.Addr)
			}
		}
		m.log.Debug("address removed", "radio", r.Name, "addr", ev.Addr)
	}
}

// route is one transmitted frame as the medium judges it: who sent it, whose
// denylist entries apply, whom it is addressed to. The fast path builds it
// on the stack per frame; the airtime mode keeps one per queued frame.
type route struct {
	f   *hwsim.Frame
	tx  *radio
	src *radio // owner of the frame's SA, for the denylist
	dst *radio // the addressee of a unicast frame, if known
	// group: group-addressed, so nobody acks it.
	group bool
	// ibss: an IBSS beacon or probe response with timestamp tsf, which is
	// rewritten per receiver.
	ibss bool
	tsf  uint64
}

// noAck reports whether the frame goes out once and unacknowledged.
func (rt *route) noAck() bool { return rt.group || rt.f.Flags&hwsim.TxCtlNoAck != 0 }

// acks reports whether the addressee's answer decides the frame's ack: rx
// is the addressee of a frame that wants one.
func (rt *route) acks(rx *radio) bool { return rx == rt.dst && !rt.noAck() }

// awaited is a frame whose TX status waits for the kernel's answer to the
// delivery to its addressee (Conn.Sync).
type awaited struct {
	rt     route
	st     hwsim.TxStatus
	ticket hwsim.Ticket
	signal int32
	// tries is the chain as used up to the try that got through (with a
	// loss model).
	tries [hwsim.MaxTxRates]hwsim.TxRate
	// rec is the frame's capture record, completed once settled (nil
	// without a tap).
	rec *Transmission
}

// routeLocked delivers one frame and reports its TX status, or leaves the
// status in m.waiting when it depends on whether the addressee's kernel
// takes the delivery, or in m.held when another member's answer decides
// it.
func (m *Medium) routeLocked(conn hwsim.Conn, f *hwsim.Frame) {
	var rt route
	st := &m.status
	ok := m.beginLocked(&rt, f, st)
	// Its frames come here: in a federated air, this member serves it.
	rt.tx.served = true
	if !ok {
		if m.tap != nil {
			m.recordMalformedLocked(rt.tx, f, st)
		}
		conn.Status(st)
		return
	}
	// tries is the retry chain as the destination saw it: with a loss
	// model, the tries used until one got through.
	tries := f.Rates
	// rec stays nil without a tap: one check per receiver, no record.
	var rec *Transmission
	if m.tap != nil {
		rec = m.takeRecordLocked(&rt, f)
	}
	ticket, ackSignal := m.deliverLocked(conn, &rt, &tries, rec)
	if m.remotes > 0 && m.publishLocked(&rt, st) {
		// Another member's radio is the addressee: its answer settles
		// the status (remote.go).
		if rec != nil {
			completeLocked(rec, st, false, false)
		}
		return
	}
	if ticket != 0 {
		// Acked if the addressee's kernel takes it: known after Sync.
		m.waiting = append(m.waiting, awaited{rt: rt, st: *st, ticket: ticket, signal: ackSignal, tries: tries, rec: rec})
		return
	}
	m.settleLocked(&rt, st, false, m.walked(&tries))
	if rec != nil {
		completeLocked(rec, st, false, false)
	}
	conn.Status(st)
}

// deliverLocked hands the frame of rt to every radio of this medium that
// hears it. It returns the ticket of the addressee's delivery (0: none)
// and the signal it was delivered at; tries is left as the addressee used
// the retry chain.
func (m *Medium) deliverLocked(conn hwsim.Conn, rt *route, tries *[hwsim.MaxTxRates]hwsim.TxRate, rec *Transmission) (ticket hwsim.Ticket, ackSignal int32) {
	f, tx, dst := rt.f, rt.tx, rt.dst
	first := firstRate(&f.Rates)
	d := m.deliveryOf(f)
	for _, rx := range m.radios {
		// Another member's radios hear the frame there (bus.go).
		if rx == nil || rx == tx || rx.member != "" {
			continue
		}
		if m.blockedLocked(rt, rx) {
			tx.links[rx.ID].Blocked++
			if rec != nil {
				m.withheld(rec, rt, rx)
			}
			continue
		}
		signal, reach := m.model.Hear(&tx.Peer, &rx.Peer, f.Freq)
		heard, rate := reach, first
		if heard && m.loss != nil {
			if rx == dst {
				rate, heard = m.walkRetries(tx, rx, f, signal, tries)
			} else {
				// Others overhear the first try only.
				heard = !m.lost(tx, rx, f, signal, rate)
			}
		}
		if !heard {
			tx.links[rx.ID].Lost++
			if rec != nil {
				m.recordLost(rec, rt, rx, reach, signal, f)
			}
			continue
		}
		// Inline rather than a call per receiver (as air.deliverLocked),
		// which costs the fast path measurably (BenchmarkRoute). RX_RATE
		// is an index into the receiver's legacy bitrate table: the
		// kernel drops anything else, so an MCS is reported as a legacy
		// rate.
		d.Receiver, d.Signal, d.RxRate = rx.HW, signal, uint32(mac.RxLegacyIndex(f.Freq, rate.Idx, rate.Flags))
		d.Answer = rt.acks(rx)
		if rt.ibss {
			stampIBSS(rt, rx)
		}
		if t := conn.Deliver(d); d.Answer {
			ticket, ackSignal = t, signal
		}
		countDelivery(rt, rx)
		if rec != nil {
			m.recordDelivered(rec, rt, rx, signal, rate, tries)
		}
	}
	return ticket, ackSignal
}

// settleWaitingLocked completes the frames whose addressees have answered
// (after conn.Sync): acked if the kernel took the delivery.
func (m *Medium) settleWaitingLocked(conn hwsim.Conn) {
	for i := range m.waiting {
		w := &m.waiting[i]
		acked := conn.Delivered(w.ticket)
		if acked {
			w.st.Signal = w.signal
		}
		m.settleLocked(&w.rt, &w.st, acked, m.walked(&w.tries))
		if w.rec != nil {
			completeLocked(w.rec, &w.st, true, acked)
		}
		conn.Status(&w.st)
	}
	clear(m.waiting)
	m.waiting = m.waiting[:0]
}

// beginLocked counts a transmitted frame, parses it into rt and starts its
// TX status in st. It returns false for a frame nobody can receive, whose
// status st then already reports failure.
func (m *Medium) beginLocked(rt *route, f *hwsim.Frame, st *hwsim.TxStatus) bool {
	tx := m.byHW[f.Transmitter]
	if tx == nil {
		tx = m.newTransmitterLocked(f)
	}
	tx.freq = f.Freq
	tx.stats.TxFrames++
	tx.stats.TxBytes += uint64(len(f.Data))
	m.stats.Frames++
	*st = hwsim.TxStatus{Transmitter: f.Transmitter, Flags: f.Flags &^ hwsim.TxStatAck, Cookie: f.Cookie, Signal: DefaultSignal, Rates: f.Rates}
	*rt = route{f: f, tx: tx}
	h, err := mac.Parse(f.Data)
	if err != nil {
		// Not a frame anyone can receive; complete it so the radio's
		// queue does not stall.
		m.stats.Malformed++
		m.log.Debug("unparsable frame", "radio", tx.Name, "err", err)
		failRates(&st.Rates)
		return false
	}
	// Learn the transmitter's interface address from the frame itself:
	// address announcements can be missed (radios that existed before the
	// medium) or withdrawn by a scan.
	ta, unicastTA := h.Transmitter()
	unicastTA = unicastTA && !ta.IsGroup()
	if unicastTA && m.byAddr[ta] == nil {
		m.learnLocked(tx, ta)
	}
	if sa, ok := h.SA(); ok {
		rt.src = m.byAddr[sa]
	}
	learnRoleLocked(tx, &h, f.Data)
	rt.group = h.IsGroupAddressed()
	if !rt.group {
		rt.dst = m.byAddr[h.Addr1]
		// Only radios of this medium can share its network namespace.
		if d := rt.dst; d != nil && d != tx && unicastTA && !tx.paired[d.ID] && d.member == "" && tx.member == "" {
			m.pairLocked(tx, d, ta, h.Addr1)
		}
	}
	rt.tsf, rt.ibss = m.ibssBeaconLocked(tx, &h, f.Data)
	return true
}

// blockedLocked reports whether a link block or the denylist withholds the
// frame from rx.
func (m *Medium) blockedLocked(rt *route, rx *radio) bool {
	return m.blocks[[2]RadioID{rt.tx.ID, rx.ID}] || (rt.src != nil && rx.denies[rt.src.ID])
}

// deliveryOf starts the delivery of f: what is the same for every
// receiver.
func (m *Medium) deliveryOf(f *hwsim.Frame) *hwsim.Delivery {
	m.delivery = hwsim.Delivery{Data: f.Data, Freq: f.Freq}
	return &m.delivery
}

// countDelivery counts a frame delivered to rx.
func countDelivery(rt *route, rx *radio) {
	n := uint64(len(rt.f.Data))
	link := &rt.tx.links[rx.ID]
	link.Frames++
	link.Bytes += n
	rx.stats.RxFrames++
	rx.stats.RxBytes += n
}
