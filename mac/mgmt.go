package mac

import (
	"encoding/binary"
	"iter"
)

// BeaconTimestampOffset is the offset of the 8-byte TSF timestamp in a
// beacon or probe response without an HT Control field, which is how
// mac80211 always builds them. The helpers below compute the offset from the
// parsed header instead, so they stay correct for +HTC frames too.
const BeaconTimestampOffset = 24

// Fixed-field layout of beacon and probe response bodies (IEEE 802.11-2020,
// 9.3.3.2): Timestamp(8) Beacon Interval(2) Capability(2), then elements.
const (
	tsLen          = 8
	offInterval    = 8
	offBeaconCap   = 10
	beaconFixedLen = 12
)

// timestampOffset returns where the TSF timestamp of a beacon or probe
// response starts in frame, after checking that all 8 bytes are there.
func timestampOffset(frame []byte) (int, bool) {
	h, err := Parse(frame)
	if err != nil || h.FC.Protected() {
		return 0, false
	}
	if k := h.Kind(); k != Beacon && k != ProbeResp {
		return 0, false
	}
	if len(frame)-h.HeaderLen < tsLen {
		return 0, false
	}
	return h.HeaderLen, true
}

// Timestamp returns the TSF timestamp (microseconds) of a beacon or probe
// response. ok is false for other frames or if the body is truncated.
func Timestamp(frame []byte) (ts uint64, ok bool) {
	off, ok := timestampOffset(frame)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint64(frame[off:]), true
}

// SetTimestamp overwrites the TSF timestamp of a beacon or probe response in
// place and reports whether it did.
func SetTimestamp(frame []byte, ts uint64) bool {
	off, ok := timestampOffset(frame)
	if !ok {
		return false
	}
	binary.LittleEndian.PutUint64(frame[off:], ts)
	return true
}

// AddTimestamp adds delta to the TSF timestamp of a beacon or probe response
// in place and reports whether it did. A medium uses this to give each
// simulated radio its own TSF offset. The addition wraps modulo 2^64 like
// the TSF counter itself, so uint64(int64(-n)) subtracts n.
func AddTimestamp(frame []byte, delta uint64) bool {
	off, ok := timestampOffset(frame)
	if !ok {
		return false
	}
	ts := binary.LittleEndian.Uint64(frame[off:])
	binary.LittleEndian.PutUint64(frame[off:], ts+delta)
	return true
}

// BeaconInterval returns the beacon interval (in TU of 1024 µs) of a beacon
// or probe response.
func BeaconInterval(frame []byte) (tu uint16, ok bool) {
	h, err := Parse(frame)
	if err != nil || h.FC.Protected() || (h.Kind() != Beacon && h.Kind() != ProbeResp) {
		return 0, false
	}
	off := h.HeaderLen + offInterval
	if len(frame)-off < 2 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(frame[off:]), true
}

// CapabilityInfo is the Capability Information field of beacons, probe
// responses and (re)association frames.
type CapabilityInfo uint16

// Capability Information bits (IEEE 802.11-2020, 9.4.1.4) that a medium may
// care about. A mesh STA sets neither ESS nor IBSS.
const (
	CapESS           CapabilityInfo = 0x0001 // transmitted by an AP
	CapIBSS          CapabilityInfo = 0x0002 // transmitted by an IBSS (ad-hoc) STA
	CapPrivacy       CapabilityInfo = 0x0010 // encryption required
	CapShortPreamble CapabilityInfo = 0x0020
	CapSpectrumMgmt  CapabilityInfo = 0x0100
	CapShortSlotTime CapabilityInfo = 0x0400
)

// ESS reports the ESS bit: the sender is an AP.
func (c CapabilityInfo) ESS() bool { return c&CapESS != 0 }

// IBSS reports the IBSS bit: the sender is an ad-hoc STA. IBSS beacons are
// sent by whichever member wins the backoff, which matters for TSF handling.
func (c CapabilityInfo) IBSS() bool { return c&CapIBSS != 0 }

// Privacy reports the Privacy bit.
func (c CapabilityInfo) Privacy() bool { return c&CapPrivacy != 0 }

// capabilityOffset is the offset of Capability Information within the body
// of the management frames that carry it at a fixed position.
func capabilityOffset(k Kind) (int, bool) {
	switch k {
	case Beacon, ProbeResp:
		return offBeaconCap, true
	case AssocReq, AssocResp, ReassocReq, ReassocResp:
		return 0, true
	}
	return 0, false
}

// Capability reads the Capability Information field of a beacon, probe
// response or (re)association request/response. ok is false for other or
// truncated frames.
func Capability(frame []byte) (CapabilityInfo, bool) {
	h, err := Parse(frame)
	if err != nil || h.FC.Protected() {
		return 0, false
	}
	off, ok := capabilityOffset(h.Kind())
	if !ok {
		return 0, false
	}
	off += h.HeaderLen
	if len(frame)-off < 2 {
		return 0, false
	}
	return CapabilityInfo(binary.LittleEndian.Uint16(frame[off:])), true
}

