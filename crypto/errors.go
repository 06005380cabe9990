package crypto

import (
	"errors"
	"strconv"
)

// Sentinel errors. Errors returned by this package wrap one of them, so
// callers match with errors.Is and never with the message text.
var (
	// ErrNoKey means no key is known for the frame: the 4-way handshake of
	// the station was not seen, no group key with the frame's key ID was
	// delivered, or the configured keys match none of the handshakes.
	ErrNoKey = errors.New("crypto: no key for this frame")
	// ErrMIC means a key was found but the message integrity code did not
	// verify: the frame is corrupt or was sent with another key.
	ErrMIC = errors.New("crypto: MIC check failed")
	// ErrReplay means the frame's packet number (or an EAPOL-Key replay
	// counter) is not newer than one already accepted with the same key.
	ErrReplay = errors.New("crypto: replayed frame")
	// ErrUnsupported means the frame or handshake uses something this
	// package does not decrypt: WEP, TKIP, GCMP, CCMP-256, WPA1 key
	// descriptors, FT or another AKM than 1, 2, 5, 6 and 8.
	ErrUnsupported = errors.New("crypto: unsupported cipher or key management")
	// ErrMalformed means the frame or EAPOL-Key message is truncated or
	// inconsistent, so it cannot be decrypted or parsed.
	ErrMalformed = errors.New("crypto: malformed frame")
	// ErrNoPMK means a station's message 2 (or 3) of the 4-way handshake
	// verified with none of the configured keys: the passphrase, SSID or
	// PMK given for that network is wrong, or missing.
	ErrNoPMK = errors.New("crypto: no configured key matches the handshake")
	// ErrKeyWrap means AES key unwrap (RFC 3394) of EAPOL-Key key data
	// failed its integrity check.
	ErrKeyWrap = errors.New("crypto: key data integrity check failed")
)

// Errors about user-given key strings, wrapped in a *KeyError.
var (
	// ErrKeySyntax means the key string is not of the form
	// "SSID:passphrase", "SSID:pmk=HEX" or "pmk=HEX", or the SSID has a bad
	// %-escape.
	ErrKeySyntax = errors.New("crypto: bad key syntax")
	// ErrSSID means the SSID is empty or longer than 32 bytes.
	ErrSSID = errors.New("crypto: bad SSID")
	// ErrPassphrase means the passphrase is not 8 to 63 printable ASCII
	// characters.
	ErrPassphrase = errors.New("crypto: bad passphrase")
	// ErrPMK means the PMK is not 64 hexadecimal digits.
	ErrPMK = errors.New("crypto: bad PMK")
)

// KeyError reports a key string that cannot be used. It never contains the
// passphrase or the PMK, so it can be logged. errors.Is matches it against
// Err.
type KeyError struct {
	SSID   string // the SSID part as written, empty for a bare "pmk=..." key
	Err    error  // ErrKeySyntax, ErrSSID, ErrPassphrase or ErrPMK
	Detail string // what is wrong and how to fix it
}

// Error implements error.
func (e *KeyError) Error() string {
	if e.SSID == "" {
		return "crypto: key: " + e.Detail
	}
	return "crypto: key for SSID " + strconv.Quote(e.SSID) + ": " + e.Detail
}

// Unwrap returns the sentinel, for errors.Is.
func (e *KeyError) Unwrap() error { return e.Err }

// isUnsupported reports whether err wraps ErrUnsupported.
func isUnsupported(err error) bool { return errors.Is(err, ErrUnsupported) }
