package hwsim

import "github.com/mdlayher/genetlink"

// dialGenetlink opens a generic-netlink socket in the calling thread's
// network namespace. genl_others.go stands in for it elsewhere.
func dialGenetlink() (*genetlink.Conn, error) { return genetlink.Dial(nil) }
