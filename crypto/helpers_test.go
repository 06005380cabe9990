package crypto

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
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

func mustAddr(s string) mac.Addr {
	a, err := mac.ParseAddr(s)
	if err != nil {
		panic(err)
	}
	return a
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

// readLines returns the non-comment, non-empty lines of a testdata file,
// split into fields.
func readLines(tb testing.TB, name string) [][]string {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if fields := strings.Fields(line); len(fields) > 0 {
			out = append(out, fields)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
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

// sealCCMP is CCMP encapsulation, the inverse of Decryptor.Frame's
// decryption, for the tests that play both ends: it sets the Protected
// bit, inserts the CCMP header and appends the MIC.
func sealCCMP(tb testing.TB, plain []byte, tk [tkLen]byte, pn uint64, keyID uint8) []byte {
	tb.Helper()
	h, err := mac.Parse(plain)
	if err != nil {
		tb.Fatal(err)
	}
	h.FC |= fcProtected
	out := make([]byte, len(plain)+ccmpOverhead)
	copy(out, plain[:h.HeaderLen])
	out[1] |= fcProtected >> 8
	c := out[h.HeaderLen:]
	c[0], c[1], c[2], c[3] = byte(pn), byte(pn>>8), 0, ccmpExtIV|keyID<<6
	c[4], c[5], c[6], c[7] = byte(pn>>16), byte(pn>>24), byte(pn>>32), byte(pn>>40)
	var aad [maxAADLen]byte
	var nonce [ccmNonceLen]byte
	n := ccmpAADNonce(&h, out, pn, &aad, &nonce)
	body := plain[h.HeaderLen:]
	mic := ccmSeal(mustBlock(tb, tk[:]), &nonce, aad[:n], c[ccmpHeaderLen:ccmpHeaderLen+len(body)], body)
	copy(c[ccmpHeaderLen+len(body):], mic[:])
	return out
}
