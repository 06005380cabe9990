package mac

import "encoding/binary"

// Header is a decoded 802.11 MAC header. It is a plain value (no pointers or
// slices) so Parse can fill it without allocating and callers can copy it
// freely.
//
// Address fields are positional: AddrN is the N-th address field of the
// header, whose meaning depends on the frame type and DS bits; use
// Receiver, Transmitter, BSSID, DA and SA for the semantic view.
type Header struct {
	FC       FrameControl // frame control as on air
	Duration uint16       // Duration/ID field (the AID in PS-Poll)

	Addr1 Addr // receiver address; always present (see Parse for extension frames)
	Addr2 Addr // valid when HasAddr2
	Addr3 Addr // valid when HasAddr3
	Addr4 Addr // valid when HasAddr4

	HasAddr2 bool // false for ACK, CTS, control wrapper and control frame extensions
	HasAddr3 bool // management and data frames
	HasAddr4 bool // data frames with both ToDS and FromDS set

	Seq    SeqCtrl // valid when HasSeq
	HasSeq bool    // management and data frames

	QoS    QoSControl // valid when HasQoS
	HasQoS bool       // QoS data subtypes

	HTC    uint32 // HT Control field, valid when HasHTC
	HasHTC bool   // +HTC management/QoS data frames and control wrapper

	// HeaderLen is the number of bytes of the MAC header, i.e. the offset
	// of the frame body (or, for protected frames, of the security
	// header). Parse guarantees HeaderLen <= len(b) on success.
	HeaderLen int
}

// Fixed field sizes and offsets used by Parse.
const (
	addrLen       = 6
	offAddr1      = 4
	offAddr2      = 10
	offAddr3      = 16
	offSeq        = 22
	offAddr4      = 24
	baseHeaderLen = 24 // FC, duration, 3 addresses, sequence control
	ackHeaderLen  = 10 // FC, duration, RA
	ctrlHeaderLen = 16 // FC, duration, RA, TA
)

