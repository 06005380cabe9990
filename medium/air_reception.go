package medium

import (
	"math"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// endTryLocked judges a try at its end, when everything that overlapped it
// is known: at the destination and, at the first try, at every other radio
// that may overhear it. The destination acks a try it decoded.
func (a *air) endTryLocked(ar *airRadio) {
	x, fr := ar.cur, ar.queue[0]
	ar.cur = nil
	a.fanOutLocked(x, fr)
	if x.collided {
		a.m.stats.Collisions++
	}
	a.endedLocked(x)
	t := timingOf(x.freq, fr.rate)
	switch {
	case fr.rt.noAck():
		a.finishLocked(ar)
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
}

// fanOutLocked delivers try x of fr to the radios that decode it, as the
// fast path's routeLocked does for a whole frame (same blocks, denylist,
// timestamps and counters); a destination's loss is counted once, when the
// frame's last try failed. The try is acked if the destination decoded it
// and its kernel took the delivery.
func (a *air) fanOutLocked(x *airTx, fr *airFrame) {
	m, rt := a.m, &fr.rt
	tx, dst := rt.tx, rt.dst
	// The transmitter may have been removed, and radios added, meanwhile.
	tx.grow(len(m.radios))
	first := fr.tries == 1
	d := m.deliveryOf(&fr.f)
	rec := a.recordLocked(fr, x)
	for _, rx := range m.radios {
		if rx == nil || rx == tx || (!first && rx != dst) {
			continue
		}
		if m.blockedLocked(rt, rx) {
			if first {
				tx.links[rx.ID].Blocked++
				fr.dstBlocked = fr.dstBlocked || rx == dst
				if rec != nil {
					m.withheld(rec, rt, rx)
				}
			}
			continue
		}
		signal, o := a.decodeLocked(x, rx)
		if o != Delivered {
			if rx != dst || rt.noAck() {
				tx.links[rx.ID].Lost++
			}
			if rec != nil {
				noteTry(rec, fr, rx, o, signal)
			}
			continue
		}
		a.dirty = true
		if t := a.deliverLocked(d, rt, rx, signal, fr.rate); t != 0 {
			// The ack waits for the kernel's answer; a try's end is
			// rare enough next to the simulation's own cost (about
			// 1 ms per frame under TCG) to ask at once.
			a.conn.Sync()
			if a.conn.Delivered(t) {
				fr.acked = true
				fr.st.Signal = signal
			} else {
				o = Refused
			}
		}
		if rec != nil {
			noteTry(rec, fr, rx, o, signal)
		}
	}
}

// recordLocked returns the capture record of fr, begun at its first try x;
// nil without a tap, or when the tap came after the first try.
func (a *air) recordLocked(fr *airFrame, x *airTx) *Transmission {
	m := a.m
	if m.tap == nil {
		return nil
	}
	if fr.tries == 1 {
		m.beginRecord(&fr.rec, &fr.rt, &fr.f, a.epoch.Sub(m.start)+x.start)
		fr.recording, fr.dstRec = true, -1
	}
	if !fr.recording {
		return nil
	}
	return &fr.rec
}

// noteTry records the outcome o of fr's current try at rx: a new
// reception at the first try, the addressee's updated at later ones.
func noteTry(tr *Transmission, fr *airFrame, rx *radio, o Outcome, signal int32) {
	var rate hwsim.TxRate
	if o == Delivered || o == Refused {
		rate = fr.rate
	}
	tries := 1
	switch {
	case o == NotHeard:
		tries = 0
	case rx == fr.rt.dst:
		tries = fr.tries
	}
	if rx == fr.rt.dst {
		if o == Delivered {
			tr.Rate = fr.rate
		}
		if fr.dstRec >= 0 {
			r := &tr.Receptions[fr.dstRec]
			r.Outcome, r.Signal, r.Rate, r.Tries = o, signal, rate, tries
			return
		}
		fr.dstRec = len(tr.Receptions)
	}
	tr.add(&fr.rt, rx, o, signal, rate, tries)
}

// deliverLocked hands a decoded try to rx and returns the ticket of a
// delivery whose answer decides the ack. routeLocked does the same inline.
func (a *air) deliverLocked(d *hwsim.Delivery, rt *route, rx *radio, signal int32, rate hwsim.TxRate) hwsim.Ticket {
	d.Receiver, d.Signal, d.RxRate = rx.HW, signal, uint32(mac.RxLegacyIndex(d.Freq, rate.Idx, rate.Flags))
	d.Answer = rt.acks(rx)
	if rt.ibss {
		stampIBSS(rt, rx)
	}
	t := a.conn.Deliver(d)
	countDelivery(rt, rx)
	return t
}

// decodeLocked judges whether rx decodes try x: its signal against the
// noise plus every overlapping transmission, weighted by the channels'
// overlap. It returns Delivered when rx decodes it, else why not. A try
// lost to interference at its destination (or at anyone, for a frame
// nobody acks) is marked collided.
func (a *air) decodeLocked(x *airTx, rx *radio) (int32, Outcome) {
	m := a.m
	signal, heard := m.model.Hear(&x.from.Peer, &rx.Peer, x.freq)
	if !heard {
		return signal, NotHeard
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
	switch {
	case ok:
		return signal, Delivered
	case deaf || imW > 0:
		if rx == x.frame.rt.dst || x.frame.rt.noAck() {
			x.collided = true
		}
		if deaf {
			return signal, Deaf
		}
		return signal, Collided
	}
	return signal, Lost
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
func (a *air) waitEndLocked(ar *airRadio) {
	fr := ar.queue[0]
	if !fr.acked {
		if r, ok := fr.at.next(&fr.f.Rates); ok {
			fr.rate = r
			a.readyLocked(ar)
			return
		}
	}
	a.finishLocked(ar)
}

// finishLocked reports the head frame's TX status and lets the next frame
// contend.
func (a *air) finishLocked(ar *airRadio) {
	fr := ar.queue[0]
	copy(ar.queue, ar.queue[1:])
	ar.queue[len(ar.queue)-1] = nil
	ar.queue = ar.queue[:len(ar.queue)-1]
	rt := &fr.rt
	a.m.settleLocked(rt, &fr.st, fr.acked, &fr.used)
	if fr.recording && a.m.tap != nil {
		completeLocked(&fr.rec, &fr.st, false, false)
		a.m.tap.Transmission(&fr.rec)
	}
	if !fr.acked && !rt.noAck() && rt.dst != nil && !fr.dstBlocked {
		rt.tx.links[rt.dst.ID].Lost++
	}
	a.dirty = true
	a.conn.Status(&fr.st)
	a.release(fr)
	ar.state = airIdle
	if len(ar.queue) > 0 {
		a.readyLocked(ar)
	}
}

// cca and noiseFloor come from the model when it has them.
func (a *air) cca() float64 {
	if r, ok := a.m.model.(RadioLevels); ok {
		return r.CCAThreshold()
	}
	return defaultCCA
}

func (a *air) noiseFloor() float64 {
	if r, ok := a.m.model.(RadioLevels); ok {
		return r.NoiseFloor()
	}
	return defaultNoiseFloor
}
