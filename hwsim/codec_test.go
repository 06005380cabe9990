package hwsim

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/mdlayher/netlink"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

const testFamily = 0x1d

// splitMsg checks the netlink/genetlink headers of one encoded message and
// returns its command and attribute bytes.
func splitMsg(t *testing.T, b []byte) (cmd uint8, flags uint16, attrs []byte) {
	t.Helper()
	require.GreaterOrEqual(t, len(b), 20)
	require.Equal(t, uint32(len(b)), binary.NativeEndian.Uint32(b[0:]), "nlmsg_len")
	require.Equal(t, uint16(testFamily), binary.NativeEndian.Uint16(b[4:]), "nlmsg_type")
	require.Equal(t, uint8(FamilyVersion), b[17], "genl version")
	return b[16], binary.NativeEndian.Uint16(b[6:]), b[20:]
}

func TestAppendDeliveryDecodesWithLibrary(t *testing.T) {
	for _, size := range []int{0, 1, 3, 24, 1500} {
		frame := bytes.Repeat([]byte{0xab}, size)
		d := Delivery{Receiver: mac.Addr{0, 0x76, 0x77, 0x31, 0, 0}, Data: frame, RxRate: 3, Signal: -47, Freq: 2437}
		e := Encoder{Family: testFamily}
		b := e.AppendDelivery(nil, &d)
		require.Len(t, b, DeliveryLen(size))
		cmd, flags, attrs := splitMsg(t, b)
		assert.Equal(t, CmdFrame, cmd)
		assert.Equal(t, uint16(nlmFRequest), flags)

		ad, err := netlink.NewAttributeDecoder(attrs)
		require.NoError(t, err)
		got := map[uint16]bool{}
		for ad.Next() {
			got[ad.Type()] = true
			switch ad.Type() {
			case AttrAddrReceiver:
				assert.Equal(t, d.Receiver[:], ad.Bytes())
			case AttrFrame:
				assert.Equal(t, frame, ad.Bytes())
			case AttrRxRate:
				assert.Equal(t, uint32(3), ad.Uint32())
			case AttrSignal:
				assert.Equal(t, int32(-47), int32(ad.Uint32()))
			case AttrFreq:
				assert.Equal(t, uint32(2437), ad.Uint32())
			default:
				t.Errorf("unexpected attribute %d", ad.Type())
			}
		}
		require.NoError(t, ad.Err())
		assert.Len(t, got, 5)
	}
}

func TestAppendStatusDecodesWithLibrary(t *testing.T) {
	st := TxStatus{
		Transmitter: mac.Addr{0, 0x76, 0x77, 0x30, 0, 0},
		Flags:       TxStatAck | TxCtlReqTxStatus,
		Cookie:      0x0102030405060708,
		Signal:      -30,
		Rates:       [MaxTxRates]TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
	}
	e := Encoder{Family: testFamily}
	b := e.AppendStatus(nil, &st)
	require.Len(t, b, StatusLen)
	cmd, _, attrs := splitMsg(t, b)
	assert.Equal(t, CmdTxInfoFrame, cmd)
	ad, err := netlink.NewAttributeDecoder(attrs)
	require.NoError(t, err)
	n := 0
	for ad.Next() {
		n++
		switch ad.Type() {
		case AttrAddrTransmitter:
			assert.Equal(t, st.Transmitter[:], ad.Bytes())
		case AttrFlags:
			assert.Equal(t, st.Flags, ad.Uint32())
		case AttrCookie:
			assert.Equal(t, st.Cookie, ad.Uint64())
		case AttrSignal:
			assert.Equal(t, int32(-30), int32(ad.Uint32()))
		case AttrTxInfo:
			assert.Equal(t, []byte{0, 1, 0xff, 0, 0xff, 0, 0xff, 0}, ad.Bytes())
		default:
			t.Errorf("unexpected attribute %d", ad.Type())
		}
	}
	require.NoError(t, ad.Err())
	assert.Equal(t, 5, n)
}

