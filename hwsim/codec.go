package hwsim

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The per-frame path encodes and decodes netlink by hand: one medium
// message per transmitted frame plus one per receiver makes the generic
// library's allocations the dominant cost (see the performance notes).
// Everything here appends to or reads from caller-owned buffers.

const (
	nlmsgHdrLen  = 16
	genlHdrLen   = 4
	nlaHdrLen    = 4
	nlmsgError   = 2
	nlmsgDone    = 3
	nlmsgOverrun = 4
	nlmFRequest  = 0x1
	nlmFAck      = 0x4
)

var native = binary.NativeEndian

func align4(n int) int { return (n + 3) &^ 3 }

// Encoder appends netlink messages of the hwsim family to a buffer.
type Encoder struct {
	// Family is the resolved MAC80211_HWSIM family id.
	Family uint16
	seq    uint32
}

// beginMsg appends a netlink and genetlink header and returns the offset of
// the message so endMsg can patch the length.
func (e *Encoder) beginMsg(b []byte, cmd uint8, flags uint16) ([]byte, int) {
	off := len(b)
	e.seq++
	var h [nlmsgHdrLen + genlHdrLen]byte
	native.PutUint16(h[4:], e.Family)
	native.PutUint16(h[6:], flags)
	native.PutUint32(h[8:], e.seq)
	h[16] = cmd
	h[17] = FamilyVersion
	return append(b, h[:]...), off
}

func endMsg(b []byte, off int) []byte {
	native.PutUint32(b[off:], uint32(len(b)-off))
	return b
}

func putAttr(b []byte, typ uint16, payload []byte) []byte {
	var h [nlaHdrLen]byte
	native.PutUint16(h[0:], uint16(nlaHdrLen+len(payload)))
	native.PutUint16(h[2:], typ)
	b = append(b, h[:]...)
	b = append(b, payload...)
	for pad := align4(len(payload)) - len(payload); pad > 0; pad-- {
		b = append(b, 0)
	}
	return b
}

func putU32(b []byte, typ uint16, v uint32) []byte {
	var p [4]byte
	native.PutUint32(p[:], v)
	return putAttr(b, typ, p[:])
}

func putU64(b []byte, typ uint16, v uint64) []byte {
	var p [8]byte
	native.PutUint64(p[:], v)
	return putAttr(b, typ, p[:])
}

func putRates(b []byte, typ uint16, rates *[MaxTxRates]TxRate) []byte {
	var p [2 * MaxTxRates]byte
	for i, r := range rates {
		p[2*i] = byte(r.Idx)
		p[2*i+1] = r.Count
	}
	return putAttr(b, typ, p[:])
}

// AppendRegister appends a REGISTER request that asks for an ack.
func (e *Encoder) AppendRegister(b []byte) []byte {
	b, off := e.beginMsg(b, CmdRegister, nlmFRequest|nlmFAck)
	return endMsg(b, off)
}

// AppendDelivery appends a FRAME message that hands d.Data to d.Receiver.
// No ack is requested: the kernel rejects deliveries to idle or off-channel
// radios with EINVAL, which is normal and not worth a round trip.
func (e *Encoder) AppendDelivery(b []byte, d *Delivery) []byte {
	b, off := e.beginMsg(b, CmdFrame, nlmFRequest)
	b = putAttr(b, AttrAddrReceiver, d.Receiver[:])
	b = putAttr(b, AttrFrame, d.Data)
	b = putU32(b, AttrRxRate, d.RxRate)
	b = putU32(b, AttrSignal, uint32(d.Signal))
	if d.Freq != 0 {
		b = putU32(b, AttrFreq, d.Freq)
	}
	return endMsg(b, off)
}

// AppendStatus appends a TX_INFO_FRAME message.
func (e *Encoder) AppendStatus(b []byte, s *TxStatus) []byte {
	b, off := e.beginMsg(b, CmdTxInfoFrame, nlmFRequest)
	b = putAttr(b, AttrAddrTransmitter, s.Transmitter[:])
	b = putU32(b, AttrFlags, s.Flags)
	b = putU64(b, AttrCookie, s.Cookie)
	b = putU32(b, AttrSignal, uint32(s.Signal))
	b = putRates(b, AttrTxInfo, &s.Rates)
	return endMsg(b, off)
}

// DeliveryLen is the encoded size of a delivery of an n-byte frame, for
// sizing buffers.
func DeliveryLen(n int) int {
	return nlmsgHdrLen + genlHdrLen + (nlaHdrLen + 8) + nlaHdrLen + align4(n) + 3*(nlaHdrLen+4)
}

// StatusLen is the encoded size of a TX status.
const StatusLen = nlmsgHdrLen + genlHdrLen + (nlaHdrLen + 8) + (nlaHdrLen + 4) + (nlaHdrLen + 8) + (nlaHdrLen + 4) + (nlaHdrLen + 2*MaxTxRates)

// Errors the decoder reports.
var (
	// ErrMalformed marks a datagram that is not valid netlink.
	ErrMalformed = errors.New("malformed netlink message")
)

// KernelError is an NLMSG_ERROR message with a non-zero code: the kernel
// refused a request (Seq says which).
type KernelError struct {
	Seq   uint32
	Errno int32 // negative errno as the kernel sent it
}

