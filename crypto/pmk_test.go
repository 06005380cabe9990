package crypto

import (
	"errors"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	pmkHex := strings.Repeat("0123456789abcdef", 4)
	ieee, _ := derivePMK("password", []byte("IEEE"))
	colon, _ := derivePMK("pass:word:x", []byte("net"))
	escaped, _ := derivePMK("password", []byte("a:b%c\x00"))
	tests := []struct {
		spec     string
		err      error
		ssid     string
		pmk      [PMKLen]byte // checked when err is nil and pmk is set
		str      string
		fixWords string // a word the error must contain (the fix)
	}{
		{spec: "IEEE:password", ssid: "IEEE", pmk: ieee, str: `passphrase for SSID "IEEE"`},
		{spec: "net:pass:word:x", ssid: "net", pmk: colon},
		{spec: "a%3ab%25c%00:password", ssid: "a:b%c\x00", pmk: escaped},
		{spec: "a%3Ab%25c%00:password", ssid: "a:b%c\x00", pmk: escaped},
		{spec: "net:pmk=" + pmkHex, ssid: "net", str: `PMK for SSID "net"`},
		{spec: "pmk=" + pmkHex, str: "PMK"},
		{spec: "pmk=" + strings.ToUpper(pmkHex), str: "PMK"},
		{spec: "no-separator", err: ErrKeySyntax, fixWords: "SSID:passphrase"},
		{spec: "", err: ErrKeySyntax},
		{spec: ":password", err: ErrSSID, fixWords: "pmk="},
		{spec: strings.Repeat("s", 33) + ":password", err: ErrSSID},
		{spec: "bad%zzssid:password", err: ErrKeySyntax, fixWords: "%25"},
		{spec: "bad%2:password", err: ErrKeySyntax},
		{spec: "net:short", err: ErrPassphrase, fixWords: "8 to 63"},
		{spec: "net:" + strings.Repeat("p", 64), err: ErrPassphrase},
		{spec: "net:pass\tword", err: ErrPassphrase, fixWords: "printable"},
		{spec: "net:passwörd", err: ErrPassphrase},
		{spec: "net:pmk=abc", err: ErrPMK, fixWords: "64"},
		{spec: "pmk=" + pmkHex + "00", err: ErrPMK},
		{spec: "pmk=" + strings.Repeat("zz", 32), err: ErrPMK, fixWords: "hex"},
		{spec: ":pmk=" + pmkHex, err: ErrSSID},
	}
	for _, tc := range tests {
		k, err := ParseKey(tc.spec)
		if tc.err != nil {
			var ke *KeyError
			if !errors.Is(err, tc.err) || !errors.As(err, &ke) {
				t.Errorf("%q: err = %v, want %v in a *KeyError", tc.spec, err, tc.err)
				continue
			}
			if !strings.Contains(err.Error(), tc.fixWords) {
				t.Errorf("%q: error %q does not mention %q", tc.spec, err, tc.fixWords)
			}
			if strings.Contains(err.Error(), "password") || (len(tc.spec) > 8 && strings.Contains(err.Error(), pmkHex)) {
				t.Errorf("%q: error %q repeats the secret", tc.spec, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if k.SSID() != tc.ssid {
			t.Errorf("%q: SSID %q, want %q", tc.spec, k.SSID(), tc.ssid)
		}
		if tc.pmk != ([PMKLen]byte{}) && k.PMK() != tc.pmk {
			t.Errorf("%q: PMK %x, want %x", tc.spec, k.PMK(), tc.pmk)
		}
		if tc.str != "" && k.String() != tc.str {
			t.Errorf("%q: String %q, want %q", tc.spec, k.String(), tc.str)
		}
		if strings.Contains(k.String(), "password") {
			t.Errorf("%q: String %q reveals the passphrase", tc.spec, k.String())
		}
	}
}

func TestPMKKey(t *testing.T) {
	k, err := PMKKey("sae-net", make([]byte, PMKLen))
	if err != nil || k.String() != `PMK for SSID "sae-net"` {
		t.Errorf("PMKKey = %v, %v", k, err)
	}
	if _, err := PMKKey("", make([]byte, 31)); !errors.Is(err, ErrPMK) {
		t.Errorf("31-byte PMK: %v", err)
	}
}
