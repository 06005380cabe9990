// Package air federates media over NATS: the media of several machines
// (or network namespaces) become members of one shared air, in which
// every member's radios hear every other's through the same link model,
// denylist and blocks.
//
// A member publishes the frames its radios send, says which radios it
// serves in a heartbeat, and answers for the frames addressed to them; the
// air-wide state (denylist, blocks, live model changes) lives in a
// JetStream key-value bucket, so a member that joins late finds it there.
// The subjects below are per member, so a server can let each member
// publish only as itself (docs/federation.md).
package air

import (
	"fmt"
	"regexp"
)

// Prefix starts every subject of every air.
const Prefix = "hwsim"

// namePattern is what air and member names may be: NATS subject tokens and
// key-value bucket names accept these characters, and they read well in
// logs.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// CheckName reports whether name can name an air or a member, and if not,
// why.
func CheckName(what, name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("%s name %q: use 1 to 64 letters, digits, '-' or '_'", what, name)
	}
	return nil
}

// FrameSubject is where member publishes the frames its radios transmit in
// air.
func FrameSubject(air, member string) string { return Prefix + "." + air + ".frame." + member }

// AckSubject is where member from answers member to whether the addressee
// of one of to's frames received it.
func AckSubject(air, to, from string) string {
	return Prefix + "." + air + ".ack." + to + "." + from
}

// HelloSubject is where member says, every HelloInterval, which radios it
// serves (and that it leaves, at a clean stop).
func HelloSubject(air, member string) string { return Prefix + "." + air + ".hello." + member }

// Bucket is the name of the JetStream key-value bucket that holds air's
// shared state.
func Bucket(air string) string { return "hwsim_" + air }
