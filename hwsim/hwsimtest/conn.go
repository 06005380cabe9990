// Package hwsimtest provides an in-memory hwsim.Conn for testing a medium
// without a kernel: tests push batches of events in and read back what the
// medium sent, one flushed batch at a time.
package hwsimtest

import (
	"context"
	"slices"
	"sync"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Batch is what the medium sent between two flushes.
type Batch struct {
	Deliveries []hwsim.Delivery
	Statuses   []hwsim.TxStatus
	// Err is the error its Flush returned (FailNextFlush): the kernel got
	// none of it.
	Err error
}

// Conn is a fake kernel connection. Push events with Send; each batch the
// medium flushes arrives on Flushed.
type Conn struct {
	in      chan []hwsim.Event
	Flushed chan Batch

	mu  sync.Mutex
	cur Batch
	// refuse holds receivers whose deliveries the kernel would refuse
	// (idle, stopped or tuned elsewhere).
	refuse map[mac.Addr]bool
	// answers are the tickets of the current batch, by ticket - 1: whether
	// the delivery was taken.
	answers []bool
	// fail is returned by the next Flush.
	fail error
	// pending holds the rest of a pushed batch that did not fit.
	pending []hwsim.Event
}

// NewConn returns a fake with room for a few unread batches.
func NewConn() *Conn {
	return &Conn{in: make(chan []hwsim.Event, 16), Flushed: make(chan Batch, 16)}
}

// Send queues events for the medium to receive in one Receive call.
func (c *Conn) Send(evs ...hwsim.Event) { c.in <- evs }

// Receive implements hwsim.Conn.
func (c *Conn) Receive(ctx context.Context, evs []hwsim.Event) (int, error) {
	if len(c.pending) == 0 {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case b := <-c.in:
			c.pending = b
		}
	}
	n := copy(evs, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// Refuse makes deliveries to the radio with hwsim address rx fail (or
// succeed again, with refuse false), as the kernel refuses them for a radio
// that is idle, stopped or on another channel. Refused deliveries are still
// recorded in the batch, as the real socket still sends them.
func (c *Conn) Refuse(rx mac.Addr, refuse bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refuse == nil {
		c.refuse = map[mac.Addr]bool{}
	}
	c.refuse[rx] = refuse
}

// Deliver implements hwsim.Conn; it copies the data as the real one does.
func (c *Conn) Deliver(d *hwsim.Delivery) hwsim.Ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	dd := *d
	dd.Data = slices.Clone(d.Data)
	c.cur.Deliveries = append(c.cur.Deliveries, dd)
	if !d.Answer {
		return 0
	}
	c.answers = append(c.answers, !c.refuse[d.Receiver])
	return hwsim.Ticket(len(c.answers))
}

// Sync implements hwsim.Conn: the fake answers at once.
func (c *Conn) Sync() {}

// Delivered implements hwsim.Conn.
func (c *Conn) Delivered(t hwsim.Ticket) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return t > 0 && int(t) <= len(c.answers) && c.answers[t-1]
}

// Status implements hwsim.Conn.
func (c *Conn) Status(s *hwsim.TxStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.Statuses = append(c.cur.Statuses, *s)
}

// FailNextFlush makes the next Flush fail with err, as a send the kernel
// refuses.
func (c *Conn) FailNextFlush(err error) {
	c.mu.Lock()
	c.fail = err
	c.mu.Unlock()
}

// Flush implements hwsim.Conn.
func (c *Conn) Flush() error {
	c.mu.Lock()
	b := c.cur
	b.Err, c.fail = c.fail, nil
	c.cur = Batch{}
	c.answers = c.answers[:0]
	c.mu.Unlock()
	c.Flushed <- b
	return b.Err
}

var _ hwsim.Conn = (*Conn)(nil)
