package crypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// captureWPA2 reads testdata/capture_wpa2.txt: a WPA2-PSK session that
// real hostapd and wpa_supplicant made, captured from the VM.
func captureWPA2(tb testing.TB) ([]Key, [][]byte) {
	tb.Helper()
	var keys []Key
	var frames [][]byte
	for _, f := range readLines(tb, "capture_wpa2.txt") {
		switch f[0] {
		case "key":
			k, err := ParseKey(strings.Join(f[1:], " "))
			if err != nil {
				tb.Fatal(err)
			}
			keys = append(keys, k)
		case "frame":
			frames = append(frames, unhex(tb, f[1]))
		default:
			tb.Fatalf("capture_wpa2.txt: unknown item %q", f[0])
		}
	}
	return keys, frames
}

// icmpEcho returns the ICMP type (8 request, 0 reply) of a plaintext data
// frame carrying an IPv4 echo, or -1.
func icmpEcho(tb testing.TB, frame []byte) int {
	tb.Helper()
	h, err := mac.Parse(frame)
	if err != nil {
		tb.Fatal(err)
	}
	ip, ok := bytes.CutPrefix(h.Body(frame), []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00})
	if !ok || len(ip) < 28 || ip[9] != 1 {
		return -1
	}
	return int(ip[int(ip[0]&0xf)*4])
}

// TestRealCapture follows the handshake that hostapd and wpa_supplicant
// made in the VM: the PMK from the passphrase must verify the MICs of
// messages 2 and 3, unwrap the GTK and decrypt every data frame after it,
// unicast and group-addressed, the pings among them. With a wrong
// passphrase nothing decrypts, and says why.
func TestRealCapture(t *testing.T) {
	keys, frames := captureWPA2(t)
	hs, data := frames[:4], frames[4:]
	wrong, err := ParseKey("test:87654321")
	if err != nil {
		t.Fatal(err)
	}
	pmk := keys[0].PMK()
	byPMK, err := ParseKey("test:pmk=" + hex.EncodeToString(pmk[:]))
	if err != nil {
		t.Fatal(err)
	}
	anyNet, _ := ParseKey("pmk=" + hex.EncodeToString(pmk[:]))
	tests := []struct {
		name      string
		keys      []Key
		handshake [][]byte
		events    []string
		decrypts  bool
	}{
		{"passphrase", keys, hs, []string{"1/4", "2/4+ptk0", "3/4+gtk1", "4/4"}, true},
		{"PMK of the network", []Key{wrong, byPMK}, hs, []string{"1/4", "2/4+ptk1", "3/4+gtk1", "4/4"}, true},
		{"PMK without SSID", []Key{anyNet}, hs, []string{"1/4", "2/4+ptk0", "3/4+gtk1", "4/4"}, true},
		{"wrong passphrase", []Key{wrong}, hs, []string{"1/4", "2/4!nopmk", "3/4!nopmk", "4/4"}, false},
		{"message 1 missed", keys, hs[1:], []string{"2/4", "3/4+ptk0+gtk1", "4/4"}, true},
		{"message 3 replayed", keys, [][]byte{hs[0], hs[1], hs[2], hs[2], hs[3]},
			[]string{"1/4", "2/4+ptk0", "3/4+gtk1", "3/4!replay", "4/4"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecryptor(tc.keys...)
			for i, f := range tc.handshake {
				orig := bytes.Clone(f)
				out, res := d.Frame(f)
				checkResult(t, f, orig, out, res)
				if res.Status != StatusNotProtected {
					t.Fatalf("handshake frame %d: %v (%v)", i, res.Status, res.Err)
				}
				if got := eventString(res.Event); got != tc.events[i] {
					t.Errorf("handshake frame %d: event %s (%v), want %s", i, got, eventErr(res.Event), tc.events[i])
				}
			}
			echoes := map[int]int{}
			for i, f := range data {
				orig := bytes.Clone(f)
				out, res := d.Frame(f)
				checkResult(t, f, orig, out, res)
				if !tc.decrypts {
					if res.Status != StatusNoKey || !errors.Is(res.Err, ErrNoKey) {
						t.Errorf("data frame %d: %v (%v), want no-key", i, res.Status, res.Err)
					}
					continue
				}
				if res.Status != StatusDecrypted {
					t.Errorf("data frame %d (to %v): %v (%v)", i, mac.Addr(f[4:10]), res.Status, res.Err)
					continue
				}
				echoes[icmpEcho(t, out)]++
				// A frame fed twice is a replay.
				if _, again := d.Frame(f); again.Status != StatusReplay {
					t.Errorf("data frame %d fed twice: %v", i, again.Status)
				}
			}
			if tc.decrypts && (echoes[8] != 2 || echoes[0] != 2) {
				t.Errorf("echo requests %d, replies %d; want 2 of each (the capture's two pings)", echoes[8], echoes[0])
			}
		})
	}
}

// TestRealCapturePTKIsSymmetric: the PTK derivation gives the same keys
// whichever end's address and nonce come first, as both ends derive it.
func TestRealCapturePTKIsSymmetric(t *testing.T) {
	keys, frames := captureWPA2(t)
	pdus := eapolPDUs(t, frames)
	m1, err := ParseEAPOLKey(pdus[0])
	if err != nil {
		t.Fatal(err)
	}
	m2, err := ParseEAPOLKey(pdus[1])
	if err != nil {
		t.Fatal(err)
	}
	aa, spa := mac.Addr(frames[0][10:16]), mac.Addr(frames[0][4:10])
	pmk := keys[0].PMK()
	p := derivePTK(schemeSHA1, pmk[:], aa, spa, &m1.Nonce, &m2.Nonce)
	if q := derivePTK(schemeSHA1, pmk[:], spa, aa, &m2.Nonce, &m1.Nonce); q != p {
		t.Error("the PTK depends on the order of its inputs")
	}
	if !m2.verifyMIC(schemeSHA1, &p.kck) {
		t.Error("message 2's MIC does not verify with the derived KCK")
	}
}