// kernelFrame encodes a FRAME message the way the kernel sends it, using
// the library encoder so the hand-written decoder is checked against an
// independent implementation.
func kernelFrame(t testing.TB, cmd uint8, fn func(ae *netlink.AttributeEncoder)) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	fn(ae)
	attrs, err := ae.Encode()
	require.NoError(t, err)
	b := make([]byte, 20, 20+len(attrs))
	binary.NativeEndian.PutUint32(b[0:], uint32(20+len(attrs)))
	binary.NativeEndian.PutUint16(b[4:], testFamily)
	b[16] = cmd
	b[17] = FamilyVersion
	return append(b, attrs...)
}

func TestDecodeMessageFrame(t *testing.T) {
	tx := mac.Addr{0x42, 0, 0, 0, 1, 0}
	payload := []byte{0x08, 0x02, 0, 0, 1, 2, 3, 4, 5, 6}
	msg := kernelFrame(t, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, tx[:])
		ae.Bytes(AttrFrame, payload)
		ae.Uint32(AttrFlags, TxCtlReqTxStatus)
		ae.Bytes(AttrTxInfo, []byte{2, 3, 1, 4, 0xff, 0, 0xff, 0})
		ae.Bytes(AttrTxInfoFlags, []byte{2, 0, 0, 1, 0, 0, 0xff, 0, 0, 0xff, 0, 0})
		ae.Uint64(AttrCookie, 77)
		ae.Uint32(AttrFreq, 2412)
	})
	// Two messages back to back, as one datagram may carry.
	buf := append(append([]byte{}, msg...), msg...)
	var d Decoded
	used, err := DecodeMessage(testFamily, buf, &d)
	require.NoError(t, err)
	assert.Equal(t, len(msg), used)
	require.True(t, d.HasEvent)
	f := d.Event.Frame
	assert.Equal(t, EventFrame, d.Event.Kind)
	assert.Equal(t, tx, f.Transmitter)
	assert.Equal(t, payload, f.Data)
	assert.Equal(t, TxCtlReqTxStatus, f.Flags)
	assert.Equal(t, [MaxTxRates]TxRate{{Idx: 2, Count: 3}, {Idx: 1, Count: 4}, {Idx: -1}, {Idx: -1}}, f.Rates)
	assert.Equal(t, uint64(77), f.Cookie)
	assert.Equal(t, uint32(2412), f.Freq)
}

// rateFlags packs struct hwsim_tx_rate_flag entries ({s8 idx; u16 flags}
// __packed, host byte order) as the kernel's mac80211_hwsim_tx_frame_nl
// puts them in HWSIM_ATTR_TX_INFO_FLAGS.
func rateFlags(entries ...TxRate) []byte {
	var b []byte
	for _, e := range entries {
		b = append(b, byte(e.Idx))
		b = binary.NativeEndian.AppendUint16(b, e.Flags)
	}
	return b
}

