package crypto

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// keyWrapIV is the default initial value of RFC 3394 2.2.3.1.
const keyWrapIV = 0xa6a6a6a6a6a6a6a6

// aesKeyUnwrap undoes AES key wrap (RFC 3394 2.2.2, the index-based
// form) with the KEK cipher b: EAPOL-Key key data of descriptor versions 2,
// 3 and AKM-defined SAE is wrapped this way. c is n+1 64-bit blocks with
// n >= 2; the result is the n-block plaintext in a new slice. A failed
// integrity check (wrong KEK or altered data) wraps ErrKeyWrap.
func aesKeyUnwrap(b cipher.Block, c []byte) ([]byte, error) {
	if len(c)%8 != 0 || len(c) < 24 {
		return nil, fmt.Errorf("unwrap %d bytes of key data (need a multiple of 8, at least 24): %w", len(c), ErrMalformed)
	}
	n := len(c)/8 - 1
	a := binary.BigEndian.Uint64(c)
	r := make([]byte, 8*n)
	copy(r, c[8:])
	var buf [blockLen]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], a^t)
			copy(buf[8:], r[8*(i-1):8*i])
			b.Decrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8])
			copy(r[8*(i-1):8*i], buf[8:])
		}
	}
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], keyWrapIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return nil, fmt.Errorf("unwrap %d bytes of key data: %w", len(c), ErrKeyWrap)
	}
	return r, nil
}
