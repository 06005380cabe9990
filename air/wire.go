package air

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// The messages on the bus. Frames and answers are binary, little-endian,
// with a version byte first: they are on the per-frame path, and a fixed
// layout is decoded without allocating. Heartbeats (hello) are JSON: once
// a second, and readable with `nats sub`.
//
//	frame:  version(1) kind('F') flags(bit 0: wants an answer) 0
//	        seq(8) transmitter(6) freq(4) tx-ctl flags(4)
//	        rates: 4 × (index int8, count uint8, flags uint16)
//	        the 802.11 frame
//	answer: version(1) kind('A') flags(bit 0: acked) 0
//	        seq(8) signal(int32) tries: 4 × (index, count, flags)

const (
	// Version is the version of the wire format.
	Version = 1

	kindFrame  = 'F'
	kindAnswer = 'A'

	frameHeader = 4 + 8 + 6 + 4 + 4 + 4*hwsim.MaxTxRates
	answerLen   = 4 + 8 + 4 + 4*hwsim.MaxTxRates

	// MaxFrame bounds the 802.11 frame a message may carry: the largest
	// A-MSDU mac80211 sends (VHT, 11454 bytes) with room to spare.
	MaxFrame = 16 << 10
)

// ErrBadMessage is wrapped by every decoding error: a message from the bus
// that is not one of ours, or from a newer version.
var ErrBadMessage = errors.New("bad message from the air")

// AppendFrame appends the wire form of f to b.
func AppendFrame(b []byte, f *medium.BusFrame) []byte {
	var flags byte
	if f.WantAck {
		flags |= 1
	}
	b = append(b, Version, kindFrame, flags, 0)
	b = binary.LittleEndian.AppendUint64(b, f.Seq)
	b = append(b, f.Transmitter[:]...)
	b = binary.LittleEndian.AppendUint32(b, f.Freq)
	b = binary.LittleEndian.AppendUint32(b, f.Flags)
	b = appendRates(b, &f.Rates)
	return append(b, f.Data...)
}

// DecodeFrame decodes a frame message into f; f.Data aliases b. It leaves
// f.Member alone: the subject says who sent it.
func DecodeFrame(b []byte, f *medium.BusFrame) error {
	if err := header(b, kindFrame, frameHeader); err != nil {
		return err
	}
	if len(b)-frameHeader > MaxFrame {
		return fmt.Errorf("%w: a frame of %d bytes (at most %d)", ErrBadMessage, len(b)-frameHeader, MaxFrame)
	}
	f.WantAck = b[2]&1 != 0
	f.Seq = binary.LittleEndian.Uint64(b[4:])
	copy(f.Transmitter[:], b[12:18])
	f.Freq = binary.LittleEndian.Uint32(b[18:])
	f.Flags = binary.LittleEndian.Uint32(b[22:])
	readRates(b[26:], &f.Rates)
	f.Data = b[frameHeader:]
	return nil
}

// AppendAnswer appends the wire form of a to b.
func AppendAnswer(b []byte, a *medium.BusAck) []byte {
	var flags byte
	if a.Acked {
		flags |= 1
	}
	b = append(b, Version, kindAnswer, flags, 0)
	b = binary.LittleEndian.AppendUint64(b, a.Seq)
	b = binary.LittleEndian.AppendUint32(b, uint32(a.Signal))
	return appendRates(b, &a.Tries)
}

// DecodeAnswer decodes an answer message into a.
func DecodeAnswer(b []byte, a *medium.BusAck) error {
	if err := header(b, kindAnswer, answerLen); err != nil {
		return err
	}
	if len(b) != answerLen {
		return fmt.Errorf("%w: an answer of %d bytes, not %d", ErrBadMessage, len(b), answerLen)
	}
	a.Acked = b[2]&1 != 0
	a.Seq = binary.LittleEndian.Uint64(b[4:])
	a.Signal = int32(binary.LittleEndian.Uint32(b[12:]))
	readRates(b[16:], &a.Tries)
	return nil
}