func TestDecodeMessageRateFlags(t *testing.T) {
	ht := mac.TxRcMCS | mac.TxRc40MHz | mac.TxRcShortGI
	vht := mac.TxRcVHTMCS | mac.TxRc80MHz
	txInfo := []byte{15, 2, 0x17, 2, 7, 3, 0xff, 0}
	full := rateFlags(TxRate{Idx: 15, Flags: ht}, TxRate{Idx: 0x17, Flags: vht}, TxRate{Idx: 7, Flags: mac.TxRcMCS}, TxRate{Idx: -1})
	for _, tc := range []struct {
		name  string
		attrs func(ae *netlink.AttributeEncoder)
		want  [MaxTxRates]TxRate
	}{
		{
			name: "flags follow the chain by position",
			attrs: func(ae *netlink.AttributeEncoder) {
				ae.Bytes(AttrTxInfo, txInfo)
				ae.Bytes(AttrTxInfoFlags, full)
			},
			want: [MaxTxRates]TxRate{{Idx: 15, Count: 2, Flags: ht}, {Idx: 0x17, Count: 2, Flags: vht}, {Idx: 7, Count: 3, Flags: mac.TxRcMCS}, {Idx: -1}},
		},
		{
			name: "flags before the chain",
			attrs: func(ae *netlink.AttributeEncoder) {
				ae.Bytes(AttrTxInfoFlags, full)
				ae.Bytes(AttrTxInfo, txInfo)
			},
			want: [MaxTxRates]TxRate{{Idx: 15, Count: 2, Flags: ht}, {Idx: 0x17, Count: 2, Flags: vht}, {Idx: 7, Count: 3, Flags: mac.TxRcMCS}, {Idx: -1}},
		},
		{
			name: "short attribute leaves the rest legacy",
			attrs: func(ae *netlink.AttributeEncoder) {
				ae.Bytes(AttrTxInfo, txInfo)
				ae.Bytes(AttrTxInfoFlags, full[:5])
			},
			want: [MaxTxRates]TxRate{{Idx: 15, Count: 2, Flags: ht}, {Idx: 0x17, Count: 2}, {Idx: 7, Count: 3}, {Idx: -1}},
		},
		{
			name:  "missing attribute",
			attrs: func(ae *netlink.AttributeEncoder) { ae.Bytes(AttrTxInfo, txInfo) },
			want:  [MaxTxRates]TxRate{{Idx: 15, Count: 2}, {Idx: 0x17, Count: 2}, {Idx: 7, Count: 3}, {Idx: -1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := kernelFrame(t, CmdFrame, func(ae *netlink.AttributeEncoder) {
				ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
				ae.Bytes(AttrFrame, []byte{0x08, 0x02, 0, 0})
				tc.attrs(ae)
			})
			var d Decoded
			_, err := DecodeMessage(testFamily, msg, &d)
			require.NoError(t, err)
			require.True(t, d.HasEvent)
			assert.Equal(t, tc.want, d.Event.Frame.Rates)
		})
	}
}

func TestDecodeMessageMACEvents(t *testing.T) {
	radio := mac.Addr{0, 0x76, 0x77, 0x31, 0, 0}
	vif := mac.Addr{2, 0x76, 0x77, 0x31, 0, 1}
	for _, tc := range []struct {
		cmd  uint8
		kind EventKind
	}{{CmdAddMACAddr, EventAddMAC}, {CmdDelMACAddr, EventDelMAC}} {
		msg := kernelFrame(t, tc.cmd, func(ae *netlink.AttributeEncoder) {
			ae.Bytes(AttrAddrReceiver, vif[:])
			ae.Bytes(AttrAddrTransmitter, radio[:])
		})
		var d Decoded
		_, err := DecodeMessage(testFamily, msg, &d)
		require.NoError(t, err)
		require.True(t, d.HasEvent)
		assert.Equal(t, tc.kind, d.Event.Kind)
		assert.Equal(t, radio, d.Event.Radio)
		assert.Equal(t, vif, d.Event.Addr)
	}
}

func TestDecodeMessageAckAndOthers(t *testing.T) {
	// NLMSG_ERROR with -EINVAL for the request with sequence 9, capped.
	ack := make([]byte, 16+4+16)
	binary.NativeEndian.PutUint32(ack[0:], uint32(len(ack)))
	binary.NativeEndian.PutUint16(ack[4:], nlmsgError)
	binary.NativeEndian.PutUint32(ack[16:], uint32(0xffffffea)) // -22
	binary.NativeEndian.PutUint32(ack[16+4+8:], 9)
	var d Decoded
	used, err := DecodeMessage(testFamily, ack, &d)
	require.NoError(t, err)
	assert.Equal(t, len(ack), used)
	assert.True(t, d.IsAck)
	assert.Equal(t, int32(-22), d.Ack.Errno)
	assert.Equal(t, uint32(9), d.Ack.Seq)

	other := kernelFrame(t, CmdNewRadio, func(ae *netlink.AttributeEncoder) { ae.Uint32(AttrRadioID, 1) })
	_, err = DecodeMessage(testFamily, other, &d)
	require.NoError(t, err)
	assert.False(t, d.HasEvent)
}

func TestDecodeMessageMalformed(t *testing.T) {
	good := kernelFrame(t, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
		ae.Bytes(AttrFrame, []byte{1, 2, 3})
	})
	noFrame := kernelFrame(t, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
	})
	shortAddr := kernelFrame(t, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 5))
		ae.Bytes(AttrFrame, []byte{1})
	})
	badAttrLen := append([]byte{}, good...)
	binary.NativeEndian.PutUint16(badAttrLen[20:], 200)
	for name, b := range map[string][]byte{
		"empty":        nil,
		"short header": good[:10],
		"length past":  good[:len(good)-2],
		"no frame":     noFrame,
		"short addr":   shortAddr,
		"attr length":  badAttrLen,
	} {
		t.Run(name, func(t *testing.T) {
			var d Decoded
			_, err := DecodeMessage(testFamily, b, &d)
			assert.ErrorIs(t, err, ErrMalformed)
		})
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add(kernelFrame(f, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
		ae.Bytes(AttrFrame, []byte{0x80, 0, 0, 0})
		ae.Uint64(AttrCookie, 1)
	}))
	f.Add(kernelFrame(f, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
		ae.Bytes(AttrFrame, []byte{0x88, 0x02, 0, 0})
		ae.Bytes(AttrTxInfo, []byte{15, 2, 7, 2, 0, 3, 0xff, 0})
		ae.Bytes(AttrTxInfoFlags, rateFlags(TxRate{Idx: 15, Flags: mac.TxRcMCS | mac.TxRcShortGI}, TxRate{Idx: 7, Flags: mac.TxRcMCS}, TxRate{Idx: 0}, TxRate{Idx: -1}))
	}))
	f.Add(kernelFrame(f, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
		ae.Bytes(AttrFrame, []byte{0x88, 0x02, 0, 0})
		ae.Bytes(AttrTxInfo, []byte{0x29, 1})
		ae.Bytes(AttrTxInfoFlags, []byte{0x29, 0x20})
	}))
	f.Add(kernelFrame(f, CmdAddMACAddr, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
		ae.Bytes(AttrAddrReceiver, make([]byte, 6))
	}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoded
		for len(b) > 0 {
			used, err := DecodeMessage(testFamily, b, &d)
			if err != nil {
				return
			}
			if used <= 0 || used > len(b) {
				t.Fatalf("used %d of %d", used, len(b))
			}
			if d.HasEvent && d.Event.Kind == EventFrame && d.Event.Frame.Data == nil {
				t.Fatal("frame event without data")
			}
			b = b[used:]
		}
	})
}

