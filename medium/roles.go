package medium

import "github.com/hwsim-medium/hwsim-medium/mac"

// Role is what a radio was last seen doing on the air, learned from the
// frames it sends: the medium never asks the kernel, so a radio that has
// sent nothing telling is RoleUnknown, and a radio keeps its last role
// until its frames say otherwise.
type Role uint8

// The roles.
const (
	// RoleUnknown: no beacon or station data frame seen yet.
	RoleUnknown Role = iota
	// RoleAP: it sends beacons with the ESS bit.
	RoleAP
	// RoleStation: it sends data frames to a BSS (ToDS).
	RoleStation
	// RoleIBSS: it sends beacons with the IBSS bit (ad hoc).
	RoleIBSS
	// RoleMesh: it sends beacons with neither bit (802.11s mesh).
	RoleMesh
)

// String returns the role as users read it: "ap", "station", "ibss",
// "mesh" or "" when unknown.
func (r Role) String() string {
	switch r {
	case RoleAP:
		return "ap"
	case RoleStation:
		return "station"
	case RoleIBSS:
		return "ibss"
	case RoleMesh:
		return "mesh"
	}
	return ""
}

// learnRoleLocked notes what tx is doing from a frame it sends, h parsed
// from frame. Only beacons (a few a second) and data frames to an AP are
// looked at, so the per-frame cost is a test of the frame control and,
// for a station's data, two stores.
func learnRoleLocked(tx *radio, h *mac.Header, frame []byte) {
	fc := h.FC
	switch {
	case fc.IsData():
		if fc.ToDS() && !fc.FromDS() {
			tx.role, tx.bssid = RoleStation, h.Addr1
		}
	case h.IsBeacon():
		capab, ok := mac.Capability(frame)
		if !ok {
			return
		}
		switch {
		case capab.ESS():
			tx.role = RoleAP
		case capab.IBSS():
			tx.role = RoleIBSS
		default:
			tx.role = RoleMesh
		}
		tx.bssid = h.Addr3
	}
}
