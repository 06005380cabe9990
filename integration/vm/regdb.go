package main

import "path/filepath"

// regdbFiles are the wireless regulatory database and its signature
// (Debian package wireless-regdb). Without them cfg80211 knows only its
// built-in world domain, where 5 GHz channels 36-48 are no-initiate-
// radiation: no AP can start there, and a country code (hostapd
// country_code=DE) changes nothing. cfg80211 loads them with the firmware
// loader, straight from /lib/firmware, when it initialises.
var regdbFiles = []string{"/lib/firmware/regulatory.db", "/lib/firmware/regulatory.db.p7s"}

// addRegdb puts the host's regulatory database into the overlay when the
// host has one (integration/vm/setup.sh installs it); the tests that need
// it say so when it is missing.
func addRegdb(ov *overlay) {
	for _, f := range regdbFiles {
		// The files are update-alternatives symlinks on Debian.
		real, err := filepath.EvalSymlinks(f)
		if err != nil {
			logf("no %s on the host (apt-get install wireless-regdb): 5 GHz APs cannot start in the VM", f)
			continue
		}
		// /lib is a symlink to usr/lib in the base archive.
		ov.hostFile["usr"+f] = real
	}
}
