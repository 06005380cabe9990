package hwsim

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ErrBusy is returned by Register when another medium already serves the
// network namespace: the kernel allows one per namespace.
var ErrBusy = errors.New("another medium is already registered with mac80211_hwsim in this network namespace")

const (
	// socketBuffer is the receive and send buffer we ask for. Beacons of
	// many radios and TCP windows arrive in bursts; 8 MiB showed no
	// ENOBUFS in the performance measurements.
	socketBuffer = 8 << 20
	// maxMessage bounds one netlink message from the kernel: an 802.11
	// frame (at most ~8 KiB with A-MSDU) plus attributes.
	maxMessage = 32 << 10
	// recvBuffer holds the datagrams of one Receive call.
	recvBuffer = 1 << 20
	// sendFlushAt triggers an early send when the batch grows past it.
	sendFlushAt = 256 << 10
	// pollInterval bounds how long a blocking receive waits before it looks
	// at ctx again. Blocking reads measured faster than Go's poller here.
	pollInterval = 200 * time.Millisecond
)

// SocketStats are counters of the frame socket.
type SocketStats struct {
	// Overruns counts ENOBUFS: the kernel dropped messages because the
	// receive buffer was full.
	Overruns uint64
	// Rejected counts deliveries or statuses the kernel refused (normally
	// deliveries to idle or off-channel radios).
	Rejected uint64
	// Malformed counts datagrams that did not decode and were skipped.
	Malformed uint64
	// Sends counts send system calls; Messages the messages they carried.
	Sends, Messages uint64
	// Skipped counts deliveries not sent because their receiver had just
	// rejected one on that channel (see deafness).
	Skipped uint64
}

// FrameSocket is the netlink socket registered as the medium: it implements
// Conn with one blocking socket, hand-encoded messages and batched sends.
// Receive and the sending methods may run on different goroutines, but each
// of them on one goroutine at a time.
type FrameSocket struct {
	fd   int
	enc  Encoder
	deaf *deafness

	rbuf []byte
	sbuf []byte
	msgs uint64

	overruns, rejected, malformed, sends, messages, skipped atomic.Uint64
}

// OpenFrameSocket opens a generic-netlink socket for the hwsim family id
// (from Client.FamilyID) with large buffers. Call Register next.
func OpenFrameSocket(family uint16) (*FrameSocket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("open hwsim frame socket: %w", err)
	}
	s := newFrameSocket(fd, family)
	if err := s.setup(); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return s, nil
}

func newFrameSocket(fd int, family uint16) *FrameSocket {
	return &FrameSocket{fd: fd, enc: Encoder{Family: family}, deaf: newDeafness(time.Now),
		rbuf: make([]byte, recvBuffer), sbuf: make([]byte, 0, sendFlushAt+maxMessage)}
}

func (s *FrameSocket) setup() error {
	if err := unix.Bind(s.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("bind hwsim frame socket: %w", err)
	}
	// Connected to the kernel, plain write(2) sends without building a
	// destination address per call.
	if err := unix.Connect(s.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("connect hwsim frame socket: %w", err)
	}
	// The FORCE variants pass the sysctl limits (root only); fall back to
	// the capped ones.
	for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
		if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, o[0], socketBuffer); err != nil {
			if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, o[1], socketBuffer); err != nil {
				return fmt.Errorf("size hwsim frame socket buffers: %w", err)
			}
		}
	}
	// Rejected deliveries come back as error messages even without an ack
	// request; CAP_ACK keeps the kernel from echoing the whole frame in them.
	_ = unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, unix.NETLINK_CAP_ACK, 1)
	tv := unix.NsecToTimeval(pollInterval.Nanoseconds())
	if err := unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("set hwsim frame socket timeout: %w", err)
	}
	return nil
}

// Register makes this socket the medium of the current network namespace.
// From then on the kernel sends every transmitted frame here and no longer
// delivers frames between radios itself, until the socket closes.
func (s *FrameSocket) Register(ctx context.Context) error {
	req := s.enc.AppendRegister(nil)
	seq := s.enc.seq
	if _, err := unix.Write(s.fd, req); err != nil {
		return fmt.Errorf("register as hwsim medium: %w", err)
	}
	var d Decoded
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("register as hwsim medium: %w", err)
		}
		n, err := recv(s.fd, s.rbuf, 0)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("register as hwsim medium: %w", err)
		}
		for b := s.rbuf[:n]; len(b) > 0; {
			used, err := DecodeMessage(s.enc.Family, b, &d)
			if err != nil {
				return fmt.Errorf("register as hwsim medium: %w", err)
			}
			b = b[used:]
			if !d.IsAck || d.Ack.Seq != seq {
				continue
			}
			switch errno := unix.Errno(-d.Ack.Errno); {
			case d.Ack.Errno == 0:
				return nil
			case errno == unix.EBUSY:
				return ErrBusy
			default:
				return fmt.Errorf("register as hwsim medium: %w", errno)
			}
		}
	}
}

