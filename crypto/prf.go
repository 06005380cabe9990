package crypto

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
)

// prfSHA1 is the PRF of IEEE 802.11-2020 12.7.1.2 (PRF-384, PRF-512, ...):
// the concatenation of HMAC-SHA1(key, label || 0 || data || i) for
// i = 0, 1, ..., truncated to n bytes.
func prfSHA1(key []byte, label string, data []byte, n int) []byte {
	out := make([]byte, 0, n+sha1.Size)
	m := hmac.New(sha1.New, key)
	for i := 0; len(out) < n; i++ {
		m.Reset()
		m.Write([]byte(label))
		m.Write([]byte{0})
		m.Write(data)
		m.Write([]byte{byte(i)})
		out = m.Sum(out)
	}
	return out[:n]
}

// kdfSHA256 is KDF-SHA-256 of IEEE 802.11-2020 12.7.1.6.2: the
// concatenation of HMAC-SHA256(key, i || label || context || bits) for
// i = 1, 2, ..., where i and bits are 16-bit little-endian, truncated to
// bits/8 bytes. bits must be a multiple of 8.
func kdfSHA256(key []byte, label string, context []byte, bits int) []byte {
	n := bits / 8
	out := make([]byte, 0, n+sha256.Size)
	m := hmac.New(sha256.New, key)
	var le [2]byte
	for i := 1; len(out) < n; i++ {
		m.Reset()
		binary.LittleEndian.PutUint16(le[:], uint16(i))
		m.Write(le[:])
		m.Write([]byte(label))
		m.Write(context)
		binary.LittleEndian.PutUint16(le[:], uint16(bits))
		m.Write(le[:])
		out = m.Sum(out)
	}
	return out[:n]
}
