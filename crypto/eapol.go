package crypto

import (
	"bytes"
	"crypto/aes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
)

// EAPOL (IEEE 802.1X-2020, 11.3) header: protocol version, packet type,
// body length.
const (
	eapolHeaderLen = 4
	eapolTypeKey   = 3
)

// Key descriptor types (IEEE 802.1X-2020 Table 11-5 and IEEE 802.11).
const (
	// DescriptorRSN is the IEEE 802.11 key descriptor (WPA2/WPA3).
	DescriptorRSN = 2
	// DescriptorWPA is the pre-standard WPA1 key descriptor.
	DescriptorWPA = 254
)

// Layout of an EAPOL-Key frame with a 16-byte MIC, as offsets from the
// start of the EAPOL header (IEEE 802.11-2020, Figure 12-32).
const (
	offDescType   = 4
	offKeyInfo    = 5
	offKeyLen     = 7
	offReplay     = 9
	offNonce      = 17
	offIV         = 49
	offRSC        = 65
	offMIC        = 81
	micLen        = 16
	offKeyDataLen = offMIC + micLen
	offKeyData    = offKeyDataLen + 2 // 99: the fixed part ends here
)

// KeyInfo is the Key Information field of an EAPOL-Key frame (IEEE
// 802.11-2020, Figure 12-33), host order.
type KeyInfo uint16

// Key Information bits.
const (
	KeyInfoPairwise  KeyInfo = 1 << 3  // Key Type: pairwise (1) or group (0)
	KeyInfoInstall   KeyInfo = 1 << 6  // install the key
	KeyInfoAck       KeyInfo = 1 << 7  // sent by the authenticator, expects an answer
	KeyInfoMIC       KeyInfo = 1 << 8  // the MIC field is valid
	KeyInfoSecure    KeyInfo = 1 << 9  // keys are installed
	KeyInfoError     KeyInfo = 1 << 10 // MIC failure report
	KeyInfoRequest   KeyInfo = 1 << 11 // supplicant asks for a handshake
	KeyInfoEncrypted KeyInfo = 1 << 12 // key data is encrypted
	KeyInfoSMK       KeyInfo = 1 << 13 // obsolete SMK message
)

// Version returns the key descriptor version (bits 0-2): 1 HMAC-MD5/RC4
// (TKIP), 2 HMAC-SHA1/AES key wrap, 3 AES-CMAC/AES key wrap, 0 AKM-defined.
func (k KeyInfo) Version() uint8 { return uint8(k & 0x7) }

// Has reports whether all bits of f are set.
func (k KeyInfo) Has(f KeyInfo) bool { return k&f == f }

// EAPOLKey is a parsed EAPOL-Key frame (IEEE 802.11-2020, 12.7.2) with the
// 16-byte MIC of the AKMs this package supports. Slices alias the input.
type EAPOLKey struct {
	ProtocolVersion uint8 // 802.1X protocol version (1, 2 or 3)
	DescriptorType  uint8 // DescriptorRSN or DescriptorWPA
	Info            KeyInfo
	KeyLength       uint16 // length of the pairwise key (16 for CCMP), 0 in group messages of RSN
	ReplayCounter   uint64
	Nonce           [nonceLen]byte // ANonce (messages 1 and 3) or SNonce (message 2)
	IV              [16]byte
	RSC             uint64 // receive sequence counter of the GTK (PN), from the little-endian field
	MIC             [micLen]byte
	KeyData         []byte // key data as on air (encrypted in messages 3 and group 1)

	raw []byte // the whole EAPOL PDU, for MIC checks
}

