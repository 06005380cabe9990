package crypto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// scenarioFrames returns the input frames of a generated scenario file.
func scenarioFrames(tb testing.TB, name string) [][]byte {
	var out [][]byte
	for _, f := range readLines(tb, name) {
		if f[0] == "frame" {
			out = append(out, unhex(tb, f[3]))
		}
	}
	return out
}

func FuzzParseEAPOLKey(f *testing.F) {
	for _, file := range scenarioFiles {
		for _, p := range eapolPDUs(f, scenarioFrames(f, file)) {
			f.Add(p)
		}
	}
	_, real := captureWPA2(f)
	for _, p := range eapolPDUs(f, real) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := bytes.Clone(b)
		k, err := ParseEAPOLKey(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if len(k.raw) > len(b) || len(k.KeyData) > len(k.raw)-offKeyData || cap(k.KeyData) != len(k.KeyData) {
			t.Fatalf("slices outside the input: raw %d, key data %d, input %d", len(k.raw), len(k.KeyData), len(b))
		}
		_ = k.Message().String()
		var kck [kckLen]byte
		k.verifyMIC(schemeSHA1, &kck)
		k.verifyMIC(schemeSHA256, &kck)
		if !bytes.Equal(b, orig) {
			t.Fatal("parsing modified the input")
		}
	})
}

func FuzzParseKeyData(f *testing.F) {
	f.Add(unhexS("30140100000fac040100000fac040100000fac020000" + "dd16000fac010200" + "42424242424242424242424242424242" + "dd000000"))
	f.Add(unhexS("dd06000fac0a0100dd16000fac01010000112233445566778899aabbccddeeff"))
	f.Add(unhexS("30020100"))
	f.Fuzz(func(t *testing.T, b []byte) {
		kd, err := parseKeyData(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if kd.haveGTK && (len(kd.gtk) < 5 || !bytes.Contains(b, kd.gtk) || cap(kd.gtk) != len(kd.gtk)) {
			t.Fatalf("GTK %x not a clipped part of the input", kd.gtk)
		}
		if kd.gtkID > 3 || kd.ptkID > 3 {
			t.Fatalf("key IDs %d %d out of range", kd.gtkID, kd.ptkID)
		}
		if len(b) >= 2 {
			_, _ = parseRSNE(b[2:])
		}
	})
}

// FuzzDecryptor feeds one frame to a decryptor that has followed the
// 4-way handshake of handshake_psk.txt. Whatever the frame, Frame must not
// panic, must not modify it, must return it unchanged unless it decrypted
// it, and a decrypted frame is 16 bytes shorter, without the Protected
// bit, and a replay when fed again.
func FuzzDecryptor(f *testing.F) {
	frames := scenarioFrames(f, "handshake_psk.txt")
	for _, fr := range frames {
		f.Add(fr)
	}
	_, real := captureWPA2(f)
	for _, fr := range real {
		f.Add(fr)
	}
	var keys []Key
	for _, l := range readLines(f, "handshake_psk.txt") {
		if l[0] == "key" {
			k, err := ParseKey(strings.Join(l[1:], " "))
			if err != nil {
				f.Fatal(err)
			}
			keys = append(keys, k)
		}
	}
	handshake := frames[:4]
	f.Fuzz(func(t *testing.T, frame []byte) {
		d := NewDecryptor(keys...)
		for _, h := range handshake {
			d.Frame(h)
		}
		orig := bytes.Clone(frame)
		out, res := d.Frame(frame)
		checkResult(t, frame, orig, out, res)
		if res.Status != StatusDecrypted {
			return
		}
		if out2, res2 := d.Frame(frame); res2.Status != StatusReplay || &out2[0] != &frame[0] {
			t.Fatalf("decrypted frame fed again: %v (%v)", res2.Status, res2.Err)
		}
	})
}

func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"IEEE:password", "pmk=" + string(bytes.Repeat([]byte("ab"), 32)), "a%3ab:x:yzzzzzzz", "%", ":", "net:pmk="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 200 {
			return
		}
		k, err := ParseKey(s)
		if err != nil {
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Err == nil || !errors.Is(err, ke.Err) {
				t.Fatalf("error %v is not a *KeyError with a sentinel", err)
			}
			return
		}
		if len(k.SSID()) > maxSSIDLen {
			t.Fatalf("SSID of %d bytes accepted", len(k.SSID()))
		}
		_ = k.String()
	})
}
