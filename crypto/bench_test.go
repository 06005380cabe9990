package crypto

import (
	"bytes"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// benchFrame returns a QoS data frame (station to AP) with a 1500-byte
// body, protected with tk and PN pn.
func benchFrame(tb testing.TB, tk [tkLen]byte, pn uint64) []byte {
	ap, sta := mustAddr("02:00:00:00:00:00"), mustAddr("02:00:00:00:01:00")
	f := []byte{0x88, 0x01, 0, 0}
	f = append(f, ap[:]...)
	f = append(f, sta[:]...)
	f = append(f, ap[:]...)
	f = append(f, 0x10, 0, 0, 0)
	f = append(f, bytes.Repeat([]byte{0x5a}, 1500)...)
	return sealCCMP(tb, f, tk, pn, 0)
}

// BenchmarkCCMPDecrypt1500 measures CCMP alone: AAD and nonce, AES-CTR and
// the CBC-MAC over a 1500-byte body.
func BenchmarkCCMPDecrypt1500(b *testing.B) {
	tk := [tkLen]byte{1, 2, 3}
	frame := benchFrame(b, tk, 1)
	h, err := mac.Parse(frame)
	if err != nil {
		b.Fatal(err)
	}
	k := newTemporalKey(tk, 0)
	out := make([]byte, len(frame)-ccmpOverhead)
	b.SetBytes(1500)
	b.ReportAllocs()
	for b.Loop() {
		if !k.open(&h, frame, 1, out) {
			b.Fatal("MIC failure")
		}
	}
}

// BenchmarkDecryptorFrame1500 measures Decryptor.Frame on a 1500-byte
// body: header parse, key lookup, decryption, replay check, output copy.
func BenchmarkDecryptorFrame1500(b *testing.B) {
	tk := [tkLen]byte{1, 2, 3}
	const n = 256
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = benchFrame(b, tk, uint64(i+1))
	}
	ap, sta := mustAddr("02:00:00:00:00:00"), mustAddr("02:00:00:00:01:00")
	d := NewDecryptor()
	k := newTemporalKey(tk, 0)
	d.pairs[pairID{ap, sta}] = &pair{id: pairID{ap, sta}, tks: []*temporalKey{k}}
	b.SetBytes(1500)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == n {
			i = 0
			k.next = [2][replaySlots]uint64{} // start the PNs again
		}
		if _, res := d.Frame(frames[i]); res.Status != StatusDecrypted {
			b.Fatalf("frame %d: %v %v", i, res.Status, res.Err)
		}
		i++
	}
}