// Decoded is what one netlink message carried.
type Decoded struct {
	// Event is valid when HasEvent.
	Event    Event
	HasEvent bool
	// Ack is valid when IsAck: an NLMSG_ERROR (Errno 0 for success).
	Ack   KernelError
	IsAck bool
	// Overrun reports NLMSG_OVERRUN.
	Overrun bool
}

// rateFlagLen is sizeof(struct hwsim_tx_rate_flag): s8 idx, u16 flags,
// packed.
const rateFlagLen = 3

// decodeRateFlags sets the flags of each chain entry from
// HWSIM_ATTR_TX_INFO_FLAGS. Entries match the TX_INFO chain by position
// (the kernel fills both arrays in one loop); the flag entry's own idx
// copy is ignored. A short attribute leaves the missing entries' flags 0,
// which reads them as legacy rates.
func decodeRateFlags(rates *[MaxTxRates]TxRate, p []byte) {
	for i := 0; i < MaxTxRates && rateFlagLen*(i+1) <= len(p); i++ {
		rates[i].Flags = native.Uint16(p[rateFlagLen*i+1:])
	}
}

// DecodeMessage decodes the first netlink message in b and returns how many
// bytes it used. Messages of other families and unknown commands decode to
// an empty Decoded. Frame data aliases b.
func DecodeMessage(family uint16, b []byte, out *Decoded) (int, error) {
	*out = Decoded{}
	if len(b) < nlmsgHdrLen {
		return 0, fmt.Errorf("decode netlink header: %d bytes: %w", len(b), ErrMalformed)
	}
	l := int(native.Uint32(b[0:]))
	if l < nlmsgHdrLen || l > len(b) {
		return 0, fmt.Errorf("decode netlink header: length %d of %d: %w", l, len(b), ErrMalformed)
	}
	used := align4(l)
	if used > len(b) {
		used = len(b)
	}
	typ := native.Uint16(b[4:])
	msg := b[nlmsgHdrLen:l]
	switch typ {
	case nlmsgError:
		if len(msg) < 4 {
			return 0, fmt.Errorf("decode netlink error: %w", ErrMalformed)
		}
		out.IsAck = true
		out.Ack.Errno = int32(native.Uint32(msg[0:]))
		if len(msg) >= 4+nlmsgHdrLen {
			out.Ack.Seq = native.Uint32(msg[4+8:])
		}
		return used, nil
	case nlmsgOverrun:
		out.Overrun = true
		return used, nil
	case family:
	default:
		return used, nil
	}
	if len(msg) < genlHdrLen {
		return 0, fmt.Errorf("decode genetlink header: %w", ErrMalformed)
	}
	cmd := msg[0]
	ev := &out.Event
	switch cmd {
	case CmdFrame:
		ev.Kind = EventFrame
	case CmdAddMACAddr:
		ev.Kind = EventAddMAC
	case CmdDelMACAddr:
		ev.Kind = EventDelMAC
	default:
		return used, nil
	}
	var haveTx, haveData bool
	attrs := msg[genlHdrLen:]
	for len(attrs) >= nlaHdrLen {
		al := int(native.Uint16(attrs[0:]))
		at := native.Uint16(attrs[2:]) & 0x3fff // strip NLA_F_NESTED / NLA_F_NET_BYTEORDER
		if al < nlaHdrLen || al > len(attrs) {
			return 0, fmt.Errorf("decode hwsim attribute %d: length %d of %d: %w", at, al, len(attrs), ErrMalformed)
		}
		p := attrs[nlaHdrLen:al]
		switch at {
		case AttrAddrTransmitter:
			if len(p) < 6 {
				return 0, fmt.Errorf("decode transmitter address: %w", ErrMalformed)
			}
			haveTx = true
			if ev.Kind == EventFrame {
				ev.Frame.Transmitter = mac.Addr(p[:6])
			} else {
				ev.Radio = mac.Addr(p[:6])
			}
		case AttrAddrReceiver:
			if len(p) >= 6 {
				ev.Addr = mac.Addr(p[:6])
			}
		case AttrFrame:
			ev.Frame.Data = p
			haveData = true
		case AttrFlags:
			if len(p) >= 4 {
				ev.Frame.Flags = native.Uint32(p)
			}
		case AttrTxInfo:
			for i := 0; i < MaxTxRates && 2*i+1 < len(p); i++ {
				r := &ev.Frame.Rates[i]
				r.Idx, r.Count = int8(p[2*i]), p[2*i+1]
			}
		case AttrTxInfoFlags:
			decodeRateFlags(&ev.Frame.Rates, p)
		case AttrCookie:
			if len(p) >= 8 {
				ev.Frame.Cookie = native.Uint64(p)
			}
		case AttrFreq:
			if len(p) >= 4 {
				ev.Frame.Freq = native.Uint32(p)
			}
		}
		attrs = attrs[min(align4(al), len(attrs)):]
	}
	if !haveTx || (ev.Kind == EventFrame && !haveData) {
		return 0, fmt.Errorf("decode hwsim command %d: missing transmitter or frame: %w", cmd, ErrMalformed)
	}
	out.HasEvent = true
	return used, nil
}
