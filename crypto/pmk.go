package crypto

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// PMKLen is the length of a pairwise master key for the AKMs this package
// supports (PSK, PSK-SHA256, SAE with the default groups, 802.1X).
const PMKLen = 32

// Limits of IEEE 802.11-2020 (9.4.2.2 and J.4.1).
const (
	maxSSIDLen       = 32
	minPassphraseLen = 8
	maxPassphraseLen = 63
	pmkIterations    = 4096
)

// Key is one configured secret: a PMK, derived from a passphrase and SSID
// or given directly. The zero value is not a usable key; build one with
// ParseKey, PassphraseKey or PMKKey.
//
// Every key is tried on every handshake, and the MIC of message 2 tells
// which one the station used, so keys need not be matched to networks or
// stations by hand.
type Key struct {
	ssid       string // empty for a PMK given without SSID
	pmk        [PMKLen]byte
	passphrase bool // derived from a passphrase (only affects String)
}

// ParseKey parses a key as a user writes it on a command line:
//
//	SSID:passphrase   WPA2-Personal; the PMK is PBKDF2-SHA1(passphrase, SSID, 4096)
//	SSID:pmk=HEX      a PMK of 64 hex digits (a raw PSK, or a WPA3-SAE PMK)
//	pmk=HEX           the same without naming the network
//
// The string is split at the first ':', so the passphrase may contain ':'
// but the SSID may not: write a ':' in an SSID as %3a and a '%' as %25 (any
// byte may be written %XX, for SSIDs that are not text). A passphrase is 8
// to 63 printable ASCII characters (IEEE 802.11 J.4.1); one that itself
// starts with "pmk=" cannot be given, use its PMK instead.
//
// A passive observer cannot derive a SAE (WPA3-Personal) PMK from the
// password, nor an 802.1X (Enterprise) PMK from the EAP exchange: give
// those as pmk=, one per station for 802.1X (hostapd and wpa_supplicant
// print them at debug level, and wlantest takes them the same way).
//
// Errors are *KeyError values wrapping ErrKeySyntax, ErrSSID,
// ErrPassphrase or ErrPMK; they never repeat the secret.
func ParseKey(s string) (Key, error) {
	if rest, ok := strings.CutPrefix(s, "pmk="); ok {
		return pmkKey("", rest)
	}
	ssidPart, secret, ok := strings.Cut(s, ":")
	if !ok {
		return Key{}, &KeyError{Err: ErrKeySyntax,
			Detail: `no ':' in key; write "SSID:passphrase", "SSID:pmk=<64 hex digits>" or "pmk=<64 hex digits>"`}
	}
	ssid, err := unescapeSSID(ssidPart)
	if err != nil {
		return Key{}, err
	}
	if rest, ok := strings.CutPrefix(secret, "pmk="); ok {
		if err := checkSSID(ssidPart, ssid); err != nil {
			return Key{}, err
		}
		return pmkKey(ssidPart, rest)
	}
	k, err := PassphraseKey(ssid, secret)
	if err != nil {
		if ke, ok := err.(*KeyError); ok {
			ke.SSID = ssidPart // as the user wrote it
		}
		return Key{}, err
	}
	return k, nil
}

// PassphraseKey derives the PMK of a WPA2-Personal network from its SSID
// and passphrase (IEEE 802.11-2020 J.4.1: PBKDF2 with HMAC-SHA1, the SSID
// as salt, 4096 iterations, 32 bytes). The SSID is taken as raw bytes.
func PassphraseKey(ssid, passphrase string) (Key, error) {
	if err := checkSSID(ssid, ssid); err != nil {
		return Key{}, err
	}
	if n := len(passphrase); n < minPassphraseLen || n > maxPassphraseLen {
		return Key{}, &KeyError{SSID: ssid, Err: ErrPassphrase, Detail: fmt.Sprintf(
			"passphrase has %d characters, WPA needs 8 to 63; for a 64-hex-digit PSK write SSID:pmk=<hex>", n)}
	}
	for i := 0; i < len(passphrase); i++ {
		if c := passphrase[i]; c < 32 || c > 126 {
			return Key{}, &KeyError{SSID: ssid, Err: ErrPassphrase, Detail: fmt.Sprintf(
				"passphrase character %d is not printable ASCII (byte %#02x); WPA passphrases use only characters 32 to 126", i+1, c)}
		}
	}
	pmk, err := derivePMK(passphrase, []byte(ssid))
	if err != nil {
		return Key{}, fmt.Errorf("derive PMK for SSID %q: %w", ssid, err)
	}
	return Key{ssid: ssid, pmk: pmk, passphrase: true}, nil
}

