// Package crypto decrypts the WPA2/WPA3 traffic that passes through the
// medium, for decrypted captures. It follows every station's EAPOL 4-way
// and group key handshakes, derives the keys from the PMKs it is given, and
// removes CCMP from data frames, the way hostap's wlantest does.
//
// Use: parse the user's keys with ParseKey ("SSID:passphrase",
// "SSID:pmk=HEX" or "pmk=HEX"), make a Decryptor with NewDecryptor, and
// pass it every frame in order with Decryptor.Frame. A Decryptor is meant
// for one goroutine; it is not safe for concurrent use.
//
// What it decrypts:
//
//   - CCMP-128 (AES-CCM with an 8-byte MIC) data frames, unicast with the
//     pair's PTK and group-addressed with the transmitter's GTK by key ID;
//     the MIC is always checked, and packet numbers are checked per key and
//     per TID against replays.
//   - Unicast robust management frames protected with CCMP (management
//     frame protection, 802.11w: deauthentication, disassociation, action
//     frames): they use the PTK the same way. Group-addressed robust
//     management frames are integrity-protected with BIP, not encrypted;
//     they are not Protected frames and pass through unchanged, unverified.
//   - WPA2-Personal (AKM 2, and PSK-SHA256, AKM 6) from a passphrase and
//     SSID, or from the PMK.
//   - WPA3-Personal (SAE, AKM 8) only with the PMK given: a passive
//     observer cannot derive it from the password.
//   - WPA2/WPA3-Enterprise (802.1X, AKMs 1 and 5) only with each station's
//     PMK given (one pmk= key per station); it cannot be derived from the
//     EAP exchange.
//
// What it does not decrypt: WEP, TKIP, GCMP-128/256, CCMP-256, WPA1 (key
// descriptor 254), FT (802.11r) and the other AKMs (OWE, FILS, Suite B,
// SAE-EXT-KEY, ...), 802.11s mesh (keys come from AMPE, not EAPOL), SPP
// A-MSDUs, and multi-link (MLO) frames whose keys are bound to MLD
// addresses. Frames of a station whose 4-way handshake was not seen stay
// encrypted (StatusNoKey): start capturing before the stations connect.
//
// Every configured PMK is tried on every handshake and the MIC of message
// 2 (or 3) picks the right one, so keys need not be assigned to networks.
// Frame never panics and never modifies its input: a frame it cannot
// decrypt comes back unchanged, with a Status and an error wrapping one of
// the package's sentinel errors.
package crypto