// Receive implements Conn. It blocks for the first datagram, then drains
// whatever else is queued without blocking, so one call returns a burst.
// (recvmmsg(2) would save the final receive that fails with EAGAIN, but
// measured no faster here: see docs/benchmarks.md.)
func (s *FrameSocket) Receive(ctx context.Context, evs []Event) (int, error) {
	s.deaf.newBatch()
	n := 0
	off := 0
	for n < len(evs) && off+maxMessage <= len(s.rbuf) {
		flags := unix.MSG_DONTWAIT
		if n == 0 {
			// Checked before every blocking receive: under steady
			// traffic the receive timeout never fires.
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			flags = 0
		}
		got, err := recv(s.fd, s.rbuf[off:], flags)
		switch {
		case err == nil:
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			if n > 0 {
				return n, nil
			}
			continue
		case errors.Is(err, unix.ENOBUFS):
			// The kernel dropped messages; the socket stays usable.
			s.overruns.Add(1)
			continue
		default:
			return n, fmt.Errorf("receive from hwsim: %w", err)
		}
		n = s.decode(s.rbuf[off:off+got], evs, n)
		off += align4(got)
	}
	return n, nil
}

// decode stores the events of one datagram in evs from index n on and
// returns the new count.
func (s *FrameSocket) decode(b []byte, evs []Event, n int) int {
	var d Decoded
	for len(b) > 0 && n < len(evs) {
		used, err := DecodeMessage(s.enc.Family, b, &d)
		if err != nil {
			// One bad message must not stop the air: skip the rest of
			// the datagram and count it.
			s.malformed.Add(1)
			break
		}
		b = b[used:]
		switch {
		case d.HasEvent:
			evs[n] = d.Event
			n++
			s.deaf.heard(&d.Event)
		case d.IsAck && d.Ack.Errno != 0:
			s.rejected.Add(1)
			s.deaf.rejected(d.Ack.Seq)
		case d.Overrun:
			s.overruns.Add(1)
		}
	}
	return n
}

// Deliver implements Conn.
// Deliveries to a radio that has just rejected one on the same channel are
// skipped (counted in Stats().Skipped), see deafness.
func (s *FrameSocket) Deliver(d *Delivery) error {
	if s.deaf.skip(d.Receiver, d.Freq) {
		s.skipped.Add(1)
		return nil
	}
	s.sbuf = s.enc.AppendDelivery(s.sbuf, d)
	s.deaf.noteSent(s.enc.seq, d.Receiver, d.Freq)
	return s.queued()
}

// Status implements Conn.
func (s *FrameSocket) Status(st *TxStatus) error {
	s.sbuf = s.enc.AppendStatus(s.sbuf, st)
	return s.queued()
}

func (s *FrameSocket) queued() error {
	s.msgs++
	if len(s.sbuf) >= sendFlushAt {
		return s.Flush()
	}
	return nil
}

// Flush implements Conn: one send carries every queued message, which the
// kernel processes in order.
func (s *FrameSocket) Flush() error {
	if len(s.sbuf) == 0 {
		return nil
	}
	_, err := unix.Write(s.fd, s.sbuf)
	s.sends.Add(1)
	s.messages.Add(s.msgs)
	s.sbuf = s.sbuf[:0]
	s.msgs = 0
	if err != nil {
		return fmt.Errorf("send to hwsim: %w", err)
	}
	return nil
}

// Stats returns the socket's counters.
func (s *FrameSocket) Stats() SocketStats {
	return SocketStats{Overruns: s.overruns.Load(), Rejected: s.rejected.Load(), Malformed: s.malformed.Load(),
		Sends: s.sends.Load(), Messages: s.messages.Load(), Skipped: s.skipped.Load()}
}

// Close closes the socket; the kernel then unregisters the medium and goes
// back to delivering frames itself.
func (s *FrameSocket) Close() error {
	if err := unix.Close(s.fd); err != nil {
		return fmt.Errorf("close hwsim frame socket: %w", err)
	}
	return nil
}

var _ Conn = (*FrameSocket)(nil)

// recv is recvfrom(2) without a source address: unix.Recvfrom allocates
// one per call, which the per-frame path avoids.
func recv(fd int, b []byte, flags int) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
