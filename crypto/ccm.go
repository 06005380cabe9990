package crypto

import (
	"crypto/cipher"
	"crypto/subtle"
)

// CCM parameters of CCMP-128 (IEEE 802.11-2020 12.5.3.1): an 8-byte MIC
// (M = 8) and a 2-byte length field (L = 2), hence a 13-byte nonce.
const (
	ccmMICLen   = 8
	ccmNonceLen = 13
	ccmMaxData  = 0xffff // the largest length a 2-byte length field holds
)

// ccmOpen decrypts ct into dst (len(dst) == len(ct), no overlap) and
// reports whether mic is the CCM (RFC 3610) authentication value of aad
// and the plaintext. On false the content of dst is meaningless. aad must
// be shorter than 0xff00 bytes and ct at most ccmMaxData bytes.
func ccmOpen(b cipher.Block, nonce *[ccmNonceLen]byte, aad, dst, ct, mic []byte) bool {
	if len(ct) > ccmMaxData || len(dst) != len(ct) || len(mic) != ccmMICLen {
		return false
	}
	ccmCTR(b, nonce, dst, ct)
	tag := ccmMAC(b, nonce, aad, dst)
	s0 := ccmS0(b, nonce)
	subtle.XORBytes(tag[:ccmMICLen], tag[:ccmMICLen], s0[:ccmMICLen])
	return subtle.ConstantTimeCompare(tag[:ccmMICLen], mic) == 1
}

// ccmSeal encrypts pt into dst (same length) and returns the MIC. It is
// the inverse of ccmOpen, used by the tests and benchmarks.
func ccmSeal(b cipher.Block, nonce *[ccmNonceLen]byte, aad, dst, pt []byte) [ccmMICLen]byte {
	tag := ccmMAC(b, nonce, aad, pt)
	ccmCTR(b, nonce, dst, pt)
	s0 := ccmS0(b, nonce)
	var mic [ccmMICLen]byte
	subtle.XORBytes(mic[:], tag[:ccmMICLen], s0[:ccmMICLen])
	return mic
}

// ccmCounter returns counter block A_i: flags L-1, the nonce, i (2 bytes).
func ccmCounter(nonce *[ccmNonceLen]byte, i uint16) [blockLen]byte {
	var a [blockLen]byte
	a[0] = 2 - 1 // L-1
	copy(a[1:], nonce[:])
	a[14], a[15] = byte(i>>8), byte(i)
	return a
}

// ccmS0 returns S_0 = E(K, A_0), which masks the MIC.
func ccmS0(b cipher.Block, nonce *[ccmNonceLen]byte) [blockLen]byte {
	s := ccmCounter(nonce, 0)
	b.Encrypt(s[:], s[:])
	return s
}

// ccmCTR xors src with the key stream S_1, S_2, ... into dst.
func ccmCTR(b cipher.Block, nonce *[ccmNonceLen]byte, dst, src []byte) {
	if len(src) == 0 {
		return
	}
	a1 := ccmCounter(nonce, 1)
	cipher.NewCTR(b, a1[:]).XORKeyStream(dst, src)
}

// ccmMAC computes the CBC-MAC T of RFC 3610 2.2 over B_0, the encoded AAD
// and the message, each padded with zeros to whole blocks.
func ccmMAC(b cipher.Block, nonce *[ccmNonceLen]byte, aad, msg []byte) [blockLen]byte {
	var x [blockLen]byte
	// B_0: flags (Adata, M' = (M-2)/2, L' = L-1), nonce, l(m).
	x[0] = (ccmMICLen-2)/2<<3 | (2 - 1)
	if len(aad) > 0 {
		x[0] |= 0x40
	}
	copy(x[1:], nonce[:])
	x[14], x[15] = byte(len(msg)>>8), byte(len(msg))
	b.Encrypt(x[:], x[:])

	if len(aad) > 0 {
		// l(a) as 2 bytes (aad is shorter than 2^16-2^8), then a.
		var blk [blockLen]byte
		blk[0], blk[1] = byte(len(aad)>>8), byte(len(aad))
		n := copy(blk[2:], aad)
		subtle.XORBytes(x[:], x[:], blk[:])
		b.Encrypt(x[:], x[:])
		ccmMACBlocks(b, &x, aad[n:])
	}
	ccmMACBlocks(b, &x, msg)
	return x
}

// ccmMACBlocks continues the CBC-MAC in x over p, zero-padding the end.
func ccmMACBlocks(b cipher.Block, x *[blockLen]byte, p []byte) {
	for len(p) >= blockLen {
		subtle.XORBytes(x[:], x[:], p[:blockLen])
		b.Encrypt(x[:], x[:])
		p = p[blockLen:]
	}
	if len(p) > 0 {
		subtle.XORBytes(x[:len(p)], x[:len(p)], p)
		b.Encrypt(x[:], x[:])
	}
}
