package hwsim

import "errors"

// ErrNetnsGone reports a network namespace that disappeared while the
// medium looked at it (deleted, or its last process exited).
var ErrNetnsGone = errors.New("network namespace is gone")

// Netns is a network namespace in which the medium looks for radios: hwsim
// radios moved with `iw phy X set netns` keep sending to the medium of the
// namespace that created them, but netlink shows a radio, its wiphy and its
// interfaces only to sockets of the namespace it is in now.
type Netns struct {
	// Name names it for people: "" for the medium's own namespace, the
	// name `ip netns` knows it by (ns1), or "pid N" after a process in it.
	Name string
	// path opens it ("" for the medium's own).
	path string
	// id is the inode of its nsfs file: the same namespace reached by two
	// paths is listed once.
	id uint64
}

// Own reports whether n is the medium's own network namespace.
func (n Netns) Own() bool { return n.path == "" }

// String returns Name, or "this namespace" for the medium's own.
func (n Netns) String() string {
	if n.Own() {
		return "this namespace"
	}
	return n.Name
}
