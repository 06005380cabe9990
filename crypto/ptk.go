package crypto

import (
	"bytes"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Suite selectors (OUI 00-0f-ac and a type) as a big-endian uint32, the
// way they appear in an RSN element: 0x000fac04 is 00-0f-ac:4.
const (
	suiteOUI = 0x000fac00

	// Cipher suites (IEEE 802.11-2020, Table 9-149).
	cipherWEP40   = suiteOUI | 1
	cipherTKIP    = suiteOUI | 2
	cipherCCMP128 = suiteOUI | 4
	cipherWEP104  = suiteOUI | 5
	cipherGCMP128 = suiteOUI | 8
	cipherGCMP256 = suiteOUI | 9
	cipherCCMP256 = suiteOUI | 10

	// AKM suites (IEEE 802.11-2020, Table 9-151).
	akm8021X       = suiteOUI | 1
	akmPSK         = suiteOUI | 2
	akm8021XSHA256 = suiteOUI | 5
	akmPSKSHA256   = suiteOUI | 6
	akmSAE         = suiteOUI | 8
)

// EAPOL-Key key descriptor versions (IEEE 802.11-2020, 12.7.2, Key
// Information bits 0-2).
const (
	descVersionAKM  = 0 // AKM-defined (SAE, OWE, FILS, ...)
	descVersionRC4  = 1 // HMAC-MD5 MIC, RC4 key data: TKIP
	descVersionSHA1 = 2 // HMAC-SHA1-128 MIC, AES key wrap
	descVersionAES  = 3 // AES-128-CMAC MIC, AES key wrap
)

// keyScheme says how a PTK is derived from the PMK and how the MIC of
// EAPOL-Key frames is computed; key data is AES-key-wrapped in both.
type keyScheme uint8

const (
	// schemeSHA1: PRF-384 (HMAC-SHA1) and HMAC-SHA1-128 MICs; AKMs 1 and 2
	// with key descriptor version 2.
	schemeSHA1 keyScheme = iota + 1
	// schemeSHA256: KDF-SHA-256 and AES-128-CMAC MICs; AKMs 5 and 6 with
	// descriptor version 3, and SAE (AKM 8) with version 0.
	schemeSHA256
)

// selectScheme picks the key scheme from the key descriptor version of an
// EAPOL-Key frame and, when known (haveAKM), the AKM the station chose in
// the RSN element of message 2.
func selectScheme(version uint8, akm uint32, haveAKM bool) (keyScheme, error) {
	if version == descVersionRC4 {
		return 0, fmt.Errorf("key descriptor version 1 (TKIP, HMAC-MD5): %w", ErrUnsupported)
	}
	if !haveAKM {
		switch version {
		case descVersionSHA1:
			return schemeSHA1, nil
		case descVersionAES:
			return schemeSHA256, nil
		}
		return 0, fmt.Errorf("key descriptor version %d without an RSN element naming the AKM: %w", version, ErrUnsupported)
	}
	var want uint8
	var s keyScheme
	switch akm {
	case akm8021X, akmPSK:
		want, s = descVersionSHA1, schemeSHA1
	case akm8021XSHA256, akmPSKSHA256:
		want, s = descVersionAES, schemeSHA256
	case akmSAE:
		want, s = descVersionAKM, schemeSHA256
	default:
		return 0, fmt.Errorf("AKM %s (FT, OWE, FILS, Suite B, SAE-EXT-KEY, ... are not decrypted): %w", suiteString(akm), ErrUnsupported)
	}
	if version != want {
		return 0, fmt.Errorf("AKM %s with key descriptor version %d (want %d): %w", suiteString(akm), version, want, ErrUnsupported)
	}
	return s, nil
}

// suiteString formats a suite selector as "00-0f-ac:4".
func suiteString(s uint32) string {
	return fmt.Sprintf("%02x-%02x-%02x:%d", byte(s>>24), byte(s>>16), byte(s>>8), byte(s))
}

// Sizes of the PTK parts for the supported AKMs with CCMP-128.
const (
	kckLen = 16
	kekLen = 16
	tkLen  = 16
	ptkLen = kckLen + kekLen + tkLen // 48 bytes: PRF-384 / 384-bit KDF
)

// ptk is a pairwise transient key split into its parts.
type ptk struct {
	kck [kckLen]byte // EAPOL-Key MIC key
	kek [kekLen]byte // EAPOL-Key key data encryption key
	tk  [tkLen]byte  // CCMP temporal key
}

// nonceLen is the length of ANonce and SNonce.
const nonceLen = 32

// ptkLabel is the label of the PTK derivation.
const ptkLabel = "Pairwise key expansion"

// derivePTK computes the PTK of IEEE 802.11-2020 12.7.1.3:
// PRF(PMK, "Pairwise key expansion", Min(AA,SPA) || Max(AA,SPA) ||
// Min(ANonce,SNonce) || Max(ANonce,SNonce)), with the PRF of the scheme.
func derivePTK(s keyScheme, pmk []byte, aa, spa mac.Addr, anonce, snonce *[nonceLen]byte) ptk {
	var data [2*6 + 2*nonceLen]byte
	lo, hi := aa[:], spa[:]
	if bytes.Compare(lo, hi) > 0 {
		lo, hi = hi, lo
	}
	copy(data[0:], lo)
	copy(data[6:], hi)
	n1, n2 := anonce[:], snonce[:]
	if bytes.Compare(n1, n2) > 0 {
		n1, n2 = n2, n1
	}
	copy(data[12:], n1)
	copy(data[12+nonceLen:], n2)

	var b []byte
	if s == schemeSHA1 {
		b = prfSHA1(pmk, ptkLabel, data[:], ptkLen)
	} else {
		b = kdfSHA256(pmk, ptkLabel, data[:], ptkLen*8)
	}
	var p ptk
	copy(p.kck[:], b[:kckLen])
	copy(p.kek[:], b[kckLen:kckLen+kekLen])
	copy(p.tk[:], b[kckLen+kekLen:])
	return p
}
