package crypto

import (
	"crypto/cipher"
	"crypto/subtle"
)

// blockLen is the AES block size.
const blockLen = 16

// cmacAES computes AES-CMAC (RFC 4493, NIST SP 800-38B) of msg with the
// 128-bit block cipher b. The MIC of EAPOL-Key frames with key descriptor
// version 3 and of SAE is AES-128-CMAC keyed with the KCK.
func cmacAES(b cipher.Block, msg []byte) [blockLen]byte {
	// Subkeys: L = AES(K, 0); K1 = L<<1 (^ Rb); K2 = K1<<1 (^ Rb).
	var k1, k2 [blockLen]byte
	b.Encrypt(k1[:], k1[:])
	cmacDouble(&k1)
	k2 = k1
	cmacDouble(&k2)

	var x [blockLen]byte
	for len(msg) > blockLen {
		subtle.XORBytes(x[:], x[:], msg[:blockLen])
		b.Encrypt(x[:], x[:])
		msg = msg[blockLen:]
	}
	// Last block: complete ones are masked with K1, partial (or empty)
	// ones padded with 0x80 0x00... and masked with K2.
	var last [blockLen]byte
	n := copy(last[:], msg)
	if n == blockLen {
		subtle.XORBytes(last[:], last[:], k1[:])
	} else {
		last[n] = 0x80
		subtle.XORBytes(last[:], last[:], k2[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	b.Encrypt(x[:], x[:])
	return x
}

// cmacDouble multiplies v by x in GF(2^128) as RFC 4493 2.3 does: shift
// left by one bit and, if a bit fell off, xor the constant Rb = 0x87.
func cmacDouble(v *[blockLen]byte) {
	carry := v[0] >> 7
	for i := 0; i < blockLen-1; i++ {
		v[i] = v[i]<<1 | v[i+1]>>7
	}
	v[blockLen-1] = v[blockLen-1]<<1 ^ 0x87*carry
}
