package crypto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestParseRSNE(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want rsnInfo
		err  error
	}{
		{"PSK CCMP", unhexS("0100000fac040100000fac040100000fac020000"), rsnInfo{cipherCCMP128, cipherCCMP128, akmPSK}, nil},
		{"SAE with PMKID and group mgmt cipher", unhexS("0100000fac040100000fac040100000fac08c000" + "0100" + "00112233445566778899aabbccddeeff" + "000fac06"),
			rsnInfo{cipherCCMP128, cipherCCMP128, akmSAE}, nil},
		{"TKIP", unhexS("0100000fac020100000fac020100000fac02"), rsnInfo{cipherTKIP, cipherTKIP, akmPSK}, nil},
		{"two pairwise ciphers: first counts", unhexS("0100000fac040200000fac0a000fac040100000fac06"), rsnInfo{cipherCCMP128, cipherCCMP256, akmPSKSHA256}, nil},
		{"version only: defaults", unhexS("0100"), rsnInfo{cipherCCMP128, cipherCCMP128, akm8021X}, nil},
		{"group only", unhexS("0100000fac08"), rsnInfo{cipherGCMP128, cipherCCMP128, akm8021X}, nil},
		{"empty", nil, rsnInfo{}, ErrMalformed},
		{"version 2", unhexS("0200"), rsnInfo{}, ErrUnsupported},
		{"count past the end", unhexS("0100000fac040300000fac04"), rsnInfo{}, ErrMalformed},
	}
	for _, tc := range tests {
		got, err := parseRSNE(tc.body)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

func TestParseKeyData(t *testing.T) {
	gtk := bytes.Repeat([]byte{0x42}, 16)
	rsn := unhexS("30140100000fac040100000fac040100000fac020000")
	gtkKDE := append(unhexS("dd16000fac010200"), gtk...)
	keyID := unhexS("dd06000fac0a0100")
	igtk := append(unhexS("dd1c000fac090400000000000000"), gtk...)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name    string
		b       []byte
		gtkID   uint8
		haveGTK bool
		ptkID   uint8
		keyID   bool
		rsn     bool
		err     error
	}{
		{"message 3", cat(rsn, gtkKDE, igtk, unhexS("dd000000")), 2, true, 0, false, true, nil},
		{"extended key ID", cat(rsn, keyID, gtkKDE), 2, true, 1, true, true, nil},
		{"padding ends the list", cat(rsn, unhexS("dd00"), gtkKDE), 0, false, 0, false, true, nil},
		{"other vendor elements are skipped", cat(unhexS("dd050050f20401"), gtkKDE), 2, true, 0, false, false, nil},
		{"truncated tail is ignored", cat(gtkKDE, unhexS("dd16000f")), 2, true, 0, false, false, nil},
		{"empty", nil, 0, false, 0, false, false, nil},
		{"short GTK KDE", unhexS("dd06000fac010100"), 0, false, 0, false, false, ErrMalformed},
		{"short Key ID KDE", unhexS("dd05000fac0a01"), 0, false, 0, false, false, ErrMalformed},
		{"bad RSN element", unhexS("30020200"), 0, false, 0, false, false, ErrUnsupported},
	}
	for _, tc := range tests {
		kd, err := parseKeyData(tc.b)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: err = %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || kd.haveGTK != tc.haveGTK || kd.gtkID != tc.gtkID || kd.havePTKID != tc.keyID ||
			kd.ptkID != tc.ptkID || kd.haveRSN != tc.rsn || (tc.haveGTK && !bytes.Equal(kd.gtk, gtk)) {
			t.Errorf("%s: %+v, %v", tc.name, kd, err)
		}
	}
}

// unhexS decodes a hex constant of the test table.
func unhexS(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
