// Package mac parses the parts of IEEE 802.11 frames that a wireless medium
// needs to route them: frame control, addresses, distribution-system bits and
// the original source and final destination of data frames.
//
// Input frames are as mac80211 hands them to mac80211_hwsim: no radiotap
// header and no FCS. Parse and the helpers never allocate on success and
// never panic; they read only what the caller passes, return sub-slices
// rather than copies, and report truncation with typed errors.
//
// Known limitations: protocol version 1 (S1G short frames) and reserved
// subtypes are rejected as unsupported; DMG control frame extensions are
// decoded as receiver-address-only; the bodies of protected frames
// (including an 802.11s Mesh Control field) are opaque; and the per-MSDU
// addresses of A-MSDU subframes are not decoded.
package mac

import (
	"fmt"
	"net"
)

// Addr is a 48-bit IEEE MAC address. It is a value type so it can key maps
// without allocation on the per-frame path.
type Addr [6]byte

// Broadcast is the all-ones address.
var Broadcast = Addr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// ParseAddr parses "00:11:22:33:44:55" (or any form net.ParseMAC accepts for
// a 48-bit address).
func ParseAddr(s string) (Addr, error) {
	hw, err := net.ParseMAC(s)
	if err != nil {
		return Addr{}, fmt.Errorf("parse MAC address %q: %w", s, err)
	}
	if len(hw) != 6 {
		return Addr{}, fmt.Errorf("parse MAC address %q: not a 48-bit address", s)
	}
	return Addr(hw), nil
}

// IsGroup reports whether a is a group (multicast or broadcast) address.
func (a Addr) IsGroup() bool { return a[0]&0x01 != 0 }

// IsZero reports whether a is 00:00:00:00:00:00.
func (a Addr) IsZero() bool { return a == Addr{} }

// String formats a as lower-case colon-separated hex.
func (a Addr) String() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, v := range a {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[v>>4], hex[v&0x0f])
	}
	return string(b)
}

// MarshalText implements encoding.TextMarshaler so addresses read well in
// JSON and logs.
func (a Addr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Addr) UnmarshalText(b []byte) error {
	v, err := ParseAddr(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
