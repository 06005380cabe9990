//go:build !linux

package medium

import "github.com/hwsim-medium/hwsim-medium/hwsim"

// SystemIfaces needs Linux (sysfs and interface ioctls).
func SystemIfaces() ([]Iface, error) { return nil, hwsim.ErrNeedsLinux }
