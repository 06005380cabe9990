package hwsim

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// pairedSocket is a FrameSocket on one end of a datagram socketpair; the
// test plays the kernel on the other end.
func pairedSocket(t *testing.T) (*FrameSocket, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fds[1]) })
	tv := unix.NsecToTimeval((20 * time.Millisecond).Nanoseconds())
	require.NoError(t, unix.SetsockoptTimeval(fds[0], unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv))
	s := newFrameSocket(fds[0], testFamily)
	t.Cleanup(func() { s.Close() })
	return s, fds[1]
}

func frameFrom(t *testing.T, tx mac.Addr) []byte {
	return kernelFrame(t, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, tx[:])
		ae.Bytes(AttrFrame, []byte{0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 0, 0})
		ae.Uint64(AttrCookie, 1)
		ae.Uint32(AttrFreq, 2437)
	})
}

// rejection is the kernel's capped NLMSG_ERROR (-EINVAL) for request seq.
func rejection(seq uint32) []byte { return answerMsg(seq, -int32(unix.EINVAL)) }

// accepted is the kernel's ack (errno 0) for request seq, sent when it
// asked for one.
func accepted(seq uint32) []byte { return answerMsg(seq, 0) }

func answerMsg(seq uint32, errno int32) []byte {
	b := make([]byte, 16+4+16)
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], nlmsgError)
	binary.NativeEndian.PutUint32(b[16:], uint32(errno))
	binary.NativeEndian.PutUint32(b[16+4+8:], seq)
	return b
}

func send(t *testing.T, fd int, msgs ...[]byte) {
	t.Helper()
	for _, m := range msgs {
		_, err := unix.Write(fd, m)
		require.NoError(t, err)
	}
}

// sentSeqs reads one send of the socket and returns the sequence numbers
// of its messages.
func sentSeqs(t *testing.T, fd int) []uint32 {
	t.Helper()
	seqs, _ := sentMsgs(t, fd)
	return seqs
}

// sentMsgs reads one send of the socket and returns the sequence numbers
// and netlink flags of its messages.
func sentMsgs(t *testing.T, fd int) (seqs []uint32, flags []uint16) {
	t.Helper()
	buf := make([]byte, 1<<16)
	n, err := unix.Read(fd, buf)
	require.NoError(t, err)
	for b := buf[:n]; len(b) >= nlmsgHdrLen; {
		l := int(binary.NativeEndian.Uint32(b))
		flags = append(flags, binary.NativeEndian.Uint16(b[6:]))
		seqs = append(seqs, binary.NativeEndian.Uint32(b[8:]))
		b = b[align4(l):]
	}
	return seqs, flags
}

func TestFrameSocketReceiveBurst(t *testing.T) {
	s, kernel := pairedSocket(t)
	a, b := mac.Addr{0x42, 0, 0, 0, 1, 0}, mac.Addr{0x42, 0, 0, 0, 2, 0}
	send(t, kernel, frameFrom(t, a), rejection(5), frameFrom(t, b), []byte{1, 2, 3})
	evs := make([]Event, 8)
	n, err := s.Receive(context.Background(), evs)
	require.NoError(t, err)
	require.Equal(t, 2, n, "both frames in one call")
	assert.Equal(t, a, evs[0].Frame.Transmitter)
	assert.Equal(t, b, evs[1].Frame.Transmitter)
	st := s.Stats()
	assert.Equal(t, uint64(1), st.Rejected)
	assert.Equal(t, uint64(1), st.Malformed)
}

