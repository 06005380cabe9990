package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// unhex decodes a hex string or fails the test.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustBlock(tb testing.TB, key []byte) cipher.Block {
	tb.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// vectors is testdata/vectors.json: published test vectors, re-checked
// independently by testdata/gen_vectors.py.
type vectors struct {
	PMK []struct {
		Name, Passphrase, SSID, PMK string
	} `json:"pmk"`
	PRFSHA1 []struct {
		Name, Key, Label, Data, Out string
	} `json:"prf_sha1"`
	KDFSHA256 []struct {
		Name, Key, Label, Context, Out string
	} `json:"kdf_sha256"`
	PTKSHA1 []struct {
		Name, PMK, AA, SPA, SNonce, ANonce, KCK, KEK, TK string
	} `json:"ptk_sha1"`
	CMAC []struct {
		Name, Key, Msg, MAC string
	} `json:"cmac"`
	KeyWrap []struct {
		Name, KEK, Plain, Wrapped string
	} `json:"keywrap"`
	CCM []struct {
		Name, Key, Nonce, AAD, Plain, Sealed string
	} `json:"ccm"`
	CCMP []struct {
		Name, TK, PN, Protected, Plain string
		KeyID                          uint8
	} `json:"ccmp"`
}

func loadVectors(tb testing.TB) *vectors {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		tb.Fatal(err)
	}
	return &v
}

// aesKeyWrap is RFC 3394 key wrap, the inverse of aesKeyUnwrap, for the
// tests that play the authenticator.
func aesKeyWrap(b cipher.Block, p []byte) []byte {
	n := len(p) / 8
	a := uint64(keyWrapIV)
	r := append([]byte(nil), p...)
	var buf [blockLen]byte
	for j := range 6 {
		for i := 1; i <= n; i++ {
			binary.BigEndian.PutUint64(buf[:8], a)
			copy(buf[8:], r[8*(i-1):8*i])
			b.Encrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
			copy(r[8*(i-1):8*i], buf[8:])
		}
	}
	out := binary.BigEndian.AppendUint64(nil, a)
	return append(out, r...)
}