// Parse decodes the MAC header at the start of b, a frame as mac80211 hands
// it to mac80211_hwsim: no radiotap header and no FCS. Only the header is
// read; the body is not validated. Parse does not allocate on success and
// never panics; on failure it returns a *TooShortError (errors.Is
// ErrTooShort) or an *UnsupportedError (errors.Is ErrUnsupported).
//
// Extension frames (DMG and S1G beacons) have no receiver address field:
// they are broadcast by definition. So that routing code can treat every
// frame alike, Parse sets Addr1 to Broadcast and puts the transmitter field
// (BSSID for DMG, SA for S1G) in Addr2, with HeaderLen 10; the remaining
// fixed fields of an S1G beacon are left to the body.
func Parse(b []byte) (Header, error) {
	var h Header
	if len(b) < 2 {
		return h, &TooShortError{What: "frame control", Need: 2, Got: len(b)}
	}
	h.FC = FrameControl(binary.LittleEndian.Uint16(b))
	if h.FC.Version() != 0 {
		return h, &UnsupportedError{FC: h.FC, Reason: "protocol version is not 0"}
	}
	var need int
	switch h.FC.Type() {
	case TypeMgmt:
		need = baseHeaderLen
		if h.FC.Order() {
			need += 4
		}
	case TypeData:
		need = baseHeaderLen
		if h.FC.ToDS() && h.FC.FromDS() {
			need += addrLen
		}
		if h.FC.IsQoSData() {
			need += 2
			if h.FC.Order() {
				need += 4
			}
		}
	case TypeCtrl:
		switch h.FC.Kind() {
		case ACK, CTS, ControlFrameExt:
			need = ackHeaderLen
		case ControlWrapper:
			need = ctrlHeaderLen // RA, carried frame control, HT control
		case kind(TypeCtrl, 0), kind(TypeCtrl, 1):
			return h, &UnsupportedError{FC: h.FC, Reason: "reserved control subtype"}
		default:
			need = ctrlHeaderLen
		}
	case TypeExt:
		switch h.FC.Kind() {
		case DMGBeacon, S1GBeacon:
			need = ackHeaderLen
		default:
			return h, &UnsupportedError{FC: h.FC, Reason: "reserved extension subtype"}
		}
	}
	if len(b) < need {
		return h, &TooShortError{Kind: h.FC.Kind(), What: "header", Need: need, Got: len(b)}
	}
	h.HeaderLen = need
	h.Duration = binary.LittleEndian.Uint16(b[2:4])

	switch h.FC.Type() {
	case TypeExt:
		h.Addr1 = Broadcast
		h.Addr2 = Addr(b[offAddr1 : offAddr1+addrLen])
		h.HasAddr2 = true
		return h, nil
	case TypeCtrl:
		h.Addr1 = Addr(b[offAddr1 : offAddr1+addrLen])
		switch {
		case need == ackHeaderLen:
			// ACK, CTS, control frame extension: RA only.
		case h.FC.Kind() == ControlWrapper:
			// Carried Frame Control at 10, HT Control at 12; no TA.
			h.HTC = binary.LittleEndian.Uint32(b[12:16])
			h.HasHTC = true
		default:
			h.Addr2 = Addr(b[offAddr2 : offAddr2+addrLen])
			h.HasAddr2 = true
		}
		return h, nil
	}

	// Management and data frames share the 24-byte base layout.
	h.Addr1 = Addr(b[offAddr1 : offAddr1+addrLen])
	h.Addr2 = Addr(b[offAddr2 : offAddr2+addrLen])
	h.Addr3 = Addr(b[offAddr3 : offAddr3+addrLen])
	h.HasAddr2, h.HasAddr3 = true, true
	h.Seq = SeqCtrl(binary.LittleEndian.Uint16(b[offSeq : offSeq+2]))
	h.HasSeq = true
	off := baseHeaderLen
	if h.FC.IsData() {
		if h.FC.ToDS() && h.FC.FromDS() {
			h.Addr4 = Addr(b[offAddr4 : offAddr4+addrLen])
			h.HasAddr4 = true
			off += addrLen
		}
		if !h.FC.IsQoSData() {
			return h, nil // Order bit here means strictly-ordered, not +HTC
		}
		h.QoS = QoSControl(binary.LittleEndian.Uint16(b[off : off+2]))
		h.HasQoS = true
		off += 2
	}
	if h.FC.Order() {
		h.HTC = binary.LittleEndian.Uint32(b[off : off+4])
		h.HasHTC = true
	}
	return h, nil
}

// Kind returns the combined type and subtype.
func (h *Header) Kind() Kind { return h.FC.Kind() }

// IsMgmt reports whether h is a management frame.
func (h *Header) IsMgmt() bool { return h.FC.IsMgmt() }

// IsCtrl reports whether h is a control frame.
func (h *Header) IsCtrl() bool { return h.FC.IsCtrl() }

// IsData reports whether h is a data frame.
func (h *Header) IsData() bool { return h.FC.IsData() }

// IsBeacon reports whether h is a beacon (not a DMG/S1G extension beacon,
// whose body layout differs).
func (h *Header) IsBeacon() bool { return h.FC.Kind() == Beacon }

// IsProbeResp reports whether h is a probe response.
func (h *Header) IsProbeResp() bool { return h.FC.Kind() == ProbeResp }

// Receiver returns the receiver address (RA, address 1), the address the
// medium routes on. It is present in every frame.
func (h *Header) Receiver() Addr { return h.Addr1 }

// IsGroupAddressed reports whether the receiver address is a group
// (broadcast or multicast) address. Group-addressed frames go to every
// radio in range and are never acknowledged.
func (h *Header) IsGroupAddressed() bool { return h.Addr1.IsGroup() }

