package crypto

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// eapolPDUs returns the EAPOL PDUs (802.1X header first) that the
// unprotected data frames of frames carry, in order.
func eapolPDUs(tb testing.TB, frames [][]byte) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, f := range frames {
		h, err := mac.Parse(f)
		if err != nil || !h.FC.IsData() || h.FC.Protected() {
			continue
		}
		if body, ok := bytes.CutPrefix(h.Body(f), llcEAPOL); ok {
			out = append(out, body)
		}
	}
	return out
}

// llcEAPOL is the LLC/SNAP header of an EAPOL frame (EtherType 0x888e).
var llcEAPOL = []byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00, 0x88, 0x8e}

// wantKey is what TestParseEAPOLKey checks of a parsed EAPOL-Key frame:
// every fixed field, and the ends of the nonce and MIC.
type wantKey struct {
	version         uint8
	info            KeyInfo
	keyLen          uint16
	replay          uint64
	nonce0, nonce31 byte
	mic0, mic15     byte
	keyData         int
	msg             Message
}

func checkKey(t *testing.T, name string, pdu []byte, w wantKey) {
	t.Helper()
	k, err := ParseEAPOLKey(pdu)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got := wantKey{k.ProtocolVersion, k.Info, k.KeyLength, k.ReplayCounter, k.Nonce[0], k.Nonce[31], k.MIC[0], k.MIC[15], len(k.KeyData), k.Message()}
	if got != w || k.DescriptorType != DescriptorRSN || k.RSC != 0 {
		t.Errorf("%s: got %+v (descriptor %d, RSC %d), want %+v", name, got, k.DescriptorType, k.RSC, w)
	}
}

func TestParseEAPOLKey(t *testing.T) {
	// The handshake of testdata/capture_wpa2.txt, as hostapd (802.1X
	// version 2) and wpa_supplicant (version 1) sent it: fields read with
	// tshark.
	_, frames := captureWPA2(t)
	pdus := eapolPDUs(t, frames)
	for i, w := range []wantKey{
		{2, 0x008a, 16, 1, 0x1f, 0xe6, 0x00, 0x00, 0, Message1},
		{1, 0x010a, 0, 1, 0xc5, 0x85, 0x10, 0xc8, 22, Message2},
		{2, 0x13ca, 16, 2, 0x1f, 0xe6, 0xbe, 0x83, 56, Message3},
		{1, 0x030a, 0, 2, 0x00, 0x00, 0x2e, 0x89, 0, Message4},
	} {
		checkKey(t, fmt.Sprintf("capture_wpa2.txt message %d", i+1), pdus[i], w)
	}
	// And one of gen_vectors.py's scenario, whose message 3 also carries
	// an IGTK.
	checkKey(t, "handshake_psk.txt message 3", eapolPDUs(t, scenarioFrames(t, "handshake_psk.txt"))[2],
		wantKey{2, 0x13ca, 16, 2, 0xbe, 0xba, 0x25, 0x85, 88, Message3})
	m1 := pdus[0]
	// Bytes after the 802.1X length are ignored.
	k, err := ParseEAPOLKey(append(bytes.Clone(m1), 0xee, 0xee))
	if err != nil || len(k.raw) != len(m1) {
		t.Errorf("trailing bytes: %v, raw %d", err, len(k.raw))
	}
	// Every truncation fails with ErrMalformed.
	for n := range len(m1) {
		if _, err := ParseEAPOLKey(m1[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%d bytes: err = %v", n, err)
		}
	}
	// Key data length past the end.
	bad := bytes.Clone(m1)
	bad[offKeyDataLen+1] = 1
	if _, err := ParseEAPOLKey(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("key data past the end: %v", err)
	}
	// EAP packets are not EAPOL-Key.
	if _, err := ParseEAPOLKey([]byte{2, 0, 0, 5, 1, 1, 0, 5, 1}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("EAP packet: %v", err)
	}
}

func TestMessage(t *testing.T) {
	nonce := [nonceLen]byte{1}
	tests := []struct {
		info    KeyInfo
		nonce   [nonceLen]byte
		keyData int
		want    Message
	}{
		{0x008a, nonce, 0, Message1},
		{0x0089, nonce, 22, Message1}, // TKIP, PMKID in key data
		{0x010a, nonce, 22, Message2},
		{0x030a, nonce, 22, Message2}, // Secure during a PTK rekey
		{0x13ca, nonce, 56, Message3},
		{0x030a, [nonceLen]byte{}, 0, Message4},
		{0x030a, nonce, 0, Message4}, // some stations repeat the SNonce
		{0x1382, nonce, 32, GroupMessage1},
		{0x0302, [nonceLen]byte{}, 0, GroupMessage2},
		{0x0b0a, nonce, 0, MessageOther}, // request
		{0x0008, nonce, 0, MessageOther},
		{0x0002, nonce, 0, MessageOther},
		{0x00ca, nonce, 0, MessageOther}, // install+ack without MIC
	}
	for _, tc := range tests {
		k := EAPOLKey{Info: tc.info, Nonce: tc.nonce, KeyData: make([]byte, tc.keyData)}
		if got := k.Message(); got != tc.want {
			t.Errorf("info %#04x: %v, want %v", uint16(tc.info), got, tc.want)
		}
	}
	names := map[Message]string{Message1: "4-way 1/4", Message4: "4-way 4/4", GroupMessage1: "group 1/2",
		GroupMessage2: "group 2/2", MessageOther: "other"}
	for m, s := range names {
		if m.String() != s {
			t.Errorf("%d.String() = %q, want %q", m, m.String(), s)
		}
	}
}

func TestSelectScheme(t *testing.T) {
	tests := []struct {
		version uint8
		akm     uint32
		haveAKM bool
		want    keyScheme
	}{
		{2, 0, false, schemeSHA1},
		{3, 0, false, schemeSHA256},
		{0, 0, false, 0},
		{1, 0, false, 0},
		{2, akmPSK, true, schemeSHA1},
		{2, akm8021X, true, schemeSHA1},
		{3, akmPSKSHA256, true, schemeSHA256},
		{3, akm8021XSHA256, true, schemeSHA256},
		{0, akmSAE, true, schemeSHA256},
		{2, akmSAE, true, 0},        // mismatched version
		{3, suiteOUI | 4, true, 0},  // FT-PSK
		{0, suiteOUI | 18, true, 0}, // OWE
		{1, akmPSK, true, 0},        // TKIP
	}
	for _, tc := range tests {
		got, err := selectScheme(tc.version, tc.akm, tc.haveAKM)
		if got != tc.want || (tc.want == 0) != errors.Is(err, ErrUnsupported) {
			t.Errorf("version %d AKM %s: %v, %v; want %v", tc.version, suiteString(tc.akm), got, err, tc.want)
		}
	}
}
