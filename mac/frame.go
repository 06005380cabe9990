package mac

import "encoding/binary"

// FrameControl is the 16-bit Frame Control field exactly as it appears on
// air (little-endian, bit 0 first). It is kept as a raw integer rather than
// unpacked into a struct so that copying and comparing it costs nothing; the
// accessor methods decode individual bits on demand.
//
// The bit meanings below are those of protocol version 0. Extension frames
// (DMG/S1G beacons) and control frame extensions reuse bits 8-15 for other
// purposes, so the flag accessors are only meaningful for management, data
// and ordinary control frames.
type FrameControl uint16

// Frame Control bits (IEEE 802.11-2020, 9.2.4.1). They are unexported
// because callers should use the accessor methods.
const (
	fcVersionMask = 0x0003
	fcTypeMask    = 0x000c
	fcSubtypeMask = 0x00f0
	fcToDS        = 0x0100
	fcFromDS      = 0x0200
	fcMoreFrag    = 0x0400
	fcRetry       = 0x0800
	fcPwrMgt      = 0x1000
	fcMoreData    = 0x2000
	fcProtected   = 0x4000
	fcOrder       = 0x8000
)

// FrameType is the two-bit Type subfield of Frame Control.
type FrameType uint8

// Frame types. The type decides the header layout, so the parser switches on
// it first.
const (
	TypeMgmt FrameType = 0 // management: beacons, probes, (re)association, auth, action
	TypeCtrl FrameType = 1 // control: RTS, CTS, ACK, block ack, PS-Poll, ...
	TypeData FrameType = 2 // data, including null/QoS-null and QoS data
	TypeExt  FrameType = 3 // extension: DMG beacon and S1G beacon
)

// String returns a short name for logs.
func (t FrameType) String() string {
	switch t {
	case TypeMgmt:
		return "mgmt"
	case TypeCtrl:
		return "ctrl"
	case TypeData:
		return "data"
	default:
		return "ext"
	}
}

// Kind combines type and subtype into one byte, (type<<4)|subtype. A single
// value is what callers almost always want to compare against ("is this a
// beacon?"), and subtype numbers alone are ambiguous across types.
type Kind uint8

func kind(t FrameType, subtype uint8) Kind { return Kind(uint8(t)<<4 | subtype&0x0f) }

// Management frame kinds (IEEE 802.11-2020, Table 9-1).
const (
	AssocReq            Kind = 0x00
	AssocResp           Kind = 0x01
	ReassocReq          Kind = 0x02
	ReassocResp         Kind = 0x03
	ProbeReq            Kind = 0x04
	ProbeResp           Kind = 0x05
	TimingAdvertisement Kind = 0x06
	Beacon              Kind = 0x08
	ATIM                Kind = 0x09
	Disassoc            Kind = 0x0a
	Auth                Kind = 0x0b
	Deauth              Kind = 0x0c
	Action              Kind = 0x0d
	ActionNoAck         Kind = 0x0e
)

// Control frame kinds (IEEE 802.11-2020, Table 9-1).
const (
	Trigger               Kind = 0x12 // HE trigger frame
	TACK                  Kind = 0x13 // S1G TWT ack
	BeamformingReportPoll Kind = 0x14
	NDPAnnouncement       Kind = 0x15 // VHT/HE NDP announcement
	ControlFrameExt       Kind = 0x16 // DMG control frame extension; real subtype in FC bits 8-11
	ControlWrapper        Kind = 0x17
	BlockAckReq           Kind = 0x18
	BlockAck              Kind = 0x19
	PSPoll                Kind = 0x1a
	RTS                   Kind = 0x1b
	CTS                   Kind = 0x1c
	ACK                   Kind = 0x1d
	CFEnd                 Kind = 0x1e
	CFEndAck              Kind = 0x1f
)

