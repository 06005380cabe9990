package capture

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Radiotap (https://www.radiotap.org): a little-endian header of version,
// pad, length and presence bitmaps, then the present fields in bit order,
// each aligned to its natural size from the start of the header.

// Presence bits of the fields captures write.
const (
	rtTSFT        = 0
	rtFlags       = 1
	rtRate        = 2
	rtChannel     = 3
	rtAntSignal   = 5
	rtTxFlags     = 15
	rtDataRetries = 17
	rtMCS         = 19
	rtVHT         = 21
	rtExt         = 31
)

// Flags field bits.
const (
	rtFlagShortPreamble = 0x02
	rtFlagFCS           = 0x10 // the frame ends with its FCS
	rtFlagBadFCS        = 0x40
)

// Channel flags.
const (
	rtChanCCK  = 0x0020
	rtChanOFDM = 0x0040
	rtChan2GHz = 0x0080
	rtChan5GHz = 0x0100
)

// TX flags.
const (
	rtTxFail  = 0x0001 // not acked after every try
	rtTxNoAck = 0x0008 // sent without asking for an ack
)

// MCS field: known bits, then flags.
const (
	rtMCSKnownBW     = 0x01
	rtMCSKnownMCS    = 0x02
	rtMCSKnownGI     = 0x04
	rtMCSKnownFormat = 0x08
	rtMCSBW40        = 0x01
	rtMCSShortGI     = 0x04
	rtMCSGreenfield  = 0x08
)

// VHT field: known bits, flags and bandwidth codes.
const (
	rtVHTKnownGI = 0x0004
	rtVHTKnownBW = 0x0040
	rtVHTShortGI = 0x04
)

// radiotap assembles one header at the end of b: fields are appended in
// presence-bit order, each aligned from the header's start.
type radiotap struct {
	b       []byte
	start   int
	present uint32
}

func (h *radiotap) field(bit int, align int) {
	h.present |= 1 << bit
	for (len(h.b)-h.start)%align != 0 {
		h.b = append(h.b, 0)
	}
}

// appendRadiotap appends r's radiotap header to dst.
func appendRadiotap(dst []byte, r *Record) []byte {
	h := radiotap{b: append(dst, 0, 0, 0, 0, 0, 0, 0, 0), start: len(dst)}
	h.field(rtTSFT, 8)
	h.b = binary.LittleEndian.AppendUint64(h.b, r.TSF)

	info, known := mac.TxRateInfo(r.Freq, r.Rate.Idx, r.Rate.Flags)
	var flags byte
	if known && info.ShortPreamble {
		flags |= rtFlagShortPreamble
	}
	h.field(rtFlags, 1)
	h.b = append(h.b, flags)
	if known && info.Format == mac.FormatLegacy {
		h.field(rtRate, 1)
		h.b = append(h.b, byte(info.Kbps/500))
	}
	if r.Freq != 0 && r.Freq <= 0xffff {
		h.field(rtChannel, 2)
		h.b = binary.LittleEndian.AppendUint16(h.b, uint16(r.Freq))
		h.b = binary.LittleEndian.AppendUint16(h.b, channelFlags(r.Freq, known && info.Mod.DSSS()))
	}
	if s, ok := r.signal(); ok {
		h.field(rtAntSignal, 1)
		h.b = append(h.b, byte(int8(s)))
	}
	if !r.Malformed {
		var tx uint16
		switch {
		case r.NoAck:
			tx = rtTxNoAck
		case !r.Acked:
			tx = rtTxFail
		}
		h.field(rtTxFlags, 2)
		h.b = binary.LittleEndian.AppendUint16(h.b, tx)
		if !r.NoAck && r.Tries > 0 {
			h.field(rtDataRetries, 1)
			h.b = append(h.b, byte(min(r.Tries-1, 255)))
		}
	}
	if known {
		switch info.Format {
		case mac.FormatHT:
			f := byte(0)
			if info.WidthMHz == 40 {
				f |= rtMCSBW40
			}
			if info.ShortGI {
				f |= rtMCSShortGI
			}
			if info.GreenField {
				f |= rtMCSGreenfield
			}
			h.field(rtMCS, 1)
			h.b = append(h.b, rtMCSKnownBW|rtMCSKnownMCS|rtMCSKnownGI|rtMCSKnownFormat, f, byte(r.Rate.Idx))
		case mac.FormatVHT:
			f := byte(0)
			if info.ShortGI {
				f |= rtVHTShortGI
			}
			h.field(rtVHT, 2)
			h.b = binary.LittleEndian.AppendUint16(h.b, rtVHTKnownGI|rtVHTKnownBW)
			h.b = append(h.b, f, vhtBandwidth(info.WidthMHz),
				byte(info.MCS<<4|info.NSS), 0, 0, 0, // mcs_nss of user 0..3
				0, 0) // coding, group ID
			h.b = binary.LittleEndian.AppendUint16(h.b, 0) // partial AID
		}
	}
	// Version 0 and the pad byte are already zero.
	hdr := h.b[h.start:]
	binary.LittleEndian.PutUint16(hdr[2:], uint16(len(hdr)))
	binary.LittleEndian.PutUint32(hdr[4:], h.present)
	return h.b
}

// channelFlags are the radiotap channel flags of freq for a DSSS/CCK or
// an OFDM (legacy, HT, VHT) transmission.
func channelFlags(freq uint32, dsss bool) uint16 {
	f := uint16(rtChan5GHz)
	if mac.Is24GHz(freq) {
		f = rtChan2GHz
	}
	if dsss {
		return f | rtChanCCK
	}
	return f | rtChanOFDM
}

// vhtBandwidth is the radiotap VHT bandwidth code of a channel width.
func vhtBandwidth(mhz int) byte {
	switch mhz {
	case 40:
		return 1
	case 80:
		return 4
	case 160:
		return 11
	}
	return 0
}

// signal is the signal a record shows: the addressee's if it got the
// frame, else the strongest of the radios that got it.
func (r *Record) signal() (int32, bool) {
	var best int32
	found := false
	for i := range r.Receptions {
		x := &r.Receptions[i]
		if !x.Outcome.got() {
			continue
		}
		if x.Addressee {
			return clampSignal(x.Signal), true
		}
		if !found || x.Signal > best {
			best, found = x.Signal, true
		}
	}
	return clampSignal(best), found
}

func clampSignal(s int32) int32 { return max(-128, min(127, s)) }

// ErrRadiotap says a packet's radiotap header is malformed.
var ErrRadiotap = errors.New("malformed radiotap header")

// radiotapHeader is what reading a capture needs of a radiotap header.
type radiotapHeader struct {
	// len is the header's length: the 802.11 frame follows it.
	len int
	// flagsAt is the offset of the Flags field, -1 if absent; flags its
	// value.
	flagsAt int
	flags   byte
}

// parseRadiotap reads the header length and the Flags field of a
// radiotap-encapsulated packet. Flags is the second field of the first
// presence word, so only TSFT can come before it.
func parseRadiotap(pkt []byte) (radiotapHeader, error) {
	h := radiotapHeader{flagsAt: -1}
	if len(pkt) < 8 {
		return h, fmt.Errorf("%w: %d bytes, need at least 8", ErrRadiotap, len(pkt))
	}
	if pkt[0] != 0 {
		return h, fmt.Errorf("%w: version %d, want 0", ErrRadiotap, pkt[0])
	}
	h.len = int(binary.LittleEndian.Uint16(pkt[2:]))
	if h.len < 8 || h.len > len(pkt) {
		return h, fmt.Errorf("%w: length %d outside the packet's %d bytes", ErrRadiotap, h.len, len(pkt))
	}
	first := binary.LittleEndian.Uint32(pkt[4:])
	off := 8
	for word := first; word&(1<<rtExt) != 0; {
		if off+4 > h.len {
			return h, fmt.Errorf("%w: presence bitmaps run past its length", ErrRadiotap)
		}
		word = binary.LittleEndian.Uint32(pkt[off:])
		off += 4
	}
	if first&(1<<rtTSFT) != 0 {
		off = (off+7)&^7 + 8
	}
	if first&(1<<rtFlags) != 0 {
		if off >= h.len {
			return h, fmt.Errorf("%w: the Flags field is past its length", ErrRadiotap)
		}
		h.flagsAt, h.flags = off, pkt[off]
	}
	return h, nil
}
