// Package capture writes what the medium carries as pcapng files that
// Wireshark and tshark read: one record per transmission, an 802.11 frame
// behind a radiotap header (TSF, flags, legacy rate or HT MCS / VHT
// fields, channel, signal, TX flags, data retries), and in the record's
// comments what the medium decided for every receiver (delivered at what
// signal and rate, refused by the addressee's kernel, lost after how many
// tries, collided, out of range, blocked, denied). With keys it writes
// decrypted captures of WPA2/WPA3-Personal networks (package crypto), and
// DecryptFile does the same offline to a capture made elsewhere.
// docs/capture.md describes the format.
//
// The package knows nothing of the medium itself: the medium's tap
// (package medium/tap) turns its transmissions into Records, so that
// clients such as vwifi-tool can decrypt captures without linking the
// medium.
package capture
