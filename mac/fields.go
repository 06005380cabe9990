package mac

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