func header(b []byte, kind byte, min int) error {
	switch {
	case len(b) < 2:
		return fmt.Errorf("%w: %d bytes", ErrBadMessage, len(b))
	case b[0] != Version:
		return fmt.Errorf("%w: wire format version %d (this member speaks %d: run the same hwsim-medium version on every member)", ErrBadMessage, b[0], Version)
	case b[1] != kind:
		return fmt.Errorf("%w: kind %q where %q belongs", ErrBadMessage, b[1], kind)
	case len(b) < min:
		return fmt.Errorf("%w: %d bytes, at least %d expected", ErrBadMessage, len(b), min)
	}
	return nil
}

func appendRates(b []byte, r *[hwsim.MaxTxRates]hwsim.TxRate) []byte {
	for _, e := range r {
		b = append(b, byte(e.Idx), e.Count)
		b = binary.LittleEndian.AppendUint16(b, e.Flags)
	}
	return b
}

func readRates(b []byte, r *[hwsim.MaxTxRates]hwsim.TxRate) {
	for i := range r {
		r[i] = hwsim.TxRate{Idx: int8(b[4*i]), Count: b[4*i+1], Flags: binary.LittleEndian.Uint16(b[4*i+2:])}
	}
}

// Hello is a member's heartbeat: who it is and which radios it serves.
type Hello struct {
	// Version is the wire format's Version.
	Version int `json:"version"`
	// Member is the member's name; it must match the subject's.
	Member string `json:"member"`
	// Started is when the member joined, in Unix milliseconds: of two
	// members that claim one radio, the later one gives way.
	Started int64 `json:"started"`
	// Leaving says the member stops (a clean stop): its radios leave the
	// air at once.
	Leaving bool `json:"leaving,omitempty"`
	// Radios are the radios it serves.
	Radios []HelloRadio `json:"radios"`
}

// HelloRadio is one radio of a Hello.
type HelloRadio struct {
	Name  string     `json:"name"`
	Iface string     `json:"iface,omitempty"`
	HW    mac.Addr   `json:"hw"`
	Addrs []mac.Addr `json:"addrs,omitempty"`
}

// maxHelloAddrs bounds the interface addresses one radio may list.
const maxHelloAddrs = 64

// DecodeHello decodes and checks a heartbeat.
func DecodeHello(b []byte, h *Hello) error {
	*h = Hello{}
	if err := json.Unmarshal(b, h); err != nil {
		return fmt.Errorf("%w: hello: %w", ErrBadMessage, err)
	}
	if h.Version != Version {
		return fmt.Errorf("%w: hello of wire format version %d (this member speaks %d: run the same hwsim-medium version on every member)", ErrBadMessage, h.Version, Version)
	}
	if err := CheckName("member", h.Member); err != nil {
		return fmt.Errorf("%w: hello: %w", ErrBadMessage, err)
	}
	if len(h.Radios) > medium.MaxMemberRadios {
		return fmt.Errorf("%w: hello with %d radios (at most %d)", ErrBadMessage, len(h.Radios), medium.MaxMemberRadios)
	}
	for _, r := range h.Radios {
		if r.Name == "" || len(r.Name) > 64 || len(r.Iface) > 64 || r.HW.IsZero() || len(r.Addrs) > maxHelloAddrs {
			return fmt.Errorf("%w: hello: radio %q: needs a name and a hwsim address, at most %d addresses", ErrBadMessage, r.Name, maxHelloAddrs)
		}
	}
	return nil
}

// remoteRadios turns a Hello's radios into the medium's.
func remoteRadios(h *Hello) []medium.RemoteRadio {
	out := make([]medium.RemoteRadio, 0, len(h.Radios))
	for _, r := range h.Radios {
		out = append(out, medium.RemoteRadio{Name: r.Name, Iface: r.Iface, HWAddr: r.HW, Addrs: r.Addrs})
	}
	return out
}
