//go:build !linux

package hwsim

import (
	"context"
	"errors"
	"fmt"
	"runtime"
)

// This file stands in for framesock_linux.go (and deafness_linux.go) on
// other systems: the frame socket is a raw AF_NETLINK socket, which only
// Linux has. The API is the same everywhere, so programs that use it build
// on any system and fail at run time with ErrNeedsLinux.
//
// ErrBusy and SocketStats repeat the Linux definitions, which live in
// framesock_linux.go; moving those two to a file without a build
// constraint would leave one definition of each.

// ErrBusy is returned by Register when another medium already serves the
// network namespace: the kernel allows one per namespace.
var ErrBusy = errors.New("another medium is already registered with mac80211_hwsim in this network namespace")

// SocketStats are counters of the frame socket.
type SocketStats struct {
	// Overruns counts ENOBUFS: the kernel dropped messages because the
	// receive buffer was full.
	Overruns uint64
	// Rejected counts deliveries or statuses the kernel refused (normally
	// deliveries to idle or off-channel radios).
	Rejected uint64
	// Malformed counts datagrams that did not decode and were skipped.
	Malformed uint64
	// Sends counts send system calls; Messages the messages they carried.
	Sends, Messages uint64
	// Skipped counts deliveries not sent because their receiver had just
	// rejected one on that channel.
	Skipped uint64
}

// FrameSocket is the netlink socket registered as the medium. Here it can
// never be opened.
type FrameSocket struct{}

// OpenFrameSocket fails with ErrNeedsLinux.
func OpenFrameSocket(uint16) (*FrameSocket, error) {
	return nil, fmt.Errorf("open hwsim frame socket: %w (this is %s)", ErrNeedsLinux, runtime.GOOS)
}

// Register fails with ErrNeedsLinux.
func (*FrameSocket) Register(context.Context) error { return ErrNeedsLinux }

// Receive implements Conn; it fails with ErrNeedsLinux.
func (*FrameSocket) Receive(context.Context, []Event) (int, error) { return 0, ErrNeedsLinux }

// Deliver implements Conn; it fails with ErrNeedsLinux.
func (*FrameSocket) Deliver(*Delivery) error { return ErrNeedsLinux }

// Status implements Conn; it fails with ErrNeedsLinux.
func (*FrameSocket) Status(*TxStatus) error { return ErrNeedsLinux }

// Flush implements Conn; it fails with ErrNeedsLinux.
func (*FrameSocket) Flush() error { return ErrNeedsLinux }

// Stats returns zero counters.
func (*FrameSocket) Stats() SocketStats { return SocketStats{} }

// Close does nothing: there is no socket.
func (*FrameSocket) Close() error { return nil }

var _ Conn = (*FrameSocket)(nil)