// PMKKey makes a key from a PMK given directly, e.g. for SAE or 802.1X
// where it cannot be derived from a password. ssid only labels the key in
// String and may be empty.
func PMKKey(ssid string, pmk []byte) (Key, error) {
	if len(pmk) != PMKLen {
		return Key{}, &KeyError{SSID: ssid, Err: ErrPMK, Detail: fmt.Sprintf(
			"PMK has %d bytes, it needs %d", len(pmk), PMKLen)}
	}
	return Key{ssid: ssid, pmk: [PMKLen]byte(pmk)}, nil
}

// PMK returns the pairwise master key, e.g. to hand to another tool.
func (k Key) PMK() [PMKLen]byte { return k.pmk }

// SSID returns the network name the key was given for, or "" for a PMK
// given without one.
func (k Key) SSID() string { return k.ssid }

// String describes the key without revealing it, for logs.
func (k Key) String() string {
	switch {
	case k.passphrase:
		return "passphrase for SSID " + strconv.Quote(k.ssid)
	case k.ssid != "":
		return "PMK for SSID " + strconv.Quote(k.ssid)
	default:
		return "PMK"
	}
}

// derivePMK is the passphrase-to-PSK mapping of IEEE 802.11-2020 J.4.1.
// It does not validate its input (the test vectors need none).
func derivePMK(passphrase string, ssid []byte) ([PMKLen]byte, error) {
	b, err := pbkdf2.Key(sha1.New, passphrase, ssid, pmkIterations, PMKLen)
	if err != nil {
		return [PMKLen]byte{}, err
	}
	return [PMKLen]byte(b), nil
}

func pmkKey(ssidPart, h string) (Key, error) {
	fail := func(detail string) (Key, error) {
		return Key{}, &KeyError{SSID: ssidPart, Err: ErrPMK, Detail: detail}
	}
	if len(h) != 2*PMKLen {
		return fail(fmt.Sprintf("PMK has %d characters, it needs exactly %d hex digits (32 bytes)", len(h), 2*PMKLen))
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return fail("PMK is not hexadecimal; write 64 digits 0-9a-f")
	}
	ssid, _ := unescapeSSID(ssidPart) // already checked by the caller
	return Key{ssid: ssid, pmk: [PMKLen]byte(b)}, nil
}

// unescapeSSID decodes %XX escapes in the SSID part of a key string.
func unescapeSSID(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", &KeyError{SSID: s, Err: ErrKeySyntax, Detail: fmt.Sprintf(
				"'%%' at SSID position %d is not followed by two hex digits; write %%25 for a literal '%%' and %%3a for ':'", i+1)}
		}
		v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// checkSSID validates the decoded SSID; written is the form shown in errors.
func checkSSID(written, ssid string) error {
	if ssid == "" {
		return &KeyError{Err: ErrSSID, Detail: `empty SSID before ':'; write "SSID:passphrase", or "pmk=<hex>" for a key without a network name`}
	}
	if len(ssid) > maxSSIDLen {
		return &KeyError{SSID: written, Err: ErrSSID, Detail: fmt.Sprintf(
			"SSID has %d bytes, at most %d are allowed; check that the key is written SSID:passphrase", len(ssid), maxSSIDLen)}
	}
	return nil
}
