package crypto

import (
	"errors"
	"testing"
)

// iwdPDU returns a PDU of testdata/iwd_eapol.txt.
func iwdPDU(t *testing.T, handshake, msg string) []byte {
	t.Helper()
	for _, f := range readLines(t, "iwd_eapol.txt") {
		if f[0] == handshake && f[1] == msg {
			return unhex(t, f[2])
		}
	}
	t.Fatalf("no %s %s in iwd_eapol.txt", handshake, msg)
	return nil
}

func TestParseEAPOLKey(t *testing.T) {
	// Field values as iwd's unit test lists them for eapol_key_data_9
	// (message 3) and _11 (group message 1).
	m3, err := ParseEAPOLKey(iwdPDU(t, "hwsim", "3/4"))
	if err != nil {
		t.Fatal(err)
	}
	if m3.ProtocolVersion != 2 || m3.DescriptorType != DescriptorRSN || m3.Info != 0x13ca ||
		m3.Info.Version() != descVersionSHA1 || m3.KeyLength != 16 || m3.ReplayCounter != 2 ||
		m3.Nonce[0] != 0x2b || m3.Nonce[31] != 0x25 || m3.RSC != 0 || len(m3.KeyData) != 56 ||
		m3.MIC[0] != 0xf8 || m3.MIC[15] != 0xc5 || m3.Message() != Message3 {
		t.Errorf("message 3: %+v", m3)
	}
	g1, err := ParseEAPOLKey(iwdPDU(t, "hwsim", "g1/2"))
	if err != nil || g1.Info != 0x1382 || g1.ReplayCounter != 3 || len(g1.KeyData) != 32 || g1.Message() != GroupMessage1 {
		t.Errorf("group message 1: %+v, %v", g1, err)
	}
	// Bytes after the 802.1X length are ignored.
	m1 := iwdPDU(t, "hwsim", "1/4")
	k, err := ParseEAPOLKey(append(m1, 0xee, 0xee))
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
	bad := append([]byte(nil), m1...)
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