// ParseEAPOLKey parses an EAPOL PDU (802.1X header first, as it follows
// the LLC/SNAP header with EtherType 88-8e in an 802.11 data frame) that
// carries an EAPOL-Key frame. Bytes after the length the 802.1X header
// gives are ignored. Errors wrap ErrMalformed, or ErrUnsupported for other
// EAPOL packet types. It never panics and does not allocate.
func ParseEAPOLKey(b []byte) (EAPOLKey, error) {
	var k EAPOLKey
	if len(b) < eapolHeaderLen {
		return k, fmt.Errorf("parse EAPOL header: need %d bytes, have %d: %w", eapolHeaderLen, len(b), ErrMalformed)
	}
	if b[1] != eapolTypeKey {
		return k, fmt.Errorf("parse EAPOL: packet type %d is not EAPOL-Key (3): %w", b[1], ErrUnsupported)
	}
	n := eapolHeaderLen + int(binary.BigEndian.Uint16(b[2:4]))
	if n > len(b) {
		return k, fmt.Errorf("parse EAPOL-Key: header says %d bytes, have %d: %w", n, len(b), ErrMalformed)
	}
	b = b[:n]
	if len(b) < offKeyData {
		return k, fmt.Errorf("parse EAPOL-Key: need %d bytes, have %d: %w", offKeyData, len(b), ErrMalformed)
	}
	k.ProtocolVersion = b[0]
	k.DescriptorType = b[offDescType]
	k.Info = KeyInfo(binary.BigEndian.Uint16(b[offKeyInfo:]))
	k.KeyLength = binary.BigEndian.Uint16(b[offKeyLen:])
	k.ReplayCounter = binary.BigEndian.Uint64(b[offReplay:])
	copy(k.Nonce[:], b[offNonce:])
	copy(k.IV[:], b[offIV:])
	k.RSC = binary.LittleEndian.Uint64(b[offRSC:])
	copy(k.MIC[:], b[offMIC:])
	kdl := int(binary.BigEndian.Uint16(b[offKeyDataLen:]))
	if offKeyData+kdl > len(b) {
		return k, fmt.Errorf("parse EAPOL-Key: key data length %d runs past the frame end (%d bytes left): %w",
			kdl, len(b)-offKeyData, ErrMalformed)
	}
	k.KeyData = b[offKeyData : offKeyData+kdl : offKeyData+kdl]
	k.raw = b[:offKeyData+kdl]
	return k, nil
}

// Message identifies a message of the 4-way or group key handshake.
type Message uint8

// Handshake messages. MessageOther covers requests, SMK and anything whose
// Key Information bits fit no handshake message.
const (
	MessageOther  Message = iota
	Message1              // 4-way handshake 1/4: authenticator's ANonce
	Message2              // 2/4: supplicant's SNonce and RSN element, with MIC
	Message3              // 3/4: ANonce again, GTK in encrypted key data, with MIC
	Message4              // 4/4: supplicant's confirmation
	GroupMessage1         // group key handshake 1/2: new GTK
	GroupMessage2         // group key handshake 2/2: confirmation
)

// String returns "4-way 1/4", "group 2/2" and so on.
func (m Message) String() string {
	switch m {
	case Message1, Message2, Message3, Message4:
		return fmt.Sprintf("4-way %d/4", int(m))
	case GroupMessage1, GroupMessage2:
		return fmt.Sprintf("group %d/2", int(m-GroupMessage1)+1)
	}
	return "other"
}

// Message classifies the frame by its Key Information bits as hostapd's
// wlantest does: messages 2 and 4 both carry a MIC without Ack, and
// message 4 is the one without key data or with a zero nonce (the Secure
// bit cannot tell them apart during a PTK rekey).
func (k *EAPOLKey) Message() Message {
	i := k.Info
	if i.Has(KeyInfoRequest) || i.Has(KeyInfoSMK) {
		return MessageOther
	}
	if i.Has(KeyInfoPairwise) {
		switch {
		case i.Has(KeyInfoAck) && !i.Has(KeyInfoInstall):
			return Message1
		case i.Has(KeyInfoAck | KeyInfoInstall | KeyInfoMIC):
			return Message3
		case !i.Has(KeyInfoAck) && i.Has(KeyInfoMIC):
			if len(k.KeyData) == 0 || k.Nonce == [nonceLen]byte{} {
				return Message4
			}
			return Message2
		}
		return MessageOther
	}
	switch {
	case i.Has(KeyInfoAck | KeyInfoMIC):
		return GroupMessage1
	case !i.Has(KeyInfoAck) && i.Has(KeyInfoMIC):
		return GroupMessage2
	}
	return MessageOther
}

// computeMIC returns the MIC of the frame (with its MIC field zeroed)
// under kck with the scheme's algorithm: HMAC-SHA1 truncated to 128 bits,
// or AES-128-CMAC.
func (k *EAPOLKey) computeMIC(s keyScheme, kck *[kckLen]byte) [micLen]byte {
	buf := bytes.Clone(k.raw)
	clear(buf[offMIC : offMIC+micLen])
	var mic [micLen]byte
	if s == schemeSHA1 {
		m := hmac.New(sha1.New, kck[:])
		m.Write(buf)
		copy(mic[:], m.Sum(nil))
		return mic
	}
	b, _ := aes.NewCipher(kck[:]) // a 16-byte key cannot fail
	return cmacAES(b, buf)
}

// verifyMIC reports whether the frame's MIC is valid under kck.
func (k *EAPOLKey) verifyMIC(s keyScheme, kck *[kckLen]byte) bool {
	if !k.Info.Has(KeyInfoMIC) || k.raw == nil {
		return false
	}
	want := k.computeMIC(s, kck)
	return hmac.Equal(want[:], k.MIC[:])
}
