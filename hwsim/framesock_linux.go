package hwsim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

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
	// answerWait bounds how long Sync waits for another goroutine to read
	// the kernel's answers. They are queued before our send returns, so
	// this passes only when they were lost to a receive overrun.
	answerWait = pollInterval
	// syncStep is how often Sync looks whether the socket is free while
	// another goroutine holds it.
	syncStep = time.Millisecond
)

// FrameSocket is the netlink socket registered as the medium: it implements
// Conn with one blocking socket, hand-encoded messages and batched sends.
// Receive and the sending methods may run on different goroutines, but each
// of them on one goroutine at a time.
type FrameSocket struct {
	fd   int
	enc  Encoder
	deaf *deafness
	ans  *answers

	// rmu is held by whoever reads the socket: Receive, or Sync when it
	// reads the kernel's answers itself.
	rmu  sync.Mutex
	rbuf []byte
	// Datagrams with events that Sync read while it waited for answers,
	// for the next Receive: rbuf[pstart:pend], one length each in plens.
	// They lie after the datagrams of the last Receive, whose events are
	// still in use.
	pstart, pend int
	plens        []int

	sbuf []byte
	msgs uint64
	mark int   // offset in sbuf of the last delivery asking for an answer; -1: none
	err  error // first send error since the last Flush

	overruns, rejected, malformed, sends, messages, skipped, sendErrors, unanswered atomic.Uint64
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
	return &FrameSocket{fd: fd, enc: Encoder{Family: family}, deaf: newDeafness(time.Now), ans: newAnswers(),
		rbuf: make([]byte, recvBuffer), sbuf: make([]byte, 0, sendFlushAt+maxMessage), mark: -1}
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
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.deaf.newBatch()
	n, off := s.takePending(evs)
	defer func() {
		if len(s.plens) == 0 {
			// Sync reads answers into the space after this batch.
			s.pstart, s.pend = off, off
		}
	}()
	for n < len(evs) && off+maxMessage <= len(s.rbuf) && len(s.plens) == 0 {
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
		if flags == 0 {
			// Time passed while it blocked: a rejection read before
			// must not look as recent as the frames read now.
			s.deaf.newBatch()
		}
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

// takePending moves the datagrams Sync read to the front of the receive
// buffer (the previous batch's events are spent) and decodes as many as
// evs holds. It returns the events stored and the end of what it used;
// datagrams that did not fit stay pending.
func (s *FrameSocket) takePending(evs []Event) (n, off int) {
	if len(s.plens) == 0 {
		return 0, 0
	}
	end := copy(s.rbuf, s.rbuf[s.pstart:s.pend])
	i := 0
	for ; i < len(s.plens) && n < len(evs); i++ {
		n = s.decode(s.rbuf[off:off+s.plens[i]], evs, n)
		off += align4(s.plens[i])
	}
	s.pstart, s.pend = off, end
	s.plens = append(s.plens[:0], s.plens[i:]...)
	return n, off
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
		case d.IsAck:
			s.answered(&d.Ack)
		case d.Overrun:
			s.overruns.Add(1)
		}
	}
	return n
}

// answered takes the kernel's answer to one of our messages.
func (s *FrameSocket) answered(k *KernelError) {
	if k.Errno != 0 {
		s.rejected.Add(1)
		s.deaf.rejected(k.Seq)
	}
	s.ans.heard(k.Seq, k.Errno)
}

// Deliver implements Conn.
// Deliveries to a radio that has just rejected one on the same channel are
// skipped (counted in Stats().Skipped; see deafness), unless d.Answer asks
// for the kernel's answer.
func (s *FrameSocket) Deliver(d *Delivery) Ticket {
	if !d.Answer && s.deaf.skip(d.Receiver, d.Freq) {
		s.skipped.Add(1)
		return 0
	}
	off := len(s.sbuf)
	s.sbuf = s.enc.AppendDelivery(s.sbuf, d)
	seq := s.enc.seq
	s.deaf.noteSent(seq, d.Receiver, d.Freq)
	var t Ticket
	if d.Answer {
		s.ans.add(seq)
		s.mark = off
		t = Ticket(seq)
	}
	s.queued()
	return t
}

