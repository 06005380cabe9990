package main

import "path/filepath"

// opensslLegacyGlob finds OpenSSL 3's legacy provider module
// (libssl3 on Debian: /usr/lib/<triplet>/ossl-modules/legacy.so).
// hostapd's and wpa_supplicant's MSCHAPv2 (EAP-PEAP/MSCHAPv2, the usual
// WPA2-Enterprise method) hash the password with MD4, which OpenSSL 3
// only has in that provider; they load it by name at run time (dlopen),
// so ldd never lists it and the base archive does not carry it.
const opensslLegacyGlob = "/usr/lib/*/ossl-modules/legacy.so"

// addOpenSSLModules puts the host's legacy provider into the overlay at
// the path libcrypto looks for it.
func addOpenSSLModules(ov *overlay) {
	m, _ := filepath.Glob(opensslLegacyGlob)
	if len(m) == 0 {
		logf("no %s on the host (libssl3): MSCHAPv2 (EAP-PEAP) cannot work in the VM", opensslLegacyGlob)
		return
	}
	for _, f := range m {
		ov.hostFile[f[1:]] = f
	}
}
