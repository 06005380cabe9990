package crypto

import (
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Status says what Decryptor.Frame did with a frame.
type Status uint8

// Frame outcomes. Only StatusDecrypted returns a new frame; every other
// status returns the input unchanged.
const (
	// StatusNotProtected: the Protected bit is clear; nothing to decrypt.
	StatusNotProtected Status = iota
	// StatusDecrypted: CCMP decrypted and MIC verified; the returned frame
	// has the Protected bit clear and no CCMP header or MIC.
	StatusDecrypted
	// StatusNoKey: no key is known for the frame (ErrNoKey).
	StatusNoKey
	// StatusMICFailure: every candidate key failed the MIC check (ErrMIC).
	StatusMICFailure
	// StatusReplay: the MIC verified but the packet number is not newer
	// than one already accepted for that key and TID (ErrReplay).
	StatusReplay
	// StatusUnsupported: WEP, TKIP, GCMP, CCMP-256, or an unsupported
	// AKM for this station (ErrUnsupported).
	StatusUnsupported
	// StatusMalformed: the frame is too short or not a frame that can be
	// protected (ErrMalformed).
	StatusMalformed
)

// String returns a short lower-case name, e.g. "decrypted", "no-key".
func (s Status) String() string {
	switch s {
	case StatusNotProtected:
		return "not-protected"
	case StatusDecrypted:
		return "decrypted"
	case StatusNoKey:
		return "no-key"
	case StatusMICFailure:
		return "mic-failure"
	case StatusReplay:
		return "replay"
	case StatusUnsupported:
		return "unsupported"
	case StatusMalformed:
		return "malformed"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Result describes what Decryptor.Frame did.
type Result struct {
	Status Status
	// Err explains a failure (any status but StatusNotProtected and
	// StatusDecrypted) and wraps the sentinel of that status.
	Err error
	// Event is non-nil when the frame (plain, or once decrypted) carried
	// an EAPOL-Key message; it says what the message did.
	Event *Event
}

// Decryptor follows the EAPOL handshakes of every station it sees and
// decrypts CCMP-protected frames with the keys they establish. Feed it
// every frame in the order the medium carries them, each transmission
// once: it must see a station's 4-way handshake before it can decrypt
// that station's frames, and a frame fed twice is a replay the second
// time.
//
// A Decryptor is not safe for concurrent use: call it from one goroutine
// (a capture writer's), or guard it with a mutex.
type Decryptor struct {
	keys     []Key
	pairs    map[pairID]*pair
	groups   map[groupRef]*temporalKey
	groupErr map[mac.Addr]error // authenticators whose group cipher is unsupported
}

// NewDecryptor returns a decryptor that tries each of keys on every
// handshake it sees. With no keys it still follows handshakes, reporting
// ErrNoPMK, and decrypts nothing.
func NewDecryptor(keys ...Key) *Decryptor {
	return &Decryptor{
		keys:     append([]Key(nil), keys...),
		pairs:    make(map[pairID]*pair),
		groups:   make(map[groupRef]*temporalKey),
		groupErr: make(map[mac.Addr]error),
	}
}

// Frame processes one 802.11 frame (no radiotap header, no FCS). A
// CCMP-protected data or robust management frame whose key is known comes
// back decrypted, as a new slice: the MAC header with the Protected bit
// cleared, followed by the plaintext body, 16 bytes shorter than frame
// (the CCMP header and MIC are removed). Any other frame comes back as the
// same slice, unchanged, with a Result saying why. Frame never modifies
// frame and never panics.
//
// Unprotected and decrypted data frames carrying EAPOL-Key messages update
// the handshake state; Result.Event reports what they did.
func (d *Decryptor) Frame(frame []byte) ([]byte, Result) {
	h, err := mac.Parse(frame)
	if err != nil {
		return frame, Result{Status: StatusMalformed, Err: fmt.Errorf("parse 802.11 header: %w: %w", ErrMalformed, err)}
	}
	if !h.FC.Protected() {
		return frame, Result{Status: StatusNotProtected, Event: d.eapol(&h, frame)}
	}
	out, res := d.decrypt(&h, frame)
	if res.Status == StatusDecrypted {
		h.FC &^= fcProtected
		res.Event = d.eapol(&h, out)
	}
	return out, res
}

// eapol hands the EAPOL PDU of an unprotected data frame to the
// handshake tracker.
func (d *Decryptor) eapol(h *mac.Header, frame []byte) *Event {
	if et, ok := h.EtherType(frame); !ok || et != mac.EtherTypeEAPOL {
		return nil
	}
	const llcLen = 8
	return d.handleEAPOL(h.Addr2, h.Addr1, h.Body(frame)[llcLen:])
}

// failure builds a Result for a frame that is returned unchanged.
func failure(s Status, err error) Result { return Result{Status: s, Err: err} }

// decrypt decrypts a frame with the Protected bit set.
func (d *Decryptor) decrypt(h *mac.Header, frame []byte) ([]byte, Result) {
	switch {
	case h.FC.IsData() && !h.FC.IsNullData():
	case h.FC.IsMgmt() && h.Kind() == mac.Auth:
		return frame, failure(StatusUnsupported, fmt.Errorf("protected Authentication frame from %v (WEP shared key): %w", h.Addr2, ErrUnsupported))
	case h.FC.IsMgmt():
	default:
		return frame, failure(StatusMalformed, fmt.Errorf("the Protected bit is set on a %v frame, which cannot be protected: %w", h.Kind(), ErrMalformed))
	}
	body := h.Body(frame)
	if len(body) < ccmpOverhead {
		return frame, failure(StatusMalformed, fmt.Errorf("protected %v frame from %v: body of %d bytes, CCMP needs at least %d: %w",
			h.Kind(), h.Addr2, len(body), ccmpOverhead, ErrMalformed))
	}
	if len(body)-ccmpOverhead > ccmMaxData {
		return frame, failure(StatusMalformed, fmt.Errorf("protected %v frame from %v: %d bytes of data, CCMP allows %d: %w",
			h.Kind(), h.Addr2, len(body)-ccmpOverhead, ccmMaxData, ErrMalformed))
	}
	hdr := parseCCMPHeader(body)
	if !hdr.extIV {
		return frame, failure(StatusUnsupported, fmt.Errorf("frame from %v without Ext IV: WEP: %w", h.Addr2, ErrUnsupported))
	}
	var buf [2 * maxTKs]candidate
	cands, err := d.keysFor(h, hdr.keyID, buf[:0])
	if err != nil {
		s := StatusNoKey
		if isUnsupported(err) {
			s = StatusUnsupported
		}
		return frame, failure(s, err)
	}
	out := make([]byte, len(frame)-ccmpOverhead)
	slot := replaySlot(h)
	for _, c := range cands {
		if !c.k.open(h, frame, hdr.pn, out) {
			continue
		}
		next := &c.k.next[c.dir][slot]
		if hdr.pn < *next {
			return frame, failure(StatusReplay, fmt.Errorf("frame %v -> %v key %d: PN %d, expected at least %d: %w",
				h.Addr2, h.Addr1, hdr.keyID, hdr.pn, *next, ErrReplay))
		}
		*next = hdr.pn + 1
		copy(out, frame[:h.HeaderLen])
		out[1] &^= fcProtected >> 8
		return out, Result{Status: StatusDecrypted}
	}
	return frame, failure(StatusMICFailure, fmt.Errorf("frame %v -> %v key %d PN %d: %d candidate keys: %w",
		h.Addr2, h.Addr1, hdr.keyID, hdr.pn, len(cands), ErrMIC))
}

// candidate is a key that may decrypt a frame, and the replay counters
// (direction) the frame is checked against.
type candidate struct {
	k   *temporalKey
	dir int
}

// keysFor appends to cands the keys that may decrypt a frame with key ID
// id: the GTK of the transmitter for group-addressed frames, else the
// pairwise keys of the transmitter and receiver (in either role, so IBSS
// pairs with two handshakes work), newest first.
func (d *Decryptor) keysFor(h *mac.Header, id uint8, cands []candidate) ([]candidate, error) {
	if h.Addr1.IsGroup() {
		if err := d.groupErr[h.Addr2]; err != nil {
			return nil, err
		}
		k := d.groups[groupRef{h.Addr2, id}]
		if k == nil {
			return nil, fmt.Errorf("group-addressed frame from %v with key ID %d: no GTK seen: %w", h.Addr2, id, ErrNoKey)
		}
		return append(cands, candidate{k, 0}), nil
	}
	var unsupported error
	for dir, pid := range [2]pairID{{h.Addr2, h.Addr1}, {h.Addr1, h.Addr2}} {
		p := d.pairs[pid]
		if p == nil {
			continue
		}
		if p.err != nil && unsupported == nil {
			unsupported = p.err
		}
		for _, k := range p.tks {
			if k.id == id && len(cands) < cap(cands) {
				cands = append(cands, candidate{k, dir})
			}
		}
	}
	switch {
	case len(cands) > 0:
		return cands, nil
	case unsupported != nil:
		return nil, unsupported
	}
	return nil, fmt.Errorf("frame %v -> %v with key ID %d: no pairwise key (4-way handshake not seen): %w", h.Addr2, h.Addr1, id, ErrNoKey)
}
