package hwsim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// genlRequester runs request/response exchanges with one generic-netlink
// family on a connection it owns.
type genlRequester struct {
	mu     sync.Mutex
	conn   *genetlink.Conn
	family genetlink.Family
}

// execute sends one request (netlink.Request is implied) and collects the
// replies that carry its sequence number. Replies to earlier requests that
// were abandoned (ctx cancelled) are skipped. The second result is the OR
// of the replies' netlink flags (to see DumpInterrupted). Successful
// acknowledgements are not returned as messages. Kernel errors come back as
// *netlink.OpError.
func (r *genlRequester) execute(ctx context.Context, cmd uint8, attrs []byte, flags netlink.HeaderFlags) ([]genetlink.Message, netlink.HeaderFlags, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	defer watchContext(ctx, r.conn)()

	msg := genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: r.family.Version},
		Data:   attrs,
	}
	req, err := r.conn.Send(msg, r.family.ID, netlink.Request|flags)
	if err != nil {
		return nil, 0, contextErr(ctx, err)
	}
	dump := flags&netlink.Dump != 0
	var out []genetlink.Message
	var seen netlink.HeaderFlags
	for {
		gmsgs, nmsgs, err := r.conn.Receive()
		if err != nil {
			var oe *netlink.OpError
			if errors.As(err, &oe) && oe.Sequence != 0 && oe.Sequence != req.Header.Sequence {
				continue // error for an abandoned request
			}
			return nil, 0, contextErr(ctx, err)
		}
		mine := false
		for i := range nmsgs {
			if nmsgs[i].Header.Sequence != req.Header.Sequence {
				continue
			}
			mine = true
			seen |= nmsgs[i].Header.Flags
			if nmsgs[i].Header.Type == netlink.Error {
				continue // success acknowledgement
			}
			out = append(out, gmsgs[i])
		}
		// An empty dump ends with a bare NLMSG_DONE, which the library
		// swallows: no messages at all then means "done".
		if mine || (dump && len(nmsgs) == 0) {
			return out, seen, nil
		}
	}
}

// resolveFamily looks a family up, turning "no such family" into notFound.
func resolveFamily(ctx context.Context, conn *genetlink.Conn, name string, notFound error) (genetlink.Family, error) {
	if err := ctx.Err(); err != nil {
		return genetlink.Family{}, err
	}
	release := watchContext(ctx, conn)
	fam, err := conn.GetFamily(name)
	release()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return genetlink.Family{}, fmt.Errorf("resolve family %s: %w", name, notFound)
		}
		return genetlink.Family{}, fmt.Errorf("resolve family %s: %w", name, contextErr(ctx, err))
	}
	return fam, nil
}

// watchContext applies ctx's deadline to conn and makes a cancellation of
// ctx interrupt a blocked read. The returned function undoes both; call it
// before the next use of conn. Connections without deadline support (test
// fakes) are left alone.
func watchContext(ctx context.Context, conn *genetlink.Conn) func() {
	dl, hasDeadline := ctx.Deadline()
	if hasDeadline {
		_ = conn.SetDeadline(dl)
	}
	if ctx.Done() == nil {
		return func() {
			if hasDeadline {
				_ = conn.SetDeadline(time.Time{})
			}
		}
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
	return func() {
		if !stop() {
			<-fired
		}
		if hasDeadline || ctx.Err() != nil {
			_ = conn.SetDeadline(time.Time{})
		}
	}
}

// contextErr prefers the context's error when ctx ended the operation.
func contextErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// nlKernelError presents a kernel's NLMSG_ERROR without the library's
// "netlink receive:" prefix, and with the kernel's extended-ack text when
// there is one. It unwraps to the *netlink.OpError.
type nlKernelError struct {
	op *netlink.OpError
}

func (e *nlKernelError) Error() string {
	s := e.op.Err.Error()
	if e.op.Message != "" {
		s += " (kernel: " + e.op.Message + ")"
	}
	return s
}

func (e *nlKernelError) Unwrap() error { return e.op }

// kernelErr wraps errors that the kernel sent in reply to a request in an
// nlKernelError; other errors are returned unchanged.
func kernelErr(err error) error {
	var oe *netlink.OpError
	if errors.As(err, &oe) && oe.Op == "receive" && oe.Sequence != 0 && oe.Err != nil {
		var errno syscall.Errno
		if errors.As(oe.Err, &errno) {
			return &nlKernelError{op: oe}
		}
	}
	return err
}
