package crypto

import (
	"encoding/binary"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// rsnInfo is what the decryptor needs from an RSN element: the ciphers
// and the AKM a station chose (its element in message 2 lists one of
// each).
type rsnInfo struct {
	group    uint32 // group data cipher suite
	pairwise uint32 // first pairwise cipher suite
	akm      uint32 // first AKM suite
}

// parseRSNE decodes the body of an RSN element (IEEE 802.11-2020,
// 9.4.2.24). Trailing fields may be absent; their defaults are CCMP-128
// and 802.1X, as the standard says. Lists with a count of 0 keep the
// default too.
func parseRSNE(b []byte) (rsnInfo, error) {
	r := rsnInfo{group: cipherCCMP128, pairwise: cipherCCMP128, akm: akm8021X}
	if len(b) < 2 {
		return r, fmt.Errorf("parse RSN element: %d bytes, need the 2-byte version: %w", len(b), ErrMalformed)
	}
	if v := binary.LittleEndian.Uint16(b); v != 1 {
		return r, fmt.Errorf("parse RSN element: version %d, only 1 is defined: %w", v, ErrUnsupported)
	}
	b = b[2:]
	if len(b) < 4 {
		return r, nil
	}
	r.group = binary.BigEndian.Uint32(b)
	b = b[4:]
	for _, dst := range []*uint32{&r.pairwise, &r.akm} {
		if len(b) < 2 {
			return r, nil
		}
		n := int(binary.LittleEndian.Uint16(b))
		b = b[2:]
		if len(b) < 4*n {
			return r, fmt.Errorf("parse RSN element: %d suites need %d bytes, have %d: %w", n, 4*n, len(b), ErrMalformed)
		}
		if n > 0 {
			*dst = binary.BigEndian.Uint32(b)
		}
		b = b[4*n:]
	}
	return r, nil
}

// KDE types with OUI 00-0f-ac (IEEE 802.11-2020, Table 12-9).
const (
	kdeGTK   = 1
	kdeKeyID = 10
)

// keyData is what the decryptor takes from EAPOL-Key key data.
type keyData struct {
	rsn     rsnInfo
	haveRSN bool

	gtk     []byte // GTK KDE key, aliasing the key data
	gtkID   uint8  // its key ID (1-3; 0 is tolerated)
	haveGTK bool

	ptkID     uint8 // Key ID KDE: the key ID of the new PTK (Extended Key ID)
	havePTKID bool
}

// parseKeyData walks the elements and KDEs of (decrypted) key data: the
// RSN element, the GTK KDE and the Key ID KDE; others (IGTK, BIGTK, OCI,
// PMKID, RSNXE, ...) are skipped. Padding (0xdd followed by zeros) ends the
// list. The first element of each kind counts. A malformed RSN element, GTK
// KDE or Key ID KDE fails the whole key data; a truncated last element is
// ignored as padding would be.
func parseKeyData(b []byte) (keyData, error) {
	var kd keyData
	it := mac.NewElementIter(b)
	for {
		id, data, ok := it.Next()
		if !ok {
			return kd, nil
		}
		switch {
		case id == mac.ElemRSN && !kd.haveRSN:
			r, err := parseRSNE(data)
			if err != nil {
				return kd, err
			}
			kd.rsn, kd.haveRSN = r, true
		case id == mac.ElemVendor && len(data) == 0:
			return kd, nil // padding
		case id == mac.ElemVendor && len(data) >= 4 && binary.BigEndian.Uint32(data)&^0xff == suiteOUI:
			if err := kd.kde(data[3], data[4:]); err != nil {
				return kd, err
			}
		}
	}
}

// kde records one KDE of the given type with payload p.
func (kd *keyData) kde(typ uint8, p []byte) error {
	switch typ {
	case kdeGTK:
		if kd.haveGTK {
			return nil
		}
		// Key ID (bits 0-1) and Tx (bit 2), a reserved octet, the GTK.
		if len(p) < 2+5 {
			return fmt.Errorf("parse GTK KDE: %d bytes, need at least 7: %w", len(p), ErrMalformed)
		}
		kd.gtkID, kd.gtk, kd.haveGTK = p[0]&0x03, p[2:len(p):len(p)], true
	case kdeKeyID:
		if kd.havePTKID {
			return nil
		}
		if len(p) < 2 {
			return fmt.Errorf("parse Key ID KDE: %d bytes, need 2: %w", len(p), ErrMalformed)
		}
		kd.ptkID, kd.havePTKID = p[0]&0x03, true
	}
	return nil
}