// ElementsOffset returns the offset, from the start of the frame, where the
// information elements of a management frame begin, i.e. after the header
// and the fixed fields of its subtype. ok is false for protected frames
// (the body is ciphertext) and for subtypes whose fixed part is variable or
// not element-based (Auth, Action, ATIM).
func (h *Header) ElementsOffset() (int, bool) {
	if !h.FC.IsMgmt() || h.FC.Protected() {
		return 0, false
	}
	var fixed int
	switch h.Kind() {
	case ProbeReq:
		fixed = 0
	case Disassoc, Deauth:
		fixed = 2 // reason code
	case AssocReq:
		fixed = 4 // capability, listen interval
	case AssocResp, ReassocResp:
		fixed = 6 // capability, status code, AID
	case ReassocReq:
		fixed = 10 // capability, listen interval, current AP address
	case TimingAdvertisement:
		fixed = 10 // timestamp, capability
	case Beacon, ProbeResp:
		fixed = beaconFixedLen
	default:
		return 0, false
	}
	return h.HeaderLen + fixed, true
}

// FrameElements returns the element bytes of a management frame (see
// Header.ElementsOffset), ready for Elements or FindElement. ok is false if
// the frame does not parse, has no element list, or ends inside the fixed
// fields.
func FrameElements(frame []byte) ([]byte, bool) {
	h, err := Parse(frame)
	if err != nil {
		return nil, false
	}
	off, ok := h.ElementsOffset()
	if !ok || off > len(frame) {
		return nil, false
	}
	return frame[off:], true
}

// SSID returns the SSID element of a beacon, probe request/response or
// (re)association request, as a sub-slice of frame (no copy). A wildcard
// probe or hidden SSID yields an empty, non-nil result with ok true.
func SSID(frame []byte) ([]byte, bool) {
	body, ok := FrameElements(frame)
	if !ok {
		return nil, false
	}
	return FindElement(body, ElemSSID)
}

// ElementID identifies an information element.
type ElementID uint8

// A few element IDs (IEEE 802.11-2020, Table 9-92).
const (
	ElemSSID           ElementID = 0
	ElemSupportedRates ElementID = 1
	ElemDSParams       ElementID = 3 // current channel
	ElemTIM            ElementID = 5
	ElemIBSSParams     ElementID = 6
	ElemCountry        ElementID = 7
	ElemChallengeText  ElementID = 16
	ElemHTCapabilities ElementID = 45
	ElemRSN            ElementID = 48
	ElemExtRates       ElementID = 50
	ElemHTOperation    ElementID = 61
	ElemMeshConfig     ElementID = 113
	ElemMeshID         ElementID = 114
	ElemVendor         ElementID = 221
	// ElemExtension elements carry their real ID (Element ID Extension) in
	// the first data byte.
	ElemExtension ElementID = 255
)

// ElementIter walks an element list (ID, length, data...) without
// allocating. Use NewElementIter, then call Next until it returns false,
// then Err to learn whether the list was cut short.
type ElementIter struct {
	rest      []byte
	truncated bool
	need, got int
}

// NewElementIter returns an iterator over the elements in body.
func NewElementIter(body []byte) ElementIter { return ElementIter{rest: body} }

// Next returns the next element. data aliases the input; its capacity is
// clipped to its length so appending to it cannot overwrite the frame. At
// the end of the list, or at an element whose length runs past the end of
// the input, Next returns ok false and stays exhausted.
func (it *ElementIter) Next() (id ElementID, data []byte, ok bool) {
	r := it.rest
	if len(r) == 0 || it.truncated {
		return 0, nil, false
	}
	if len(r) < 2 {
		it.stop(2, len(r))
		return 0, nil, false
	}
	n := 2 + int(r[1])
	if len(r) < n {
		it.stop(n, len(r))
		return 0, nil, false
	}
	it.rest = r[n:]
	return ElementID(r[0]), r[2:n:n], true
}

func (it *ElementIter) stop(need, got int) {
	it.truncated, it.need, it.got = true, need, got
}

// Err returns a *TooShortError if iteration stopped because the last
// element was truncated, and nil otherwise. Real frames are sometimes cut
// (e.g. by a short capture), so truncation is reported, not fatal.
func (it *ElementIter) Err() error {
	if !it.truncated {
		return nil
	}
	return &TooShortError{What: "element", Need: it.need, Got: it.got}
}

// Remaining returns the bytes not yet returned as elements. After
// iteration ends it is empty for a well-formed list and holds the truncated
// tail otherwise, so a caller can log or forward it.
func (it *ElementIter) Remaining() []byte { return it.rest }

// Elements returns a range-over-func iterator of (id, data) pairs over an
// element list. It stops silently at a truncated element; use ElementIter
// if the caller needs to know.
func Elements(body []byte) iter.Seq2[ElementID, []byte] {
	return func(yield func(ElementID, []byte) bool) {
		it := NewElementIter(body)
		for {
			id, data, ok := it.Next()
			if !ok || !yield(id, data) {
				return
			}
		}
	}
}

// FindElement returns the data of the first element with the given ID.
func FindElement(body []byte, id ElementID) ([]byte, bool) {
	it := NewElementIter(body)
	for {
		eid, data, ok := it.Next()
		if !ok {
			return nil, false
		}
		if eid == id {
			return data, true
		}
	}
}