func BenchmarkEncodeDelivery(b *testing.B) {
	e := Encoder{Family: testFamily}
	d := Delivery{Data: make([]byte, 1500), RxRate: 1, Signal: -50, Freq: 2437}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.AppendDelivery(buf[:0], &d)
	}
}

func BenchmarkDecodeFrame(b *testing.B) {
	msg := kernelFrame(b, CmdFrame, func(ae *netlink.AttributeEncoder) {
		ae.Bytes(AttrAddrTransmitter, make([]byte, 6))
		ae.Bytes(AttrFrame, make([]byte, 1500))
		ae.Uint32(AttrFlags, TxCtlReqTxStatus)
		ae.Bytes(AttrTxInfo, []byte{15, 2, 7, 2, 0, 3, 0xff, 0})
		ae.Bytes(AttrTxInfoFlags, rateFlags(TxRate{Idx: 15, Flags: mac.TxRcMCS}, TxRate{Idx: 7, Flags: mac.TxRcMCS}, TxRate{Idx: 0}, TxRate{Idx: -1}))
		ae.Uint64(AttrCookie, 1)
		ae.Uint32(AttrFreq, 5180)
	})
	var d Decoded
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeMessage(testFamily, msg, &d); err != nil {
			b.Fatal(err)
		}
	}
}
