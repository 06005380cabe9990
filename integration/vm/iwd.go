package main

import "os"

// iwdBinaries are iwd (Debian package iwd, a station daemon that is not
// in PATH) and the D-Bus daemon it needs: iwd will not start without a
// system bus. They go into the overlay with their libraries when the host
// has them (integration/vm/setup.sh installs both); the iwd tests skip
// when they are missing. About 1 MB for iwd and libell, 3 MB for
// dbus-daemon and its libraries.
var iwdBinaries = []string{"/usr/libexec/iwd", "/usr/bin/iwctl", "/usr/bin/dbus-daemon"}

// addIwd puts iwd, iwctl and dbus-daemon with their shared libraries into
// the overlay.
func addIwd(ov *overlay) error {
	for _, bin := range iwdBinaries {
		if _, err := os.Stat(bin); err != nil {
			logf("no %s on the host (apt-get install iwd dbus): the iwd tests will skip", bin)
			continue
		}
		libs, err := ldd(bin)
		if err != nil {
			return err
		}
		ov.hostFile[clean(canonicalTool(bin))] = bin
		for _, l := range libs {
			ov.hostFile[clean(canonical(l))] = l
		}
	}
	return nil
}
