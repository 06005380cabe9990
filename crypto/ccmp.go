package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// CCMP framing (IEEE 802.11-2020, 12.5.3.2): an 8-byte header after the MAC
// header, the encrypted data, an 8-byte MIC.
const (
	ccmpHeaderLen = 8
	ccmpOverhead  = ccmpHeaderLen + ccmMICLen // what decryption removes: 16 bytes
	ccmpExtIV     = 0x20                      // Ext IV bit in byte 3 of the header
	maxAADLen     = 30                        // FC, A1-A3, SC, A4, QC
)

// Frame Control bits used in the AAD (IEEE 802.11-2020, 12.5.3.3.3).
const (
	fcSubtypeLow = 0x0070 // subtype bits 4-6, masked in data frames
	fcRetry      = 0x0800
	fcPwrMgt     = 0x1000
	fcMoreData   = 0x2000
	fcProtected  = 0x4000
	fcOrder      = 0x8000
)

// ccmpHeader is the decoded CCMP header.
type ccmpHeader struct {
	pn    uint64 // 48-bit packet number
	keyID uint8  // 0-3
	extIV bool   // always set for CCMP; clear means WEP
}

// parseCCMPHeader decodes the first 8 bytes of b: PN0 PN1 reserved
// (KeyID<<6 | ExtIV) PN2 PN3 PN4 PN5.
func parseCCMPHeader(b []byte) ccmpHeader {
	return ccmpHeader{
		pn: uint64(b[0]) | uint64(b[1])<<8 | uint64(b[4])<<16 |
			uint64(b[5])<<24 | uint64(b[6])<<32 | uint64(b[7])<<40,
		keyID: b[3] >> 6,
		extIV: b[3]&ccmpExtIV != 0,
	}
}

// ccmpAADNonce builds the AAD and the CCM nonce of a protected frame whose
// parsed header is h (IEEE 802.11-2020, 12.5.3.3.3 and 12.5.3.3.4):
//
//	AAD:   FC | A1 | A2 | A3 | SC | [A4] | [QC]
//	Nonce: flags (priority | management<<4) | A2 | PN (big-endian)
//
// FC has Retry, PwrMgt and MoreData masked to 0 and Protected set; in data
// frames the subtype bits 4-6 are masked, and in QoS data frames the Order
// bit too (the HT Control field is not covered). SC keeps only the fragment
// number. QC keeps only the TID (SPP A-MSDU is not supported). The HT
// Control field is never part of the AAD. It returns the AAD length.
func ccmpAADNonce(h *mac.Header, frame []byte, pn uint64, aad *[maxAADLen]byte, nonce *[ccmNonceLen]byte) int {
	fc := uint16(h.FC) &^ (fcRetry | fcPwrMgt | fcMoreData)
	if h.FC.IsData() {
		fc &^= fcSubtypeLow
	}
	if h.HasQoS {
		fc &^= fcOrder
	}
	fc |= fcProtected
	binary.LittleEndian.PutUint16(aad[0:], fc)
	copy(aad[2:], frame[4:22]) // A1, A2, A3
	aad[20], aad[21] = frame[22]&0x0f, 0
	n := 22
	if h.HasAddr4 {
		copy(aad[n:], h.Addr4[:])
		n += 6
	}
	var tid uint8
	if h.HasQoS {
		tid = h.QoS.TID()
		aad[n], aad[n+1] = tid, 0
		n += 2
	}

	nonce[0] = tid
	if h.FC.IsMgmt() {
		nonce[0] |= 0x10
	}
	copy(nonce[1:7], h.Addr2[:])
	for i := range 6 {
		nonce[7+i] = byte(pn >> (40 - 8*i))
	}
	return n
}

// replaySlots is the number of replay counters a key keeps: one per TID of
// QoS data (0-15), one for non-QoS data and one for management frames, as
// receivers do (IEEE 802.11-2020, 12.5.3.4.4), so that frames of different
// access categories may be reordered without being taken for replays.
const replaySlots = 18

// replaySlot returns the replay counter index for a frame.
func replaySlot(h *mac.Header) int {
	switch {
	case h.FC.IsMgmt():
		return 17
	case h.HasQoS:
		return int(h.QoS.TID())
	}
	return 16
}

// temporalKey is an installed CCMP key with its replay state.
//
// Both ends of a pair send with the same pairwise key, each counting its
// own packet numbers, so the observer keeps the counters per direction:
// index 0 for frames the authenticator sends (and for group keys, which
// only it sends), 1 for frames the supplicant sends.
type temporalKey struct {
	key   [tkLen]byte
	block cipher.Block
	id    uint8                  // key ID it is used with
	next  [2][replaySlots]uint64 // smallest PN not yet accepted, per direction and slot (0: none seen)
}

// newTemporalKey prepares a CCMP-128 key.
func newTemporalKey(k [tkLen]byte, id uint8) *temporalKey {
	b, _ := aes.NewCipher(k[:]) // a 16-byte key cannot fail
	return &temporalKey{key: k, block: b, id: id}
}

// open decrypts the CCMP frame (header h, body after the MAC header in
// frame) into out, which has room for the MAC header and the plaintext,
// and reports whether the MIC verified. It does not look at replay state.
func (k *temporalKey) open(h *mac.Header, frame []byte, pn uint64, out []byte) bool {
	var aad [maxAADLen]byte
	var nonce [ccmNonceLen]byte
	n := ccmpAADNonce(h, frame, pn, &aad, &nonce)
	body := frame[h.HeaderLen+ccmpHeaderLen:]
	ct, mic := body[:len(body)-ccmMICLen], body[len(body)-ccmMICLen:]
	return ccmOpen(k.block, &nonce, aad[:n], out[h.HeaderLen:], ct, mic)
}
