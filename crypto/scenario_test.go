package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// eventString formats an event the way the scenario files write it.
func eventString(ev *Event) string {
	if ev == nil {
		return "-"
	}
	var s string
	switch ev.Message {
	case Message1, Message2, Message3, Message4:
		s = fmt.Sprintf("%d/4", ev.Message)
	case GroupMessage1:
		s = "g1/2"
	case GroupMessage2:
		s = "g2/2"
	default:
		s = "other"
	}
	if ev.PTK {
		s += fmt.Sprintf("+ptk%d", ev.KeyIndex)
	}
	if ev.GTK {
		s += fmt.Sprintf("+gtk%d", ev.GTKKeyID)
	}
	if ev.Err != nil {
		s += "!" + errName(ev.Err)
	}
	return s
}

// errName names the sentinel an error wraps.
func errName(err error) string {
	for _, e := range []struct {
		err  error
		name string
	}{
		{ErrNoPMK, "nopmk"}, {ErrMIC, "mic"}, {ErrReplay, "replay"}, {ErrUnsupported, "unsupported"},
		{ErrNoKey, "nokey"}, {ErrKeyWrap, "keywrap"}, {ErrMalformed, "malformed"},
	} {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	return "unknown(" + err.Error() + ")"
}

// statusSentinel is the error each failure status must wrap.
var statusSentinel = map[Status]error{
	StatusNoKey: ErrNoKey, StatusMICFailure: ErrMIC, StatusReplay: ErrReplay,
	StatusUnsupported: ErrUnsupported, StatusMalformed: ErrMalformed,
}

// checkResult checks the invariants every Frame call must keep.
func checkResult(t *testing.T, in, orig, out []byte, res Result) {
	t.Helper()
	if !bytes.Equal(in, orig) {
		t.Fatal("Frame modified its input")
	}
	if res.Status == StatusDecrypted {
		if len(out) != len(in)-ccmpOverhead {
			t.Fatalf("decrypted frame has %d bytes, input %d", len(out), len(in))
		}
		if out[1]&(fcProtected>>8) != 0 {
			t.Fatal("decrypted frame still has the Protected bit")
		}
		if res.Err != nil {
			t.Fatalf("decrypted with error %v", res.Err)
		}
		return
	}
	if len(in) > 0 && (len(out) != len(in) || &out[0] != &in[0]) {
		t.Fatalf("status %v but the frame is not the input slice", res.Status)
	}
	if want := statusSentinel[res.Status]; want != nil && !errors.Is(res.Err, want) {
		t.Fatalf("status %v with error %v", res.Status, res.Err)
	}
	if res.Status == StatusNotProtected && res.Err != nil {
		t.Fatalf("not-protected with error %v", res.Err)
	}
}

// TestScenarios replays the scenarios gen_vectors.py built with Python's
// cryptography package (AES-CCM, key wrap, CMAC) and hashlib: the Go code
// must reach the same keys and plaintexts from the frames alone.
func TestScenarios(t *testing.T) {
	for _, file := range []string{"handshake_psk.txt", "handshake_psk_sha256.txt", "handshake_sae.txt"} {
		t.Run(file, func(t *testing.T) {
			var keys []Key
			var d *Decryptor
			for i, f := range readLines(t, file) {
				switch f[0] {
				case "key":
					k, err := ParseKey(strings.Join(f[1:], " ")) // the spec may contain single spaces
					if err != nil {
						t.Fatal(err)
					}
					keys = append(keys, k)
				case "frame":
					if d == nil {
						d = NewDecryptor(keys...)
					}
					in := unhex(t, f[3])
					want := in
					if f[4] != "=" {
						want = unhex(t, f[4])
					}
					orig := bytes.Clone(in)
					out, res := d.Frame(in)
					checkResult(t, in, orig, out, res)
					if res.Status.String() != f[1] || eventString(res.Event) != f[2] || !bytes.Equal(out, want) {
						t.Errorf("frame %d: got %v %s (err %v, event err %v), want %s %s",
							i, res.Status, eventString(res.Event), res.Err, eventErr(res.Event), f[1], f[2])
						if !bytes.Equal(out, want) {
							t.Errorf(" got %x\nwant %x", out, want)
						}
					}
				default:
					t.Fatalf("line %d: unknown item %q", i, f[0])
				}
			}
		})
	}
}

func eventErr(ev *Event) error {
	if ev == nil {
		return nil
	}
	return ev.Err
}

// eapolFrame wraps an EAPOL PDU in a data frame from ta to ra: FromDS
// when the sender is the AP, ToDS otherwise.
func eapolFrame(ta, ra, ap mac.Addr, pdu []byte) []byte {
	f := []byte{0x08, 0x01, 0x2c, 0x00}
	if ta == ap {
		f[1] = 0x02
	}
	f = append(f, ra[:]...)
	f = append(f, ta[:]...)
	f = append(f, ap[:]...)
	f = append(f, 0x10, 0x00)
	f = append(f, 0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x8e)
	return append(f, pdu...)
}

// TestIWDHandshakes feeds real handshakes (from iwd's unit tests, made by
// other implementations) through the decryptor: the PMK from the
// passphrase must verify their MICs and unwrap their GTKs.
func TestIWDHandshakes(t *testing.T) {
	pdus := map[string]map[string][]byte{}
	for _, f := range readLines(t, "iwd_eapol.txt") {
		if pdus[f[0]] == nil {
			pdus[f[0]] = map[string][]byte{}
		}
		pdus[f[0]][f[1]] = unhex(t, f[2])
	}
	right, err := ParseKey("TestWPA:EasilyGuessedPassword")
	if err != nil {
		t.Fatal(err)
	}
	wrong, _ := ParseKey("TestWPA:EasilyGuessedPassw0rd")
	hwsimAP, hwsimSTA := mustAddr("02:00:00:00:00:00"), mustAddr("02:00:00:00:01:00")
	tests := []struct {
		name    string
		ap, sta mac.Addr
		keys    []Key
		msgs    []string
		want    []string
	}{
		{"4way", mustAddr("24:a2:e1:ec:17:04"), mustAddr("a0:a8:cd:1c:7e:c9"), []Key{wrong, right},
			[]string{"1/4", "2/4", "3/4", "4/4"}, []string{"1/4", "2/4+ptk1", "3/4+gtk2", "4/4"}}, // that AP used GTK key ID 2
		{"hwsim", hwsimAP, hwsimSTA, []Key{right},
			[]string{"1/4", "2/4", "3/4", "4/4", "g1/2", "g2/2"},
			[]string{"1/4", "2/4+ptk0", "3/4+gtk1", "4/4", "g1/2+gtk2", "g2/2"}},
		{"hwsim wrong passphrase", hwsimAP, hwsimSTA, []Key{wrong},
			[]string{"1/4", "2/4", "3/4", "4/4", "g1/2"},
			[]string{"1/4", "2/4!nopmk", "3/4!nopmk", "4/4", "g1/2!nokey"}},
		{"hwsim message 1 missed", hwsimAP, hwsimSTA, []Key{right},
			[]string{"2/4", "3/4", "4/4"}, []string{"2/4", "3/4+ptk0+gtk1", "4/4"}},
		{"hwsim replayed message 3", hwsimAP, hwsimSTA, []Key{right},
			[]string{"1/4", "2/4", "3/4", "3/4"}, []string{"1/4", "2/4+ptk0", "3/4+gtk1", "3/4!replay"}},
		{"tkip", hwsimAP, hwsimSTA, []Key{right},
			[]string{"1/4", "2/4", "3/4", "4/4"}, []string{"1/4", "2/4!unsupported", "3/4!unsupported", "4/4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := pdus[tc.name]
			if hs == nil {
				hs = pdus[bytesField(tc.name)]
			}
			d := NewDecryptor(tc.keys...)
			for i, m := range tc.msgs {
				ta, ra := tc.ap, tc.sta
				if m == "2/4" || m == "4/4" || m == "g2/2" {
					ta, ra = tc.sta, tc.ap
				}
				in := eapolFrame(ta, ra, tc.ap, hs[m])
				out, res := d.Frame(in)
				if res.Status != StatusNotProtected || &out[0] != &in[0] {
					t.Fatalf("%s: status %v", m, res.Status)
				}
				if got := eventString(res.Event); got != tc.want[i] {
					t.Errorf("%s: event %s (%v), want %s", m, got, eventErr(res.Event), tc.want[i])
				}
			}
		})
	}
}

// bytesField returns the first word of a test name: the handshake in
// iwd_eapol.txt it uses.
func bytesField(s string) string {
	w, _, _ := bytes.Cut([]byte(s), []byte(" "))
	return string(w)
}
