package mac

import (
	"errors"
	"fmt"
)

// Sentinel errors for errors.Is. The concrete errors returned are
// *TooShortError and *UnsupportedError, which carry the details.
var (
	// ErrTooShort means the input ended before a field the parser needed.
	ErrTooShort = errors.New("mac: frame too short")
	// ErrUnsupported means the frame uses a protocol version or a reserved
	// type/subtype whose layout is not known, so it cannot be decoded.
	ErrUnsupported = errors.New("mac: unsupported frame")
)

// TooShortError reports truncated input: which part was being read, how
// many bytes it needed and how many there were. Returning numbers rather
// than only a message lets callers (and tests) check exactly what was
// missing. errors.Is(err, ErrTooShort) matches it.
type TooShortError struct {
	Kind Kind   // frame kind; meaningful only when What is "header"
	What string // the part being read, e.g. "frame control", "header", "mesh control"
	Need int    // bytes required
	Got  int    // bytes available
}

// Error implements error.
func (e *TooShortError) Error() string {
	if e.What == "header" {
		return fmt.Sprintf("mac: %v header needs %d bytes, have %d", e.Kind, e.Need, e.Got)
	}
	return fmt.Sprintf("mac: %s needs %d bytes, have %d", e.What, e.Need, e.Got)
}

// Is makes errors.Is(err, ErrTooShort) true.
func (e *TooShortError) Is(target error) bool { return target == ErrTooShort }

// UnsupportedError reports a frame whose layout this package does not know.
// errors.Is(err, ErrUnsupported) matches it.
type UnsupportedError struct {
	FC     FrameControl // the frame control that was read; zero when the unsupported part is not the header (e.g. mesh control)
	Reason string       // why it is unsupported
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("mac: unsupported frame (frame control %#04x): %s", uint16(e.FC), e.Reason)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }
