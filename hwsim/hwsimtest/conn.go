// Package hwsimtest provides an in-memory hwsim.Conn for testing a medium
// without a kernel: tests push batches of events in and read back what the
// medium sent, one flushed batch at a time.
package hwsimtest

import (
	"context"
	"slices"
	"sync"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
)

// Batch is what the medium sent between two flushes.
type Batch struct {
	Deliveries []hwsim.Delivery
	Statuses   []hwsim.TxStatus
}

// Conn is a fake kernel connection. Push events with Send; each batch the
// medium flushes arrives on Flushed.
type Conn struct {
	in      chan []hwsim.Event
	Flushed chan Batch

	mu  sync.Mutex
	cur Batch
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

// Deliver implements hwsim.Conn; it copies the data as the real one does.
func (c *Conn) Deliver(d *hwsim.Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	dd := *d
	dd.Data = slices.Clone(d.Data)
	c.cur.Deliveries = append(c.cur.Deliveries, dd)
	return nil
}

// Status implements hwsim.Conn.
func (c *Conn) Status(s *hwsim.TxStatus) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur.Statuses = append(c.cur.Statuses, *s)
	return nil
}

// Flush implements hwsim.Conn.
func (c *Conn) Flush() error {
	c.mu.Lock()
	b := c.cur
	c.cur = Batch{}
	c.mu.Unlock()
	c.Flushed <- b
	return nil
}

var _ hwsim.Conn = (*Conn)(nil)
