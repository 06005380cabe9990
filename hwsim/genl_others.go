//go:build !linux

package hwsim

import (
	"fmt"
	"runtime"

	"github.com/mdlayher/genetlink"
)

// dialGenetlink fails with ErrNeedsLinux: the netlink library builds here
// but has no sockets to open, and its own error would not say why the
// medium cannot run.
func dialGenetlink() (*genetlink.Conn, error) {
	return nil, fmt.Errorf("%w (this is %s)", ErrNeedsLinux, runtime.GOOS)
}
