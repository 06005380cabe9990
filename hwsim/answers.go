package hwsim

import (
	"sync"
	"time"
)

// The kernel processes a netlink send synchronously: by the time write(2)
// returns, mac80211_hwsim has taken or refused every delivery in it, and
// each refusal (EINVAL: the receiver is idle, stopped or on another
// channel) is already queued on the socket as an error message. Accepted
// deliveries send nothing back (no NLM_F_ACK), which keeps the fast path
// at one message per receiver. To know when every refusal of a send has
// been read, the last delivery of the send that asked for an answer
// carries NLM_F_ACK: the kernel answers it (0 or an error) after the
// errors of everything before it, so its answer is the marker that the
// others are in.

// answer is one delivery whose outcome the medium waits for.
type answer struct {
	seq     uint32
	refused bool
}

// answers tracks the deliveries that asked for an answer since the last
// Flush. The goroutine that reads the socket records refusals and the
// marker; Sync may wait on another goroutine's read (airtime mode receives
// on its own goroutine), hence the lock and the channel.
type answers struct {
	mu     sync.Mutex
	seqs   []answer // in sequence order
	marker uint32   // seq whose answer ends the current wait; 0: none
	// came receives a value when the marker's answer is read.
	came chan struct{}
}

func newAnswers() *answers {
	return &answers{seqs: make([]answer, 0, 64), came: make(chan struct{}, 1)}
}

// add records a queued delivery that asked for an answer.
func (a *answers) add(seq uint32) {
	a.mu.Lock()
	a.seqs = append(a.seqs, answer{seq: seq})
	a.mu.Unlock()
}

// await makes seq the marker to wait for.
func (a *answers) await(seq uint32) {
	a.mu.Lock()
	a.marker = seq
	a.mu.Unlock()
	// A value left by an earlier marker would end the next wait early.
	select {
	case <-a.came:
	default:
	}
}

// waiting reports whether the marker's answer has not come yet.
func (a *answers) waiting() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.marker != 0
}

// heard records the kernel's answer errno (0: taken) to message seq.
func (a *answers) heard(seq uint32, errno int32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if errno != 0 {
		a.refuseLocked(seq)
	}
	if seq == a.marker && seq != 0 {
		a.marker = 0
		select {
		case a.came <- struct{}{}:
		default:
		}
	}
}

func (a *answers) refuseLocked(seq uint32) {
	// Refusals mostly concern the last few deliveries: search backwards.
	for i := len(a.seqs) - 1; i >= 0; i-- {
		if a.seqs[i].seq == seq {
			a.seqs[i].refused = true
			return
		}
	}
}

// lost marks every delivery from seq on as refused: its send failed, so
// the kernel never saw it. The marker of that send will not be answered.
func (a *answers) lost(from uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.seqs {
		if !before(a.seqs[i].seq, from) {
			a.seqs[i].refused = true
		}
	}
	if a.marker != 0 && !before(a.marker, from) {
		a.marker = 0
	}
}

// giveUp stops waiting for the marker (its answer was lost in a receive
// overrun): what was not refused by then counts as taken.
func (a *answers) giveUp() {
	a.mu.Lock()
	a.marker = 0
	a.mu.Unlock()
}

// wait blocks until the marker's answer came or d passed; it reports
// whether it came.
func (a *answers) wait(d time.Duration) bool {
	if !a.waiting() {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.came:
		return true
	case <-t.C:
		return !a.waiting()
	}
}

// taken reports whether the delivery t was sent and not refused.
func (a *answers) taken(t Ticket) bool {
	if t == 0 {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(a.seqs) - 1; i >= 0; i-- {
		if a.seqs[i].seq == uint32(t) {
			return !a.seqs[i].refused
		}
	}
	return false
}

// reset forgets the answers: their tickets are spent (Flush).
func (a *answers) reset() {
	a.mu.Lock()
	a.seqs = a.seqs[:0]
	a.marker = 0
	a.mu.Unlock()
}

// before reports whether sequence number x was used before y, across the
// wrap of the 32-bit counter.
func before(x, y uint32) bool { return int32(x-y) < 0 }
