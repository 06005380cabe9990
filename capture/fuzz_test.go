package capture

import (
	"bytes"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// FuzzDecryptFile feeds DecryptFile captures from outside. Whatever the
// bytes, it must not panic; when it succeeds its output is a pcapng
// capture with exactly the packets it counted, and its counts add up.
func FuzzDecryptFile(f *testing.F) {
	keys, frames := scenario(f, "handshake_psk.txt")
	f.Add(rawCapture(f, frames[:8]))
	var ins [][]byte
	for _, fr := range frames[:6] {
		ins = append(ins, fr.in)
	}
	t := &testing.T{}
	f.Add(encode(t, false, layers.LinkTypeIEEE802_11, ins...))
	f.Add(encode(t, true, LinkType, []byte{0, 0, 9, 0, 1 << rtFlags, 0, 0, 0, rtFlagFCS, 1, 2, 3, 4, 5}))
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		st, err := DecryptFile(bytes.NewReader(in), &out, keys)
		if err != nil {
			return
		}
		if st.Decrypted+st.Undecrypted+st.Skipped > st.Packets {
			t.Fatalf("counts do not add up: %+v", st)
		}
		r, err := pcapgo.NewNgReader(bytes.NewReader(out.Bytes()), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			t.Fatalf("output does not read back: %v", err)
		}
		n := uint64(0)
		for {
			if _, _, err := r.ReadPacketData(); err != nil {
				break
			}
			n++
		}
		if n != st.Packets {
			t.Fatalf("output has %d packets, DecryptFile counted %d", n, st.Packets)
		}
	})
}

// FuzzParseRadiotap: the header parser never reads outside the packet and
// finds the Flags field inside the header it measured.
func FuzzParseRadiotap(f *testing.F) {
	f.Add(appendRadiotap(nil, recordOf(1, frameAt([6]byte{1}))))
	f.Add([]byte{0, 0, 24, 0, 0x03, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, rtFlagFCS})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		h, err := parseRadiotap(pkt)
		if err != nil {
			return
		}
		if h.len < 8 || h.len > len(pkt) || h.flagsAt >= h.len || (h.flagsAt >= 0 && pkt[h.flagsAt] != h.flags) {
			t.Fatalf("header %+v of a %d-byte packet", h, len(pkt))
		}
	})
}