func TestFrameSocketReceiveStopsWithContext(t *testing.T) {
	s, _ := pairedSocket(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Receive(ctx, make([]Event, 4))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestFrameSocketSkipsDeafRadio(t *testing.T) {
	s, kernel := pairedSocket(t)
	ap, idle := mac.Addr{0x42, 0, 0, 0, 1, 0}, mac.Addr{0x42, 0, 0, 0, 2, 0}
	evs := make([]Event, 4)
	deliver := func() []uint32 {
		t.Helper()
		d := Delivery{Receiver: idle, Data: []byte{1}, Freq: 2437}
		s.Deliver(&d)
		s.Status(&TxStatus{Transmitter: ap})
		require.NoError(t, s.Flush())
		return sentSeqs(t, kernel)
	}
	receive := func(msgs ...[]byte) {
		t.Helper()
		send(t, kernel, msgs...)
		_, err := s.Receive(context.Background(), evs)
		require.NoError(t, err)
	}

	seqs := deliver()
	require.Len(t, seqs, 2, "delivery and status")
	receive(rejection(seqs[0]), frameFrom(t, ap))
	assert.Len(t, deliver(), 1, "the delivery to the radio that rejected one is skipped")
	assert.Equal(t, uint64(1), s.Stats().Skipped)

	other := Delivery{Receiver: idle, Data: []byte{1}, Freq: 5180}
	s.Deliver(&other)
	require.NoError(t, s.Flush())
	assert.Len(t, sentSeqs(t, kernel), 1, "another channel is tried")

	receive(frameFrom(t, idle))
	assert.Len(t, deliver(), 2, "a radio that transmits is no longer skipped")

	receive(rejection(s.enc.seq-1), frameFrom(t, ap))
	require.Len(t, deliver(), 1, "deaf again")
	asked := Delivery{Receiver: idle, Data: []byte{1}, Freq: 2437, Answer: true}
	s.Deliver(&asked)
	require.NoError(t, s.Flush())
	assert.Len(t, sentSeqs(t, kernel), 1, "a delivery whose answer decides an ack is never skipped")
}

// A rejection read just before the receive blocks must not look as
// recent as the frame that ends the wait: with one deaf radio (a 1 ms
// probe interval) the delivery of that frame is a probe, not skipped.
func TestFrameSocketProbesAfterTheReceiveBlocked(t *testing.T) {
	s, kernel := pairedSocket(t)
	now := time.Unix(0, 0)
	s.deaf = newDeafness(func() time.Time {
		// Every clock read is 10 ms after the one before: what
		// matters is which event each read belongs to.
		now = now.Add(10 * time.Millisecond)
		return now
	})
	ap, idle := mac.Addr{0x42, 0, 0, 0, 1, 0}, mac.Addr{0x42, 0, 0, 0, 2, 0}
	deliver := func() {
		t.Helper()
		s.Deliver(&Delivery{Receiver: idle, Data: []byte{1}, Freq: 2437})
		require.NoError(t, s.Flush())
	}
	deliver()
	seqs := sentSeqs(t, kernel)
	require.Len(t, seqs, 1)
	// The rejection comes alone (no event: the receive blocks again),
	// then a frame.
	send(t, kernel, rejection(seqs[0]))
	send(t, kernel, frameFrom(t, ap))
	n, err := s.Receive(context.Background(), make([]Event, 4))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	deliver()
	require.Zero(t, s.Stats().Skipped, "the frame's delivery to the deaf radio is a probe, not skipped")
	assert.Len(t, sentSeqs(t, kernel), 1)
}

func TestFrameSocketSyncLearnsWhatTheKernelTook(t *testing.T) {
	s, kernel := pairedSocket(t)
	ap, sta, idle := mac.Addr{0x42, 0, 0, 0, 1, 0}, mac.Addr{0x42, 0, 0, 0, 2, 0}, mac.Addr{0x42, 0, 0, 0, 3, 0}
	toIdle := s.Deliver(&Delivery{Receiver: idle, Data: []byte{1}, Freq: 2437, Answer: true})
	toSTA := s.Deliver(&Delivery{Receiver: sta, Data: []byte{2}, Freq: 2437, Answer: true})
	overheard := s.Deliver(&Delivery{Receiver: idle, Data: []byte{3}, Freq: 2437})
	require.NotZero(t, toIdle)
	require.NotZero(t, toSTA)
	assert.Zero(t, overheard, "no ticket without Answer")
	// The kernel answers while it processes the send, so its answers are
	// queued when the send returns; a frame another radio sent meanwhile
	// may come first. The last delivery that asked carries the marker.
	send(t, kernel, frameFrom(t, ap), rejection(uint32(toIdle)), accepted(uint32(toSTA)), frameFrom(t, sta))
	s.Sync()
	seqs, flags := sentMsgs(t, kernel)
	require.Len(t, seqs, 3)
	assert.Equal(t, []uint16{nlmFRequest, nlmFRequest | nlmFAck, nlmFRequest}, flags, "one ack request: the marker")
	assert.False(t, s.Delivered(toIdle))
	assert.True(t, s.Delivered(toSTA))
	assert.False(t, s.Delivered(overheard))

	evs := make([]Event, 1)
	n, err := s.Receive(context.Background(), evs)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	assert.Equal(t, ap, evs[0].Frame.Transmitter, "the frame read while waiting comes first")
	n, err = s.Receive(context.Background(), evs)
	require.NoError(t, err)
	require.Equal(t, 1, n, "then the one after the answers, when there is room for one event a call")
	assert.Equal(t, sta, evs[0].Frame.Transmitter)

	require.NoError(t, s.Flush())
	assert.False(t, s.Delivered(toSTA), "tickets are spent at Flush")
	st := s.Stats()
	assert.Equal(t, uint64(1), st.Rejected)
	assert.Zero(t, st.Unanswered)
}

func TestFrameSocketSyncGivesUpOnALostAnswer(t *testing.T) {
	s, kernel := pairedSocket(t)
	tk := s.Deliver(&Delivery{Receiver: mac.Addr{0x42, 0, 0, 0, 2, 0}, Data: []byte{1}, Freq: 2437, Answer: true})
	s.Sync() // nothing answers: the receive timeout (20 ms here) ends the wait
	sentSeqs(t, kernel)
	assert.True(t, s.Delivered(tk), "no refusal came: taken")
	assert.Equal(t, uint64(1), s.Stats().Unanswered)
}

func TestFrameSocketSendFailureIsKeptForFlush(t *testing.T) {
	s, kernel := pairedSocket(t)
	require.NoError(t, unix.Close(kernel)) // the peer is gone: sends fail
	tk := s.Deliver(&Delivery{Receiver: mac.Addr{0x42, 0, 0, 0, 2, 0}, Data: []byte{1}, Freq: 2437, Answer: true})
	s.Status(&TxStatus{})
	s.Sync()
	assert.False(t, s.Delivered(tk), "a lost send's deliveries were not taken")
	err := s.Flush()
	require.Error(t, err)
	assert.ErrorIs(t, err, unix.ECONNREFUSED)
	assert.NoError(t, s.Flush(), "reported once")
	assert.Equal(t, uint64(1), s.Stats().SendErrors)
}

func TestDeafnessProbesAgain(t *testing.T) {
	now := time.Unix(0, 0)
	d := newDeafness(func() time.Time { return now })
	rx := mac.Addr{2}
	d.noteSent(7, rx, 2412)
	d.rejected(8) // not a delivery we remember
	assert.False(t, d.skip(rx, 2412))
	d.rejected(7)
	assert.True(t, d.skip(rx, 2412))
	now = now.Add(deafProbePerRadio)
	d.newBatch()
	assert.False(t, d.skip(rx, 2412), "probe after the interval (one deaf radio: deafProbePerRadio)")
	assert.False(t, d.skip(rx, 2412), "and until rejected again")
	d.noteSent(9, rx, 2412)
	d.rejected(9)
	assert.True(t, d.skip(rx, 2412))
	d.heard(&Event{Kind: EventAddMAC, Radio: rx})
	assert.False(t, d.skip(rx, 2412), "a scan start clears it")
	d.noteSent(10, rx, 2412)
	d.rejected(10)
	require.True(t, d.skip(rx, 2412))
	d.heard(&Event{Kind: EventDelMAC, Radio: rx})
	assert.False(t, d.skip(rx, 2412), "a scan end clears it: the radio is back on its channel")
}

// The probe interval grows with the number of deaf radios: a lab's few
// radios are retried within milliseconds (a monitor interface that comes
// up silently misses nothing), many are retried rarely.
func TestDeafnessProbeIntervalGrowsWithDeafRadios(t *testing.T) {
	for _, tc := range []struct {
		name    string
		deaf    int           // radios that rejected a delivery at time 0
		elapsed time.Duration // since then
		skip    bool          // whether the first radio's next delivery is skipped
	}{
		{"one deaf radio, just rejected", 1, 0, true},
		{"one deaf radio, a step later", 1, deafProbePerRadio, false},
		{"a lab of 4, a millisecond short", 4, 4*deafProbePerRadio - time.Millisecond, true},
		{"a lab of 4", 4, 4 * deafProbePerRadio, false},
		{"a lab of 20, a beacon interval later", 20, 102400 * time.Microsecond, false},
		{"60 radios, a millisecond short", 60, 60*deafProbePerRadio - time.Millisecond, true},
		{"60 radios", 60, 60 * deafProbePerRadio, false},
		{"500 radios, just under the cap", 500, deafProbeMax - time.Millisecond, true},
		{"500 radios, capped at deafProbeMax", 500, deafProbeMax, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(0, 0)
			d := newDeafness(func() time.Time { return now })
			radio := func(k int) mac.Addr { return mac.Addr{0x42, 0, 0, byte(k >> 8), byte(k), 0} }
			for k := range tc.deaf {
				seq := uint32(k + 1)
				d.noteSent(seq, radio(k), 2437)
				d.rejected(seq)
			}
			now = now.Add(tc.elapsed)
			d.newBatch()
			assert.Equal(t, tc.skip, d.skip(radio(0), 2437))
		})
	}
}

// A radio that gets no more deliveries on the channel where it refused
// one (deleted, or the channel went quiet) must not keep lengthening the
// others' probe interval: its entry is dropped once it has expired.
func TestDeafnessForgetsExpiredRadios(t *testing.T) {
	now := time.Unix(0, 0)
	d := newDeafness(func() time.Time { return now })
	radio := func(k int) mac.Addr { return mac.Addr{0x42, 0, 0, byte(k >> 8), byte(k), 0} }
	seq := uint32(0)
	refuse := func(k int) {
		seq++
		d.noteSent(seq, radio(k), 2437)
		d.rejected(seq)
	}
	for k := 1; k <= 100; k++ { // 100 radios refuse, then go away
		refuse(k)
	}
	now = now.Add(deafProbeMax)
	d.newBatch()
	refuse(0) // a radio refuses later: the old entries have expired
	d.mu.Lock()
	n := len(d.deaf)
	d.mu.Unlock()
	assert.Equal(t, 1, n, "deaf radios remembered")
	// Alone, radio 0 is tried again after one step, not after 500 ms.
	now = now.Add(deafProbePerRadio)
	d.newBatch()
	assert.False(t, d.skip(radio(0), 2437), "radio 0's next delivery is skipped")
}

// A receiving goroutine that returns from Receive while Sync waits, and
// then waits for a lock the Sync caller holds (the medium's), reads no
// answers: Sync must take the socket itself as soon as it is free, not
// wait answerWait and count the delivery as taken.
func TestFrameSocketSyncTakesTheSocketWhenTheReceiverLetsGo(t *testing.T) {
	s, kernel := pairedSocket(t)
	sta := mac.Addr{0x42, 0, 0, 0, 2, 0}
	var medium sync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	received, proceeded := make(chan struct{}), make(chan struct{})
	medium.Lock()
	go func() {
		// Blocked in Receive until ctx ends (the socket's receive
		// timeout makes it look at ctx every 20 ms).
		_, _ = s.Receive(ctx, make([]Event, 4))
		close(received)
		medium.Lock() // waits while the Sync caller holds it
		close(proceeded)
		medium.Unlock()
	}()
	require.Eventually(t, func() bool {
		if s.rmu.TryLock() {
			s.rmu.Unlock()
			return false
		}
		return true
	}, 5*time.Second, time.Millisecond, "the receiver is in Receive")
	tk := s.Deliver(&Delivery{Receiver: sta, Data: []byte{1}, Freq: 2437, Answer: true})
	go func() {
		// The kernel: it takes the send, the receiver leaves Receive,
		// and only then is the refusal on the socket.
		seqs := sentSeqs(t, kernel)
		cancel()
		<-received
		send(t, kernel, rejection(seqs[0]))
	}()
	start := time.Now()
	s.Sync()
	took := time.Since(start)
	medium.Unlock()
	<-proceeded
	assert.False(t, s.Delivered(tk), "the refusal was read")
	assert.Less(t, took, answerWait, "Sync read the answer itself")
	assert.Zero(t, s.Stats().Unanswered)
}