// Data frame kinds (IEEE 802.11-2020, Table 9-1). Subtype bit 3 (0x08)
// marks QoS frames, which carry a QoS Control field; bit 2 (0x04) marks
// frames without a payload.
const (
	Data               Kind = 0x20
	DataCFAck          Kind = 0x21
	DataCFPoll         Kind = 0x22
	DataCFAckCFPoll    Kind = 0x23
	Null               Kind = 0x24
	CFAck              Kind = 0x25
	CFPoll             Kind = 0x26
	CFAckCFPoll        Kind = 0x27
	QoSData            Kind = 0x28
	QoSDataCFAck       Kind = 0x29
	QoSDataCFPoll      Kind = 0x2a
	QoSDataCFAckCFPoll Kind = 0x2b
	QoSNull            Kind = 0x2c
	QoSCFPoll          Kind = 0x2e
	QoSCFAckCFPoll     Kind = 0x2f
)

// Extension frame kinds (IEEE 802.11-2020, Table 9-1).
const (
	DMGBeacon Kind = 0x30
	S1GBeacon Kind = 0x31
)

// Type returns the frame type part of k.
func (k Kind) Type() FrameType { return FrameType(k >> 4) }

// Subtype returns the subtype part of k.
func (k Kind) Subtype() uint8 { return uint8(k) & 0x0f }

// String returns the name of k, or "type/subtype" numbers for reserved
// values. It does not allocate for known kinds, so it is cheap in logs.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	const hex = "0123456789abcdef"
	return k.Type().String() + "/" + hex[k.Subtype():k.Subtype()+1]
}

var kindNames = map[Kind]string{
	AssocReq: "AssocReq", AssocResp: "AssocResp", ReassocReq: "ReassocReq",
	ReassocResp: "ReassocResp", ProbeReq: "ProbeReq", ProbeResp: "ProbeResp",
	TimingAdvertisement: "TimingAdvertisement", Beacon: "Beacon", ATIM: "ATIM",
	Disassoc: "Disassoc", Auth: "Auth", Deauth: "Deauth", Action: "Action",
	ActionNoAck: "ActionNoAck",

	Trigger: "Trigger", TACK: "TACK", BeamformingReportPoll: "BeamformingReportPoll",
	NDPAnnouncement: "NDPAnnouncement", ControlFrameExt: "ControlFrameExt",
	ControlWrapper: "ControlWrapper", BlockAckReq: "BlockAckReq", BlockAck: "BlockAck",
	PSPoll: "PSPoll", RTS: "RTS", CTS: "CTS", ACK: "ACK", CFEnd: "CFEnd",
	CFEndAck: "CFEndAck",

	Data: "Data", DataCFAck: "DataCFAck", DataCFPoll: "DataCFPoll",
	DataCFAckCFPoll: "DataCFAckCFPoll", Null: "Null", CFAck: "CFAck", CFPoll: "CFPoll",
	CFAckCFPoll: "CFAckCFPoll", QoSData: "QoSData", QoSDataCFAck: "QoSDataCFAck",
	QoSDataCFPoll: "QoSDataCFPoll", QoSDataCFAckCFPoll: "QoSDataCFAckCFPoll",
	QoSNull: "QoSNull", QoSCFPoll: "QoSCFPoll", QoSCFAckCFPoll: "QoSCFAckCFPoll",

	DMGBeacon: "DMGBeacon", S1GBeacon: "S1GBeacon",
}

// Version returns the protocol version (bits 0-1). Only version 0 is parsed;
// version 1 is the S1G short-frame format mac80211 never builds.
func (fc FrameControl) Version() uint8 { return uint8(fc & fcVersionMask) }

// Type returns the frame type (bits 2-3).
func (fc FrameControl) Type() FrameType { return FrameType(fc&fcTypeMask) >> 2 }

// Subtype returns the frame subtype (bits 4-7).
func (fc FrameControl) Subtype() uint8 { return uint8(fc&fcSubtypeMask) >> 4 }

// Kind returns type and subtype combined; compare it with Beacon, ACK, QoSData...
func (fc FrameControl) Kind() Kind { return kind(fc.Type(), fc.Subtype()) }

// ToDS reports the To DS bit: the frame is headed into the distribution
// system (STA to AP, or the first half of a 4-address frame).
func (fc FrameControl) ToDS() bool { return fc&fcToDS != 0 }

