//go:build !linux

package hwsim

import (
	"context"
	"fmt"
	"runtime"
)

// This file stands in for framesock_linux.go (and deafness_linux.go) on
// other systems: the frame socket is a raw AF_NETLINK socket, which only
// Linux has. The API is the same everywhere, so programs that use it build
// on any system and fail at run time with ErrNeedsLinux.

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

// Deliver implements Conn; nothing is sent.
func (*FrameSocket) Deliver(*Delivery) Ticket { return 0 }

// Sync implements Conn; nothing is sent.
func (*FrameSocket) Sync() {}

// Delivered implements Conn: nothing was delivered.
func (*FrameSocket) Delivered(Ticket) bool { return false }

// Status implements Conn; nothing is sent.
func (*FrameSocket) Status(*TxStatus) {}

// Flush implements Conn; it fails with ErrNeedsLinux.
func (*FrameSocket) Flush() error { return ErrNeedsLinux }

// Stats returns zero counters.
func (*FrameSocket) Stats() SocketStats { return SocketStats{} }

// Close does nothing: there is no socket.
func (*FrameSocket) Close() error { return nil }

var _ Conn = (*FrameSocket)(nil)
