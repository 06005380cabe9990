package mac

import "encoding/binary"

// MeshControl is the 802.11s Mesh Control field that starts the body of
// mesh data frames (IEEE 802.11-2020, 9.2.4.7.3).
//
// Mesh addressing has two layers: address 3/4 of the MAC header are the
// mesh SA/DA (mesh STAs), while the address extension here carries the end
// stations outside the mesh that a mesh gate proxies for.
type MeshControl struct {
	Flags  uint8  // Mesh Flags; bits 0-1 are the address extension mode
	TTL    uint8  // remaining hop count
	SeqNum uint32 // mesh sequence number, for duplicate detection
	Addr4  Addr   // valid when AddrExtMode() == 1 (group-addressed: end SA)
	Addr5  Addr   // valid when AddrExtMode() == 2 (individually addressed: end DA)
	Addr6  Addr   // valid when AddrExtMode() == 2 (individually addressed: end SA)
	Len    int    // length of the Mesh Control field: 6, 12 or 18
}

// AddrExtMode returns the address extension mode: 0 none, 1 Address 4,
// 2 Addresses 5 and 6.
func (m *MeshControl) AddrExtMode() uint8 { return m.Flags & 0x03 }

// ParseMeshControl decodes a Mesh Control field at the start of body (the
// bytes after the MAC header of an unprotected frame). It does not allocate
// on success. Mode 3 is reserved and yields an *UnsupportedError.
func ParseMeshControl(body []byte) (MeshControl, error) {
	var m MeshControl
	if len(body) < 6 {
		return m, &TooShortError{What: "mesh control", Need: 6, Got: len(body)}
	}
	m.Flags = body[0]
	m.TTL = body[1]
	m.SeqNum = binary.LittleEndian.Uint32(body[2:6])
	switch m.AddrExtMode() {
	case 0:
		m.Len = 6
	case 1:
		m.Len = 12
	case 2:
		m.Len = 18
	default:
		return m, &UnsupportedError{Reason: "reserved mesh address extension mode 3"}
	}
	if len(body) < m.Len {
		return m, &TooShortError{What: "mesh control", Need: m.Len, Got: len(body)}
	}
	switch m.AddrExtMode() {
	case 1:
		m.Addr4 = Addr(body[6:12])
	case 2:
		m.Addr5 = Addr(body[6:12])
		m.Addr6 = Addr(body[12:18])
	}
	return m, nil
}

// MeshControl decodes the Mesh Control field of frame, the mesh data frame
// h was parsed from. It fails with *UnsupportedError when the field cannot
// be read: not a QoS data frame with Mesh Control Present, an encrypted
// body (the field is inside the protected payload), or an A-MSDU (each
// subframe then carries its own mesh control).
//
// The Mesh Control Present bit is only defined between mesh STAs (outside
// a mesh the same bit belongs to the TXOP/queue size subfield), so call
// this only for frames the caller knows are mesh frames.
func (h *Header) MeshControl(frame []byte) (MeshControl, error) {
	switch {
	case !h.HasQoS || !h.QoS.MeshControlPresent():
		return MeshControl{}, &UnsupportedError{FC: h.FC, Reason: "no mesh control present"}
	case h.FC.Protected():
		return MeshControl{}, &UnsupportedError{FC: h.FC, Reason: "mesh control is encrypted"}
	case h.QoS.AMSDU():
		return MeshControl{}, &UnsupportedError{FC: h.FC, Reason: "mesh control is inside A-MSDU subframes"}
	}
	return ParseMeshControl(h.Body(frame))
}

// MeshEndAddrs returns the end-to-end destination and source of a mesh data
// frame, combining header and mesh control (IEEE 802.11-2020, 9.2.4.7.3 and
// Table 9-30):
//
//   - individually addressed (ToDS and FromDS): mode 0 gives address 3/4
//     (mesh DA/SA); mode 2 gives Address 5/6 (proxied end stations).
//   - group addressed (FromDS only): the DA is address 1; the SA is
//     address 3 (mesh SA) in mode 0 or Address 4 in mode 1.
//
// ok is false for other combinations, which the standard does not allow.
func (h *Header) MeshEndAddrs(m *MeshControl) (da, sa Addr, ok bool) {
	if !h.FC.IsData() {
		return Addr{}, Addr{}, false
	}
	mode := m.AddrExtMode()
	switch {
	case h.FC.ToDS() && h.FC.FromDS():
		switch mode {
		case 0:
			return h.Addr3, h.Addr4, true
		case 2:
			return m.Addr5, m.Addr6, true
		}
	case h.FC.FromDS():
		switch mode {
		case 0:
			return h.Addr1, h.Addr3, true
		case 1:
			return h.Addr1, m.Addr4, true
		}
	}
	return Addr{}, Addr{}, false
}

// LLC/SNAP headers that precede the EtherType in 802.11 data bodies:
// RFC 1042 encapsulation and 802.1H bridge tunnel (used for AARP/IPX).
var (
	rfc1042Header      = [6]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00}
	bridgeTunnelHeader = [6]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0xf8}
)

// EtherTypeEAPOL is the EtherType of 802.1X/EAPOL, the 4-way handshake.
const EtherTypeEAPOL = 0x888e

// EtherType returns the EtherType from the LLC/SNAP header of an
// unprotected, non-null, non-A-MSDU data frame, letting a medium spot EAPOL
// handshakes. It assumes the LLC header directly follows the MAC header.
// In mesh data frames the Mesh Control field comes first; its first byte
// (mesh flags, 0-2) can never match the LLC header's 0xaa, so such frames
// yield ok false rather than a wrong answer. The caller can skip
// MeshControl.Len bytes itself when it knows the frame is a mesh frame.
func (h *Header) EtherType(frame []byte) (uint16, bool) {
	if !h.FC.IsData() || h.FC.IsNullData() || h.FC.Protected() {
		return 0, false
	}
	if h.HasQoS && h.QoS.AMSDU() {
		return 0, false
	}
	body := h.Body(frame)
	if len(body) < 8 {
		return 0, false
	}
	if [6]byte(body[:6]) != rfc1042Header && [6]byte(body[:6]) != bridgeTunnelHeader {
		return 0, false
	}
	return binary.BigEndian.Uint16(body[6:8]), true
}
