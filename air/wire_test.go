package air

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

var sampleFrame = medium.BusFrame{
	Seq: 1 << 40, WantAck: true, Transmitter: mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}, Freq: 5180, Flags: hwsim.TxCtlReqTxStatus,
	Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 7, Count: 2, Flags: mac.TxRcMCS}, {Idx: 0, Count: 3}, {Idx: -1}, {Idx: -1}},
	Data:  []byte{0x88, 0x01, 0, 0, 1, 2, 3, 4, 5, 6},
}

var sampleAnswer = medium.BusAck{Seq: 99, Acked: true, Signal: -47,
	Tries: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 7, Count: 1, Flags: mac.TxRcMCS}, {Idx: -1}, {Idx: -1}, {Idx: -1}}}

func TestWireRoundTrip(t *testing.T) {
	var f medium.BusFrame
	require.NoError(t, DecodeFrame(AppendFrame(nil, &sampleFrame), &f))
	assert.Equal(t, sampleFrame, f)
	var a medium.BusAck
	require.NoError(t, DecodeAnswer(AppendAnswer(nil, &sampleAnswer), &a))
	assert.Equal(t, sampleAnswer, a)
}

func TestWireRefusesWhatIsNotOurs(t *testing.T) {
	frame := AppendFrame(nil, &sampleFrame)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "0 bytes"},
		{"newer version", append([]byte{2}, frame[1:]...), "wire format version 2 (this member speaks 1"},
		{"an answer where a frame belongs", AppendAnswer(nil, &sampleAnswer), `kind 'A' where 'F' belongs`},
		{"short header", frame[:20], "20 bytes, at least 42 expected"},
		{"too long", append(frame[:frameHeader:frameHeader], make([]byte, MaxFrame+1)...), "a frame of 16385 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f medium.BusFrame
			err := DecodeFrame(tc.b, &f)
			require.ErrorIs(t, err, ErrBadMessage)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	var a medium.BusAck
	assert.ErrorIs(t, DecodeAnswer(append(AppendAnswer(nil, &sampleAnswer), 0), &a), ErrBadMessage, "an answer has one length")
}

func TestDecodeHello(t *testing.T) {
	for _, tc := range []struct {
		name, json, want string
	}{
		{"good", `{"version":1,"member":"vm1","started":5,"radios":[{"name":"vw_phy0","iface":"vw0","hw":"00:76:77:30:00:00"}]}`, ""},
		{"other version", `{"version":2,"member":"vm1","radios":[]}`, "version 2"},
		{"bad member", `{"version":1,"member":"vm 1","radios":[]}`, `member name "vm 1"`},
		{"radio without address", `{"version":1,"member":"vm1","radios":[{"name":"vw_phy0"}]}`, "needs a name and a hwsim address"},
		{"not json", `{`, "hello:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h Hello
			err := DecodeHello([]byte(tc.json), &h)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrBadMessage)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// FuzzDecodeFrame: a message that decodes encodes back to the same bytes,
// but for the flag bits and the byte the format does not use; one that
// does not is refused with ErrBadMessage.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(AppendFrame(nil, &sampleFrame))
	f.Add(AppendAnswer(nil, &sampleAnswer))
	f.Add([]byte{1, 'F'})
	f.Fuzz(func(t *testing.T, b []byte) {
		var fr medium.BusFrame
		if err := DecodeFrame(b, &fr); err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error without ErrBadMessage: %v", err)
			}
			return
		}
		if len(fr.Data) > MaxFrame {
			t.Fatalf("a frame of %d bytes passed", len(fr.Data))
		}
		again := AppendFrame(nil, &fr)
		canon := bytes.Clone(b)
		canon[2] &= 1
		canon[3] = 0
		if !bytes.Equal(again, canon) {
			t.Fatalf("re-encoded %x, decoded from %x", again, b)
		}
	})
}

// FuzzDecodeAnswer: as FuzzDecodeFrame, for answers.
func FuzzDecodeAnswer(f *testing.F) {
	f.Add(AppendAnswer(nil, &sampleAnswer))
	f.Add(AppendFrame(nil, &sampleFrame))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a medium.BusAck
		if err := DecodeAnswer(b, &a); err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error without ErrBadMessage: %v", err)
			}
			return
		}
		canon := bytes.Clone(b)
		canon[2] &= 1
		canon[3] = 0
		if again := AppendAnswer(nil, &a); !bytes.Equal(again, canon) {
			t.Fatalf("re-encoded %x, decoded from %x", again, b)
		}
	})
}

// FuzzDecodeHello: a heartbeat that decodes names a valid member and only
// radios with a name and an address, within the bounds.
func FuzzDecodeHello(f *testing.F) {
	good, _ := json.Marshal(Hello{Version: Version, Member: "vm1", Radios: []HelloRadio{{Name: "vw_phy0", HW: mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}}}})
	f.Add(good)
	f.Add([]byte(`{"version":1,"member":"x","radios":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Hello
		if err := DecodeHello(b, &h); err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error without ErrBadMessage: %v", err)
			}
			return
		}
		if CheckName("member", h.Member) != nil || h.Version != Version || len(h.Radios) > medium.MaxMemberRadios {
			t.Fatalf("accepted %+v", h)
		}
		for _, r := range h.Radios {
			if r.Name == "" || r.HW.IsZero() || len(r.Addrs) > maxHelloAddrs {
				t.Fatalf("accepted radio %+v", r)
			}
		}
	})
}
