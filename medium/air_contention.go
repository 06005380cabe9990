package medium

import (
	"math"
	"time"
)

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
