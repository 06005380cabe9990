package capture

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// decoded is a radiotap header as gopacket's radiotap layer, an
// implementation independent of ours, reads it.
type decoded struct {
	layers.RadioTapNamespace
	Present layers.RadioTapPresent
}

func decodeRadiotap(t *testing.T, b []byte) decoded {
	t.Helper()
	p := gopacket.NewPacket(b, layers.LayerTypeRadioTap, gopacket.NoCopy)
	rt, ok := p.Layer(layers.LayerTypeRadioTap).(*layers.RadioTap)
	require.True(t, ok, "no radiotap layer: %v", p.ErrorLayer())
	require.Len(t, rt.RadioTapValues, 1)
	return decoded{rt.RadioTapValues[0], rt.Present[0]}
}

func TestRadiotapFields(t *testing.T) {
	addressee := []Reception{
		{Radio: "vw2", Outcome: Delivered, Signal: -40},
		{Radio: "vw1", Outcome: Delivered, Signal: -61, Addressee: true},
	}
	tests := []struct {
		name  string
		rec   Record
		check func(t *testing.T, rt decoded)
	}{
		{"2.4 GHz OFDM 54 Mb/s, acked at the third try, addressee's signal",
			Record{TSF: 123456789, Freq: 2437, Rate: mac.TxRate{Idx: 11}, Tries: 3, Acked: true, Receptions: addressee},
			func(t *testing.T, rt decoded) {
				assert.Equal(t, uint64(123456789), rt.TSFT)
				assert.Equal(t, layers.RadioTapRate(108), rt.Rate, "54 Mb/s in 500 kb/s units")
				assert.Equal(t, layers.RadioTapChannelFrequency(2437), rt.ChannelFrequency)
				assert.Equal(t, layers.RadioTapChannelFlags(rtChan2GHz|rtChanOFDM), rt.ChannelFlags)
				assert.Equal(t, int8(-61), rt.DBMAntennaSignal)
				assert.True(t, rt.Present.TxFlags())
				assert.True(t, rt.Present.DataRetries())
				assert.False(t, rt.Present.MCS())
			}},
		{"2.4 GHz CCK 11 Mb/s short preamble, not acked: TX failed",
			Record{Freq: 2412, Rate: mac.TxRate{Idx: 3, Flags: mac.TxRcUseShortPreamble}, Tries: 7, Receptions: []Reception{{Outcome: Lost, Addressee: true}}},
			func(t *testing.T, rt decoded) {
				assert.Equal(t, layers.RadioTapRate(22), rt.Rate)
				assert.True(t, rt.Flags.ShortPreamble())
				assert.Equal(t, layers.RadioTapChannelFlags(rtChan2GHz|rtChanCCK), rt.ChannelFlags)
				assert.False(t, rt.Present.DBMAntennaSignal(), "nobody got it")
			}},
		{"5 GHz HT MCS 15, 40 MHz, short GI, strongest signal of a group frame",
			Record{Freq: 5180, Rate: mac.TxRate{Idx: 15, Flags: mac.TxRcMCS | mac.TxRc40MHz | mac.TxRcShortGI}, NoAck: true,
				Receptions: []Reception{{Outcome: Delivered, Signal: -70}, {Outcome: Delivered, Signal: -55}, {Outcome: NotHeard, Signal: -20}}},
			func(t *testing.T, rt decoded) {
				assert.False(t, rt.Present.Rate())
				assert.True(t, rt.Present.MCS())
				assert.Equal(t, uint8(15), rt.MCS.MCS)
				assert.Equal(t, layers.RadioTapMCSFlags(rtMCSBW40|rtMCSShortGI), rt.MCS.Flags)
				assert.Equal(t, layers.RadioTapChannelFlags(rtChan5GHz|rtChanOFDM), rt.ChannelFlags)
				assert.Equal(t, int8(-55), rt.DBMAntennaSignal)
				assert.False(t, rt.Present.DataRetries(), "nobody acks it")
			}},
		{"5 GHz VHT MCS 9 NSS 2, 80 MHz",
			Record{Freq: 5180, Rate: mac.TxRate{Idx: 0x19, Flags: mac.TxRcVHTMCS | mac.TxRc80MHz}, Acked: true, Tries: 1},
			func(t *testing.T, rt decoded) {
				assert.True(t, rt.Present.VHT())
				assert.Equal(t, uint8(4), rt.VHT.Bandwidth, "80 MHz")
				assert.Equal(t, layers.RadioTapVHTMCSNSS(9<<4|2), rt.VHT.MCSNSS[0], "MCS 9, 2 streams")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := appendRadiotap([]byte{0xee, 0xee, 0xee}, &tc.rec)
			require.Equal(t, []byte{0xee, 0xee, 0xee}, b[:3], "appends")
			hdr := b[3:]
			assert.Equal(t, len(hdr), int(binary.LittleEndian.Uint16(hdr[2:])))
			tc.check(t, decodeRadiotap(t, append(hdr, frameAt(mac.Broadcast)...)))
			h, err := parseRadiotap(hdr)
			require.NoError(t, err)
			assert.Equal(t, len(hdr), h.len)
			assert.Equal(t, 16, h.flagsAt, "after the header and the TSFT")
		})
	}
}

func TestParseRadiotap(t *testing.T) {
	// Two presence words (the extension bit set in the first), TSFT,
	// Flags with FCS, then a frame.
	ext := []byte{0, 0, 24, 0, 0x03, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	ext = append(ext, rtFlagFCS, 0, 0, 0)
	ext[2] = byte(len(ext))
	tests := []struct {
		name    string
		pkt     []byte
		wantLen int
		flagsAt int
		flags   byte
		err     bool
	}{
		{"extended bitmap, TSFT aligned to 8", ext, 28, 24, rtFlagFCS, false},
		{"no flags", []byte{0, 0, 8, 0, 0, 0, 0, 0, 0xaa}, 8, -1, 0, false},
		{"flags without TSFT", []byte{0, 0, 9, 0, 2, 0, 0, 0, rtFlagBadFCS}, 9, 8, rtFlagBadFCS, false},
		{"short", []byte{0, 0, 8}, 0, -1, 0, true},
		{"version 1", []byte{1, 0, 8, 0, 0, 0, 0, 0}, 0, -1, 0, true},
		{"length past the packet", []byte{0, 0, 9, 0, 0, 0, 0, 0}, 0, -1, 0, true},
		{"length below 8", []byte{0, 0, 4, 0, 0, 0, 0, 0}, 0, -1, 0, true},
		{"bitmaps run past the length", []byte{0, 0, 8, 0, 0, 0, 0, 0x80, 0, 0, 0, 0}, 0, -1, 0, true},
		{"flags past the length", []byte{0, 0, 8, 0, 2, 0, 0, 0, 0}, 0, -1, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := parseRadiotap(tc.pkt)
			if tc.err {
				assert.True(t, errors.Is(err, ErrRadiotap), "err = %v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, radiotapHeader{len: tc.wantLen, flagsAt: tc.flagsAt, flags: tc.flags}, h)
		})
	}
}

// frameAt is a small data frame to addr, carrying four bytes of the local
// experimental EtherType (which no dissector reads further).
func frameAt(addr mac.Addr) []byte {
	b := []byte{0x08, 0x02, 0, 0}
	b = append(b, addr[:]...)
	b = append(b, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 0x10, 0)
	return append(b, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0xb5, 1, 2, 3, 4)
}
