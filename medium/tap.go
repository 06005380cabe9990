package medium

import (
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

// Tap sees every transmission the medium decides, for captures. The
// medium calls Transmission once per frame, after the frame's TX status is
// settled (the addressee's kernel has answered): in the fast timing at the
// end of each batch of frames, in the order they were sent; in the
// airtime mode when a frame's last try ends. It calls it with the
// medium's lock held, on the per-frame path, so Transmission must be
// quick, must never block and must not call back into the Medium; tr and
// everything it points to (the frame bytes, the receptions) are reused,
// so it copies what it keeps.
type Tap interface {
	Transmission(tr *Transmission)
}

// SetTap makes t see every transmission from now on; nil removes the tap.
// Without a tap the per-frame path builds no records: it pays one nil
// check per frame and per receiver.
func (m *Medium) SetTap(t Tap) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tap = t
}

// Transmission is one frame on the air as the medium decided it: who sent
// it, when, how, what its TX status said, and what became of it at every
// other radio.
type Transmission struct {
	// At is when the frame went on the air, on the medium's clock, since
	// the medium started: when it was routed (fast timing), or when its
	// first try started (airtime).
	At time.Duration
	// Time is At as a point in time of the medium's clock.
	Time time.Time
	// Transmitter is the sending radio; TransmitterName its interface
	// name, or its wiphy name when it has no known interface.
	Transmitter     RadioID
	TransmitterName string
	// Data is the 802.11 frame without FCS. It is valid only during the
	// call.
	Data []byte
	// Freq is the channel in MHz (0 if the kernel did not say).
	Freq uint32
	// Flags are the frame's TxCtl* bits, as the kernel sent them.
	Flags uint32
	// Rates is the retry chain mac80211 asked for.
	Rates [hwsim.MaxTxRates]hwsim.TxRate
	// Used is the chain the TX status reported: the tries used.
	Used [hwsim.MaxTxRates]hwsim.TxRate
	// Rate is the rate the frame is shown at: the try that reached the
	// addressee, else the first try.
	Rate hwsim.TxRate
	// Acked says the TX status reported an acknowledgement (always for a
	// frame nobody acks: NoAck).
	Acked bool
	// NoAck: group-addressed or sent without asking for an ack.
	NoAck bool
	// Malformed: the frame did not parse as 802.11; nobody got it.
	Malformed bool
	// Receptions is what became of the frame at every other radio, in
	// radio order.
	Receptions []Reception
}

// Reception is what became of a transmission at one receiving radio.
type Reception struct {
	Radio RadioID
	// Name is the receiver's interface name, or its wiphy name.
	Name    string
	Outcome Outcome
	// Signal is the signal the frame arrived with, in dBm; meaningful
	// unless the outcome is Blocked or Denied.
	Signal int32
	// Rate is the rate of the try the receiver decoded (Delivered,
	// Refused).
	Rate hwsim.TxRate
	// Tries is, at the addressee, the try that got through (Delivered,
	// Refused) or how many were made (Lost, Collided, Deaf); 1 at other
	// receivers, which only overhear the first try; 0 where no try
	// arrived (NotHeard, Blocked, Denied).
	Tries int
	// Addressee: the receiver is the frame's addressee, whose answer
	// decides the ack.
	Addressee bool
}

// Outcome is what the medium decided for one receiver of a transmission.
type Outcome uint8

// Outcomes of a transmission at a receiver.
const (
	// Delivered: handed to the receiver's kernel (for the addressee: and
	// the kernel took it, so it was acked unless nobody acks the frame).
	Delivered Outcome = iota + 1
	// Refused: delivered to the addressee, but its kernel refused the
	// frame (the radio was idle, stopped or on another channel): no ack.
	Refused
	// Lost: the link model lost every try the receiver heard.
	Lost
	// Collided: lost to interference from overlapping transmissions
	// (airtime mode).
	Collided
	// Deaf: the receiver was transmitting itself (airtime mode).
	Deaf
	// NotHeard: the link model says the frame does not reach the
	// receiver (out of range).
	NotHeard
	// Blocked: a link block withheld it.
	Blocked
	// Denied: the denylist withheld it.
	Denied
)

// String names the outcome as captures write it.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Refused:
		return "refused"
	case Lost:
		return "lost"
	case Collided:
		return "collided"
	case Deaf:
		return "deaf"
	case NotHeard:
		return "not-heard"
	case Blocked:
		return "blocked"
	case Denied:
		return "denied"
	}
	return "unknown"
}

