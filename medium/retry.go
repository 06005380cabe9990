package medium

import "github.com/hwsim-medium/hwsim-medium/hwsim"

// settleLocked completes the TX status st of a frame whose tries are over:
// acked says whether the destination got it, tries is the chain as used up
// to the acked try. tries is nil without a loss model: then the status
// reports one try at the first rate whatever the outcome, as the kernel's
// own delivery does, so mac80211's counters (tx retries, tx failed) read
// the same through the medium as without it.
func (m *Medium) settleLocked(rt *route, st *hwsim.TxStatus, acked bool, tries *[hwsim.MaxTxRates]hwsim.TxRate) {
	settleStatus(st, &rt.tx.stats, rt.noAck(), acked, tries)
}

// settleStatus is settleLocked for a frame whose route is gone (a status
// held for another member's answer, remote.go): noAck says nobody acks
// the frame, stats are the transmitter's counters (nil: not counted).
func settleStatus(st *hwsim.TxStatus, stats *RadioStats, noAck, acked bool, tries *[hwsim.MaxTxRates]hwsim.TxRate) {
	var discard RadioStats
	if stats == nil {
		stats = &discard
	}
	switch {
	case noAck:
		st.Flags |= hwsim.TxStatAck
		firstRateOnly(&st.Rates)
	case acked:
		st.Flags |= hwsim.TxStatAck
		stats.Acked++
		if tries != nil {
			st.Rates = *tries
		} else {
			firstRateOnly(&st.Rates)
		}
	case tries == nil:
		stats.NotAcked++
		firstRateOnly(&st.Rates)
	default:
		stats.NotAcked++
		failRates(&st.Rates)
	}
}

// walked is the retry chain as the fast path walked it, for settleLocked:
// nil without a loss model, which walks none.
func (m *Medium) walked(tries *[hwsim.MaxTxRates]hwsim.TxRate) *[hwsim.MaxTxRates]hwsim.TxRate {
	if m.loss == nil {
		return nil
	}
	return tries
}

// firstRate is the chain entry of the first try (legacy index 0 if the
// chain is empty).
func firstRate(r *[hwsim.MaxTxRates]hwsim.TxRate) hwsim.TxRate {
	if r[0].Idx < 0 {
		return hwsim.TxRate{}
	}
	return r[0]
}

// lost draws whether one try at rate is lost under the loss model.
func (m *Medium) lost(tx, rx *radio, f *hwsim.Frame, signal int32, rate hwsim.TxRate) bool {
	per := m.loss.PER(&tx.Peer, &rx.Peer, f.Freq, signal, rate, len(f.Data))
	return per > 0 && m.rand.Float64() < per
}

// walkRetries tries a unicast frame at each rate of its retry chain as
// often as the chain says, as hardware does, until one try gets through.
// It returns the rate that succeeded and whether one did, and leaves in
// tries the chain as used (the last entry cut at the successful try), which
// becomes the TX status that mac80211's rate control learns from.
func (m *Medium) walkRetries(tx, rx *radio, f *hwsim.Frame, signal int32, tries *[hwsim.MaxTxRates]hwsim.TxRate) (hwsim.TxRate, bool) {
	var at tryCursor
	for r, ok := at.next(&f.Rates); ok; r, ok = at.next(&f.Rates) {
		if !m.lost(tx, rx, f, signal, r) {
			at.cut(tries)
			return r, true
		}
	}
	return firstRate(&f.Rates), false
}

// tryCursor walks a retry chain one try at a time, as hardware does: entry
// i of the chain, tried c times so far.
type tryCursor struct {
	i int
	c uint8
}

// next moves to the next try and returns its rate; false once the chain is
// used up.
func (t *tryCursor) next(r *[hwsim.MaxTxRates]hwsim.TxRate) (hwsim.TxRate, bool) {
	for t.i < len(r) && r[t.i].Idx >= 0 {
		if t.c < r[t.i].Count {
			t.c++
			return r[t.i], true
		}
		t.i, t.c = t.i+1, 0
	}
	return hwsim.TxRate{}, false
}

// cut ends tries at the current try: the chain as used when it got through.
func (t *tryCursor) cut(tries *[hwsim.MaxTxRates]hwsim.TxRate) { cutChain(tries, t.i, t.c) }

// firstRateOnly reports success at the first try of the first rate.
func firstRateOnly(r *[hwsim.MaxTxRates]hwsim.TxRate) {
	r[0].Idx = firstRate(r).Idx
	cutChain(r, 0, 1)
}

// cutChain ends a retry chain at its entry i, tried count times.
func cutChain(r *[hwsim.MaxTxRates]hwsim.TxRate, i int, count uint8) {
	r[i].Count = count
	for j := i + 1; j < len(r); j++ {
		r[j] = hwsim.TxRate{Idx: -1}
	}
}

// failRates reports that every try of the chain was used, as hardware does
// when no ack ever came.
func failRates(r *[hwsim.MaxTxRates]hwsim.TxRate) {
	if r[0].Idx < 0 {
		r[0] = hwsim.TxRate{Idx: 0, Count: 1}
	}
}
