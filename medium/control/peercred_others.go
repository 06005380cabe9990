//go:build !linux

package control

import (
	"errors"
	"net"
	"runtime"
)

// errNoPeerCred: only Linux tells a unix socket who is at the other end
// (SO_PEERCRED), and the server refuses whom it cannot identify.
var errNoPeerCred = errors.New("peer credentials of a unix socket are available on Linux only (this is " + runtime.GOOS + ")")

// peerUID fails: see errNoPeerCred.
func peerUID(net.Conn) (uint32, error) { return 0, errNoPeerCred }