// tapRecords are the records of the frames of the current batch, handed
// to the tap in the order the frames were sent once the batch is settled,
// so that the fast path allocates none per frame once warmed up.
type tapRecords struct {
	recs []*Transmission
	used int
}

// takeRecordLocked returns a fresh record for rt, begun with what is known
// before the receivers are judged.
func (m *Medium) takeRecordLocked(rt *route, f *hwsim.Frame) *Transmission {
	p := &m.tapRecs
	if p.used == len(p.recs) {
		p.recs = append(p.recs, &Transmission{})
	}
	tr := p.recs[p.used]
	p.used++
	at := m.now().Sub(m.start)
	m.beginRecord(tr, rt, f, at)
	return tr
}

// handOverLocked hands the batch's records to the tap, in order.
func (m *Medium) handOverLocked() {
	p := &m.tapRecs
	if m.tap != nil {
		for _, tr := range p.recs[:p.used] {
			m.tap.Transmission(tr)
		}
	}
	p.used = 0
}

// beginRecord fills what tr knows before the receivers are judged.
func (m *Medium) beginRecord(tr *Transmission, rt *route, f *hwsim.Frame, at time.Duration) {
	*tr = Transmission{
		At: at, Time: m.start.Add(at), Transmitter: rt.tx.ID, TransmitterName: rt.tx.displayName(),
		Data: f.Data, Freq: f.Freq, Flags: f.Flags, Rates: f.Rates, Rate: firstRate(&f.Rates),
		NoAck: rt.noAck(), Receptions: tr.Receptions[:0],
	}
}

// add records the outcome at rx.
func (tr *Transmission) add(rt *route, rx *radio, o Outcome, signal int32, rate hwsim.TxRate, tries int) {
	tr.Receptions = append(tr.Receptions, Reception{
		Radio: rx.ID, Name: rx.displayName(), Outcome: o, Signal: signal, Rate: rate, Tries: tries,
		Addressee: rx == rt.dst,
	})
}

// withheld records that a block or the denylist kept the frame from rx.
func (m *Medium) withheld(tr *Transmission, rt *route, rx *radio) {
	o := Denied
	if m.blocks[[2]RadioID{rt.tx.ID, rx.ID}] {
		o = Blocked
	}
	tr.add(rt, rx, o, 0, hwsim.TxRate{}, 0)
}

// completeLocked completes tr with the settled TX status st. taken says
// whether the addressee's kernel took its delivery (meaningful only for a
// frame whose ack waited for that answer).
func completeLocked(tr *Transmission, st *hwsim.TxStatus, waited, taken bool) {
	tr.Used = st.Rates
	tr.Acked = st.Flags&hwsim.TxStatAck != 0
	if waited && !taken {
		for i := range tr.Receptions {
			if r := &tr.Receptions[i]; r.Addressee && r.Outcome == Delivered {
				r.Outcome = Refused
			}
		}
	}
}

// chainTries counts the tries of a retry chain (as used, or as asked).
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

// recordDelivered records a delivery to rx of the try at rate; tries is the
// chain as the addressee used it.
func (m *Medium) recordDelivered(tr *Transmission, rt *route, rx *radio, signal int32, rate hwsim.TxRate, tries *[hwsim.MaxTxRates]hwsim.TxRate) {
	n := 1
	if rx == rt.dst {
		tr.Rate = rate
		if m.loss != nil {
			n = chainTries(tries)
		}
	}
	tr.add(rt, rx, Delivered, signal, rate, n)
}

// recordLost records that rx did not get the frame: out of reach, or every
// try it heard lost.
func (m *Medium) recordLost(tr *Transmission, rt *route, rx *radio, reach bool, signal int32, f *hwsim.Frame) {
	if !reach {
		tr.add(rt, rx, NotHeard, signal, hwsim.TxRate{}, 0)
		return
	}
	n := 1
	if rx == rt.dst {
		n = chainTries(&f.Rates)
	}
	tr.add(rt, rx, Lost, signal, hwsim.TxRate{}, n)
}

// recordMalformedLocked records a frame that did not parse, which nobody
// received; st is its failed TX status.
func (m *Medium) recordMalformedLocked(tx *radio, f *hwsim.Frame, st *hwsim.TxStatus) {
	rt := route{f: f, tx: tx}
	tr := m.takeRecordLocked(&rt, f)
	tr.Malformed = true
	completeLocked(tr, st, false, false)
}