// FromDS reports the From DS bit: the frame comes out of the distribution
// system (AP to STA, or the second half of a 4-address frame).
func (fc FrameControl) FromDS() bool { return fc&fcFromDS != 0 }

// MoreFrag reports that more fragments of the same MSDU/MMPDU follow.
func (fc FrameControl) MoreFrag() bool { return fc&fcMoreFrag != 0 }

// Retry reports that this is a retransmission, which receivers use to
// discard duplicates.
func (fc FrameControl) Retry() bool { return fc&fcRetry != 0 }

// PwrMgt reports that the transmitter will be in power-save mode after this
// frame exchange.
func (fc FrameControl) PwrMgt() bool { return fc&fcPwrMgt != 0 }

// MoreData reports that the transmitter has more buffered frames for the
// receiver.
func (fc FrameControl) MoreData() bool { return fc&fcMoreData != 0 }

// Protected reports that the frame body is encrypted (CCMP/GCMP/TKIP/WEP);
// a security header follows the MAC header and the body cannot be inspected.
func (fc FrameControl) Protected() bool { return fc&fcProtected != 0 }

// Order reports the +HTC/Order bit. In QoS data and management frames it
// means an HT Control field is present; in non-QoS data frames it requests
// strictly ordered delivery.
func (fc FrameControl) Order() bool { return fc&fcOrder != 0 }

// IsMgmt reports whether the frame is a management frame.
func (fc FrameControl) IsMgmt() bool { return fc.Type() == TypeMgmt }

// IsCtrl reports whether the frame is a control frame.
func (fc FrameControl) IsCtrl() bool { return fc.Type() == TypeCtrl }

// IsData reports whether the frame is a data frame (including null frames).
func (fc FrameControl) IsData() bool { return fc.Type() == TypeData }

// IsQoSData reports whether the frame is a QoS data subtype, which carries a
// QoS Control field after the addresses.
func (fc FrameControl) IsQoSData() bool { return fc.IsData() && fc.Subtype()&0x08 != 0 }

// IsNullData reports whether the frame is a data-type frame without payload
// (Null, QoS Null, CF-Ack/CF-Poll variants). Stations send these only to
// signal power-save state, so a medium may treat them specially.
func (fc FrameControl) IsNullData() bool { return fc.IsData() && fc.Subtype()&0x04 != 0 }

// SeqCtrl is the Sequence Control field: a 12-bit sequence number and a
// 4-bit fragment number.
type SeqCtrl uint16

// Seq returns the 12-bit sequence number.
func (s SeqCtrl) Seq() uint16 { return uint16(s) >> 4 }

// Frag returns the 4-bit fragment number.
func (s SeqCtrl) Frag() uint8 { return uint8(s) & 0x0f }

// QoSControl is the QoS Control field of QoS data frames.
type QoSControl uint16

// TID returns the traffic identifier (bits 0-3); 0-7 map to user priorities.
func (q QoSControl) TID() uint8 { return uint8(q) & 0x0f }

// EOSP returns the end-of-service-period bit (bit 4).
func (q QoSControl) EOSP() bool { return q&0x0010 != 0 }

// AckPolicy returns the two-bit ack policy (bits 5-6): 0 normal ack, 1 no
// ack, 2 no explicit ack / PSMP, 3 block ack. The medium needs it to know
// whether a unicast frame expects an immediate ACK.
func (q QoSControl) AckPolicy() uint8 { return uint8(q>>5) & 0x03 }

// AMSDU reports the A-MSDU Present bit (bit 7). When set, the body is a
// sequence of A-MSDU subframes, each with its own DA and SA.
func (q QoSControl) AMSDU() bool { return q&0x0080 != 0 }

// MeshControlPresent reports bit 8, which in a mesh BSS means a Mesh
// Control field starts the frame body. Outside a mesh BSS the same bit is
// part of the TXOP limit / queue size subfield, so only trust it for frames
// exchanged between mesh STAs.
func (q QoSControl) MeshControlPresent() bool { return q&0x0100 != 0 }

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