// Transmitter returns the transmitter address (TA, address 2). ok is false
// for frames that carry none: ACK, CTS, control wrapper and control frame
// extensions.
//
// In control frames the Individual/Group bit of the TA field may be set to
// mark a "bandwidth signaling TA" (VHT RTS and others); a transmitter is
// never a group, so that bit is cleared here. Addr2 keeps the raw value.
func (h *Header) Transmitter() (a Addr, ok bool) {
	if !h.HasAddr2 {
		return Addr{}, false
	}
	a = h.Addr2
	if h.FC.IsCtrl() {
		a[0] &^= 0x01
	}
	return a, true
}

// BSSID returns the BSS identifier where the header carries one:
// address 3 of management frames and of data frames with neither DS bit,
// address 2 of FromDS data, address 1 of ToDS data, address 1 of PS-Poll
// and address 2 of CF-End. Frames with both DS bits (WDS/mesh) carry no
// BSSID, nor do other control frames.
func (h *Header) BSSID() (Addr, bool) {
	switch h.FC.Type() {
	case TypeMgmt:
		return h.Addr3, true
	case TypeData:
		switch {
		case !h.FC.ToDS() && !h.FC.FromDS():
			return h.Addr3, true
		case !h.FC.ToDS() && h.FC.FromDS():
			return h.Addr2, true
		case h.FC.ToDS() && !h.FC.FromDS():
			return h.Addr1, true
		}
	case TypeCtrl:
		switch h.FC.Kind() {
		case PSPoll:
			return h.Addr1, true
		case CFEnd, CFEndAck:
			return h.Addr2, true
		}
	case TypeExt:
		if h.FC.Kind() == DMGBeacon {
			return h.Addr2, true
		}
	}
	return Addr{}, false
}

// DA returns the final destination address of a management or data frame
// (IEEE 802.11-2020, Table 9-30): address 1 with no DS bit or FromDS,
// address 3 with ToDS or with both bits (WDS/mesh: the mesh DA).
//
// ok is false for control and extension frames, and for data frames
// carrying an A-MSDU whose destination is not address 1, because then the
// destinations are in the A-MSDU subframe headers and the address field
// holds the BSSID.
func (h *Header) DA() (Addr, bool) {
	switch h.FC.Type() {
	case TypeMgmt:
		return h.Addr1, true
	case TypeData:
		if !h.FC.ToDS() {
			return h.Addr1, true
		}
		if h.HasQoS && h.QoS.AMSDU() {
			return Addr{}, false
		}
		return h.Addr3, true
	}
	return Addr{}, false
}

// SA returns the original source address of a management or data frame
// (IEEE 802.11-2020, Table 9-30): address 2 with no DS bit or ToDS,
// address 3 with FromDS, address 4 with both bits (WDS/mesh: the mesh SA).
//
// ok is false for control and extension frames, and for A-MSDU data frames
// whose source is not address 2 (the sources are in the subframe headers).
//
// For 802.11s mesh data the mesh SA/DA may themselves be proxies for end
// stations outside the mesh; see MeshControl.EndAddrs.
func (h *Header) SA() (Addr, bool) {
	switch h.FC.Type() {
	case TypeMgmt:
		return h.Addr2, true
	case TypeData:
		if !h.FC.FromDS() {
			return h.Addr2, true
		}
		if h.HasQoS && h.QoS.AMSDU() {
			return Addr{}, false
		}
		if h.FC.ToDS() {
			return h.Addr4, true
		}
		return h.Addr3, true
	}
	return Addr{}, false
}

// Body returns the bytes after the MAC header of frame, the frame h was
// parsed from. For protected frames this starts with the security header
// (IV/PN) and the rest is ciphertext. It returns nil if frame is shorter
// than the header, so a mismatched frame cannot cause a panic.
func (h *Header) Body(frame []byte) []byte {
	if h.HeaderLen < 0 || h.HeaderLen > len(frame) {
		return nil
	}
	return frame[h.HeaderLen:]
}
