package hwsim

import (
	"context"
	"encoding/binary"
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
func rejection(seq uint32) []byte {
	b := make([]byte, 16+4+16)
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], nlmsgError)
	binary.NativeEndian.PutUint32(b[16:], uint32(0xffffffea))
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
	buf := make([]byte, 1<<16)
	n, err := unix.Read(fd, buf)
	require.NoError(t, err)
	var seqs []uint32
	for b := buf[:n]; len(b) >= nlmsgHdrLen; {
		l := int(binary.NativeEndian.Uint32(b))
		seqs = append(seqs, binary.NativeEndian.Uint32(b[8:]))
		b = b[align4(l):]
	}
	return seqs
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
		require.NoError(t, s.Deliver(&d))
		require.NoError(t, s.Status(&TxStatus{Transmitter: ap}))
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
	require.NoError(t, s.Deliver(&other))
	require.NoError(t, s.Flush())
	assert.Len(t, sentSeqs(t, kernel), 1, "another channel is tried")

	receive(frameFrom(t, idle))
	assert.Len(t, deliver(), 2, "a radio that transmits is no longer skipped")
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
	now = now.Add(deafProbe + time.Millisecond)
	d.newBatch()
	assert.False(t, d.skip(rx, 2412), "probe after deafProbe")
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
