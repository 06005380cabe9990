package crypto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The published vectors of testdata/vectors.json; each entry names its
// source, and testdata/gen_vectors.py checks the same entries with
// Python's hashlib and the cryptography package.

func TestPMKVectors(t *testing.T) {
	for _, tc := range loadVectors(t).PMK {
		got, err := derivePMK(tc.Passphrase, []byte(tc.SSID))
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		if want := unhex(t, tc.PMK); !bytes.Equal(got[:], want) {
			t.Errorf("%s: PMK %x, want %x", tc.Name, got, want)
		}
		k, err := PassphraseKey(tc.SSID, tc.Passphrase)
		if err != nil || k.PMK() != got {
			t.Errorf("%s: PassphraseKey = %v, %v", tc.Name, k, err)
		}
	}
}

func TestPRFSHA1Vectors(t *testing.T) {
	for _, tc := range loadVectors(t).PRFSHA1 {
		want := unhex(t, tc.Out)
		if got := prfSHA1(unhex(t, tc.Key), tc.Label, unhex(t, tc.Data), len(want)); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.Name, got, want)
		}
		// Shorter outputs are prefixes (PRF-384 of a PRF-512 vector).
		if got := prfSHA1(unhex(t, tc.Key), tc.Label, unhex(t, tc.Data), 48); !bytes.Equal(got, want[:48]) {
			t.Errorf("%s: PRF-384 is not a prefix of PRF-512", tc.Name)
		}
	}
}

func TestCMACVectors(t *testing.T) {
	for _, tc := range loadVectors(t).CMAC {
		got := cmacAES(mustBlock(t, unhex(t, tc.Key)), unhex(t, tc.Msg))
		if want := unhex(t, tc.MAC); !bytes.Equal(got[:], want) {
			t.Errorf("%s: %x, want %x", tc.Name, got, want)
		}
	}
}

func TestKeyWrapVectors(t *testing.T) {
	for _, tc := range loadVectors(t).KeyWrap {
		b := mustBlock(t, unhex(t, tc.KEK))
		wrapped, plain := unhex(t, tc.Wrapped), unhex(t, tc.Plain)
		got, err := aesKeyUnwrap(b, wrapped)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: unwrap = %x, %v; want %x", tc.Name, got, err, plain)
		}
		if w := aesKeyWrap(b, plain); !bytes.Equal(w, wrapped) {
			t.Errorf("%s: test helper wrap = %x", tc.Name, w)
		}
		// Any altered bit fails the integrity check.
		for i := range wrapped {
			bad := bytes.Clone(wrapped)
			bad[i] ^= 0x10
			if _, err := aesKeyUnwrap(b, bad); !errors.Is(err, ErrKeyWrap) {
				t.Fatalf("%s: byte %d altered: err = %v", tc.Name, i, err)
			}
		}
	}
}

func TestKeyUnwrapLengths(t *testing.T) {
	b := mustBlock(t, make([]byte, 16))
	for _, n := range []int{0, 8, 16, 17, 23, 25} {
		if _, err := aesKeyUnwrap(b, make([]byte, n)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%d bytes: err = %v, want ErrMalformed", n, err)
		}
	}
}

func TestCCMVectors(t *testing.T) {
	for _, tc := range loadVectors(t).CCM {
		b := mustBlock(t, unhex(t, tc.Key))
		nonce := [ccmNonceLen]byte(unhex(t, tc.Nonce))
		aad, plain, sealed := unhex(t, tc.AAD), unhex(t, tc.Plain), unhex(t, tc.Sealed)
		ct := make([]byte, len(plain))
		mic := ccmSeal(b, &nonce, aad, ct, plain)
		if got := append(ct, mic[:]...); !bytes.Equal(got, sealed) {
			t.Errorf("%s: seal %x, want %x", tc.Name, got, sealed)
		}
		dst := make([]byte, len(plain))
		n := len(plain)
		if !ccmOpen(b, &nonce, aad, dst, sealed[:n], sealed[n:]) || !bytes.Equal(dst, plain) {
			t.Errorf("%s: open failed or gave %x", tc.Name, dst)
		}
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 0x01
			if ccmOpen(b, &nonce, aad, dst, bad[:n], bad[n:]) {
				t.Fatalf("%s: open accepted byte %d altered", tc.Name, i)
			}
		}
	}
}

// TestCCMPVectors decrypts the published CCMP MPDUs through the same path
// Decryptor.Frame uses (header parse, AAD and nonce, CCM, header rewrite).
func TestCCMPVectors(t *testing.T) {
	for _, tc := range loadVectors(t).CCMP {
		prot, plain := unhex(t, tc.Protected), unhex(t, tc.Plain)
		h, err := mac.Parse(prot)
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		hdr := parseCCMPHeader(h.Body(prot))
		var pnb [8]byte
		copy(pnb[2:], unhex(t, tc.PN))
		if hdr.pn != binary.BigEndian.Uint64(pnb[:]) || hdr.keyID != tc.KeyID || !hdr.extIV {
			t.Errorf("%s: header %+v", tc.Name, hdr)
		}
		d := NewDecryptor()
		k := newTemporalKey([tkLen]byte(unhex(t, tc.TK)), tc.KeyID)
		ta, ra := h.Addr2, h.Addr1
		if ra.IsGroup() { // vectors 1 and 7 have a group address in A1
			d.groups[groupRef{ta, tc.KeyID}] = k
		} else {
			d.pairs[pairID{ta, ra}] = &pair{id: pairID{ta, ra}, tks: []*temporalKey{k}}
		}
		out, res := d.Frame(prot)
		want := append(bytes.Clone(prot[:h.HeaderLen]), plain...)
		want[1] &^= 0x40
		if res.Status != StatusDecrypted || !bytes.Equal(out, want) {
			t.Errorf("%s: %v %v\n got %x\nwant %x", tc.Name, res.Status, res.Err, out, want)
		}
		// And the other way: sealing the plaintext gives the published MPDU.
		in := bytes.Clone(want)
		in[1] = prot[1] &^ 0x40
		if got := sealCCMP(t, in, k.key, hdr.pn, tc.KeyID); !bytes.Equal(got, prot) {
			t.Errorf("%s: seal\n got %x\nwant %x", tc.Name, got, prot)
		}
	}
}
