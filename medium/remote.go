package medium

import (
	"context"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

// The medium's side of a federated air (bus.go says how the members share
// it): other members' radios, frames published and received, and the TX
// statuses held for other members' answers.

const (
	// DefaultHeldAckTimeout is how long a frame to another member's radio
	// waits for that member's answer before its TX status reports no ack.
	// The answer crosses the bus twice; measured on this project's VMs
	// (TCG, through QEMU's user network) it takes a few milliseconds
	// (docs/benchmarks.md), so only a lost answer waits this long.
	DefaultHeldAckTimeout = 250 * time.Millisecond
	// maxHeld bounds the TX statuses waiting for answers: past it, a
	// frame to another member's radio is reported unacked at once.
	maxHeld = 1024
	// MaxMemberRadios bounds the radios one member may claim.
	MaxMemberRadios = 4096
)

// heldFrame is the TX status of a frame to another member's radio,
// waiting for that member's answer.
type heldFrame struct {
	seq uint64
	// member serves the addressee: only its answer counts.
	member   string
	tx       *radio
	st       hwsim.TxStatus
	deadline time.Time
	done     bool
}

// publishLocked puts a frame of one of this medium's radios on the bus. It
// reports whether the frame's TX status is now held for the answer of the
// member that serves its addressee.
func (m *Medium) publishLocked(rt *route, st *hwsim.TxStatus) bool {
	f := rt.f
	m.busSeq++
	held := rt.dst != nil && rt.dst.member != "" && !rt.noAck()
	m.busFrame = BusFrame{Seq: m.busSeq, WantAck: held, Transmitter: f.Transmitter, Freq: f.Freq, Flags: f.Flags, Rates: f.Rates, Data: f.Data}
	m.bus.Publish(&m.busFrame)
	m.busStats.FramesOut++
	if !held {
		return false
	}
	if len(m.held) >= maxHeld {
		m.busStats.HeldOverflow++
		return false
	}
	m.held = append(m.held, heldFrame{seq: m.busSeq, member: rt.dst.member, tx: rt.tx, st: *st, deadline: m.now().Add(m.heldWait)})
	return true
}

// AckFromBus settles the held TX statuses of the frames the answers are
// for: each answer counts only from the member that serves its frame's
// addressee (BusAck.Member). A burst takes one lock and one send.
func (m *Medium) AckFromBus(as []BusAck) {
	m.mu.Lock()
	defer m.mu.Unlock()
	conn := m.conn
	settled := false
	for i := range as {
		if conn != nil && m.settleAnswerLocked(conn, &as[i]) {
			m.busStats.AcksIn++
			settled = true
			continue
		}
		// Late (after the timeout), for a frame nobody sent, or from a
		// member that does not serve the addressee.
		m.busStats.Rejected++
	}
	if settled {
		m.dropSettledLocked()
		m.flushLocked(conn)
	}
}

// settleAnswerLocked settles the held status a answers, if it may.
func (m *Medium) settleAnswerLocked(conn hwsim.Conn, a *BusAck) bool {
	for i := range m.held {
		h := &m.held[i]
		if h.seq != a.Seq || h.done {
			continue
		}
		if h.member != a.Member {
			return false
		}
		m.settleHeldLocked(conn, h, a)
		return true
	}
	return false
}

// settleHeldLocked reports the held status h: acked as the answer a says,
// or not acked when no answer came (a nil).
func (m *Medium) settleHeldLocked(conn hwsim.Conn, h *heldFrame, a *BusAck) {
	h.done = true
	// The radio may be gone (its counters with it); the kernel still
	// gets the status.
	var stats *RadioStats
	if m.radioByIDLocked(h.tx.ID) == h.tx {
		stats = &h.tx.stats
	}
	// The answering member walked the retry chain only with a loss model.
	var tries *[hwsim.MaxTxRates]hwsim.TxRate
	if a != nil && a.Tries[0].Idx >= 0 {
		tries = &a.Tries
	}
	acked := a != nil && a.Acked
	if acked {
		h.st.Signal = a.Signal
	}
	settleStatus(&h.st, stats, false, acked, tries)
	conn.Status(&h.st)
}

// dropSettledLocked forgets the settled statuses at the front of the
// queue; answers mostly come in order, so the queue stays short.
func (m *Medium) dropSettledLocked() {
	n := 0
	for n < len(m.held) && m.held[n].done {
		n++
	}
	if n == 0 {
		return
	}
	k := copy(m.held, m.held[n:])
	clear(m.held[k:])
	m.held = m.held[:k]
}

// expireHeld reports the held statuses whose answer did not come in time
// as not acked.
func (m *Medium) expireHeld() {
	m.mu.Lock()
	defer m.mu.Unlock()
	conn := m.conn
	if conn == nil || len(m.held) == 0 {
		return
	}
	now := m.now()
	expired := false
	for i := range m.held {
		h := &m.held[i]
		if h.done || now.Before(h.deadline) {
			continue
		}
		m.settleHeldLocked(conn, h, nil)
		m.busStats.AckTimeouts++
		expired = true
	}
	if expired {
		m.dropSettledLocked()
		m.flushLocked(conn)
	}
}

// startHeldExpiry expires held statuses until ctx ends or the returned
// function is called, which waits for it to stop.
func (m *Medium) startHeldExpiry(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(max(m.heldWait/4, 5*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				m.expireHeld()
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// FromBus routes frames that other members' radios sent (each
// BusFrame.Member's) to this medium's radios, through the same blocks,
// denylist and link model as frames of its own radios, and answers for
// the addressees that are its radios. A burst is routed under one lock,
// with one wait for the kernel's answers and one send: under TCG a
// system call and a wake-up cost more than routing a frame. A frame from
// a radio its member does not serve is dropped and counted. It returns at
// once when the medium does not run (yet).
func (m *Medium) FromBus(bfs []BusFrame) {
	m.mu.Lock()
	defer m.mu.Unlock()
	conn := m.conn
	if conn == nil {
		m.busStats.Rejected += uint64(len(bfs))
		return
	}
	if cap(m.busRx) < len(bfs) {
		m.busRx = make([]hwsim.Frame, len(bfs))
	}
	m.busRx = m.busRx[:len(bfs)]
	answering := m.answering[:0]
	synced := false
	for i := range bfs {
		bf := &bfs[i]
		tx := m.byHW[bf.Transmitter]
		if tx == nil || tx.member == "" || tx.member != bf.Member {
			m.busStats.Rejected++
			continue
		}
		f := &m.busRx[i]
		*f = hwsim.Frame{Transmitter: bf.Transmitter, Data: bf.Data, Flags: bf.Flags, Rates: bf.Rates, Freq: bf.Freq}
		a := remoteFrame{seq: bf.Seq, member: bf.Member}
		if !m.beginLocked(&a.rt, f, &a.st) {
			continue
		}
		m.busStats.FramesIn++
		a.tries = f.Rates
		if m.tap != nil {
			a.rec = m.takeRecordLocked(&a.rt, f)
		}
		a.ticket, a.signal = m.deliverLocked(conn, &a.rt, &a.tries, a.rec)
		a.answer = bf.WantAck && a.rt.dst != nil && a.rt.dst.member == "" && !a.rt.noAck()
		if a.ticket != 0 || a.answer || a.rec != nil {
			synced = synced || a.ticket != 0
			answering = append(answering, a)
		}
	}
	if synced {
		conn.Sync()
	}
	for i := range answering {
		a := &answering[i]
		acked := conn.Delivered(a.ticket)
		if a.answer {
			ack := BusAck{Seq: a.seq, Acked: acked, Signal: a.signal}
			if m.loss != nil {
				ack.Tries = a.tries
			} else {
				ack.Tries[0].Idx = -1
			}
			m.bus.Answer(a.member, &ack)
			m.busStats.AcksOut++
		}
		if a.rec != nil {
			// The sender's member reports the status; the record shows
			// what it will say.
			m.settleLocked(&a.rt, &a.st, acked, m.walked(&a.tries))
			completeLocked(a.rec, &a.st, a.ticket != 0, acked)
		}
	}
	if m.tapRecs.used > 0 {
		m.handOverLocked()
	}
	clear(answering)
	m.answering = answering[:0]
	m.flushLocked(conn)
}

// remoteFrame is a frame from the bus whose addressee's answer, or whose
// capture record, waits for the burst's Sync: an awaited frame of another
// member, which reports its TX status itself.
type remoteFrame struct {
	awaited
	seq    uint64
	member string
	// answer: the sender's member waits for this member's answer.
	answer bool
}

// SetMemberRadios makes the radios another member serves known as its:
// new ones are added, those it no longer lists are removed (nil: the
// member left). A radio of this medium's kernel that this medium neither
// created nor heard from is handed over (two media in network namespaces
// of one kernel both see every radio). Claims that clash with another
// radio's name or hwsim address are refused and returned.
func (m *Medium) SetMemberRadios(member string, rs []RemoteRadio) []Clash {
	m.mu.Lock()
	defer m.mu.Unlock()
	var clashes []Clash
	claimed := map[*radio]bool{}
	if len(rs) > MaxMemberRadios {
		rs = rs[:MaxMemberRadios]
	}
	for i := range rs {
		rc := &rs[i]
		if rc.Name == "" || rc.HWAddr.IsZero() {
			continue
		}
		r := m.byHW[rc.HWAddr]
		named := m.namedLocked(rc.Name)
		if r != nil && r.member != member && !handedOver(r) {
			clashes = append(clashes, Clash{Radio: *rc, Member: member, Holder: r.member, HolderRadio: r.Name})
			continue
		}
		if named != nil && named != r && named.member != member && !handedOver(named) {
			clashes = append(clashes, Clash{Radio: *rc, Member: member, Holder: named.member, HolderRadio: named.Name})
			continue
		}
		if named != nil && named != r {
			// The member's radio of this name has a new address, or this
			// medium knew it under a guessed one: it is this one now.
			m.removeLocked(named)
		}
		if r == nil {
			r = m.radioLocked(rc.HWAddr)
		}
		m.announcedLocked(r)
		if r.member == "" {
			r.member = member
			m.remotes++
			m.log.Info("radio joined from another member", "radio", rc.Name, "iface", rc.Iface, "member", member)
		}
		// Another radio's address is not taken over.
		m.nameLocked(r, rc.Name, rc.Iface, rc.Addrs, func(o *radio) bool { return o.member == member })
		claimed[r] = true
	}
	for _, r := range m.radios {
		if r != nil && r.member == member && !claimed[r] {
			m.log.Info("radio left with its member", "radio", r.Name, "member", member)
			m.removeLocked(r)
		}
	}
	m.resolveDenyLocked()
	return clashes
}

// handedOver reports whether r, known to this medium, may become another
// member's: a radio of this kernel that this medium neither created nor
// heard from (two media in network namespaces of one kernel both see
// every radio; frames reach only the medium of the namespace a radio was
// created in).
func handedOver(r *radio) bool { return r.member == "" && !r.owned && !r.served }

// LocalRadios returns the radios this medium serves in a federated air:
// those it created or took over, and those whose frames come to it.
func (m *Medium) LocalRadios() []RemoteRadio {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []RemoteRadio
	for _, r := range m.radios {
		if r == nil || r.member != "" || !(r.owned || r.served) {
			continue
		}
		out = append(out, RemoteRadio{Name: r.Name, Iface: r.Iface, HWAddr: r.HW, Addrs: m.addrsLocked(r)})
	}
	return out
}

// BusStats returns the counters of the medium's traffic with the other
// members of its air.
func (m *Medium) BusStats() BusStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.busStats
}