// Sync implements Conn. The answers are on the socket when the send
// returns (see answers), so reading them costs one receive; when another
// goroutine is receiving (airtime mode) it reads them for us.
func (s *FrameSocket) Sync() {
	s.send()
	if !s.ans.waiting() {
		return
	}
	// Another goroutine holds the socket: it is either blocked in
	// Receive, where it reads the answers for us, or it has just
	// returned from Receive and may be waiting for a lock our caller
	// holds (the medium's, in airtime mode and for frames from other
	// members). So wait in short steps and take the socket as soon as it
	// is free, rather than wait answerWait for a reader that never comes.
	deadline := time.Now().Add(answerWait)
	for {
		if s.rmu.TryLock() {
			s.readAnswers()
			s.rmu.Unlock()
			return
		}
		if s.ans.wait(syncStep) {
			return
		}
		if time.Now().After(deadline) {
			s.ans.giveUp()
			s.unanswered.Add(1)
			return
		}
	}
}

// readAnswers reads the socket until the marker's answer came. Datagrams
// with events are kept for the next Receive. With rmu held.
func (s *FrameSocket) readAnswers() {
	for s.ans.waiting() {
		if s.pend+maxMessage > len(s.rbuf) {
			break
		}
		// Blocking, but the answer is already queued: the receive
		// timeout passes only if it was lost.
		got, err := recv(s.fd, s.rbuf[s.pend:], 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ENOBUFS) {
			// The kernel dropped messages: the answer may be among them.
			s.overruns.Add(1)
		}
		if err != nil {
			break
		}
		if s.answersIn(s.rbuf[s.pend : s.pend+got]) {
			s.plens = append(s.plens, got)
			s.pend += align4(got)
		}
	}
	if s.ans.waiting() {
		s.ans.giveUp()
		s.unanswered.Add(1)
	}
}

// answersIn takes the answers in one datagram and reports whether it also
// holds events (decoded again by Receive; the kernel sends answers and
// events in datagrams of their own, so nothing is taken twice).
func (s *FrameSocket) answersIn(b []byte) (events bool) {
	var d Decoded
	for len(b) > 0 {
		used, err := DecodeMessage(s.enc.Family, b, &d)
		if err != nil {
			// Receive counts it when it decodes the datagram again.
			return true
		}
		b = b[used:]
		switch {
		case d.HasEvent:
			events = true
		case d.IsAck:
			s.answered(&d.Ack)
		}
	}
	return events
}

// Delivered implements Conn.
func (s *FrameSocket) Delivered(t Ticket) bool { return s.ans.taken(t) }

// Status implements Conn.
func (s *FrameSocket) Status(st *TxStatus) {
	s.sbuf = s.enc.AppendStatus(s.sbuf, st)
	s.queued()
}

func (s *FrameSocket) queued() {
	s.msgs++
	if len(s.sbuf) >= sendFlushAt {
		s.send()
	}
}

// send writes every queued message in one send, which the kernel processes
// in order. The last delivery that asked for an answer asks for an ack:
// the marker Sync waits for. A failed send loses its messages (its
// deliveries count as refused) and is kept for Flush to report.
func (s *FrameSocket) send() {
	if len(s.sbuf) == 0 {
		return
	}
	if s.mark >= 0 {
		h := s.sbuf[s.mark:]
		native.PutUint16(h[6:], native.Uint16(h[6:])|nlmFAck)
		s.ans.await(native.Uint32(h[8:]))
		s.mark = -1
	}
	_, err := unix.Write(s.fd, s.sbuf)
	s.sends.Add(1)
	s.messages.Add(s.msgs)
	if err != nil {
		s.sendErrors.Add(1)
		s.ans.lost(native.Uint32(s.sbuf[8:]))
		if s.err == nil {
			s.err = fmt.Errorf("send to hwsim: %w", err)
		}
	}
	s.sbuf = s.sbuf[:0]
	s.msgs = 0
	// The next burst (the airtime mode's come from another goroutine,
	// at any time) reads the clock again.
	s.deaf.newBatch()
}

// Flush implements Conn.
func (s *FrameSocket) Flush() error {
	s.send()
	s.ans.reset()
	err := s.err
	s.err = nil
	return err
}

// Stats returns the socket's counters.
func (s *FrameSocket) Stats() SocketStats {
	return SocketStats{Overruns: s.overruns.Load(), Rejected: s.rejected.Load(), Malformed: s.malformed.Load(),
		Sends: s.sends.Load(), Messages: s.messages.Load(), Skipped: s.skipped.Load(),
		SendErrors: s.sendErrors.Load(), Unanswered: s.unanswered.Load()}
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
