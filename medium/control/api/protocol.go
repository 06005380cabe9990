// Package api is hwsim-medium's control API as its clients see it: the
// wire protocol's messages (Request, Response), the arguments and results
// of its commands, the error codes, and Client, which speaks the protocol
// over the medium's control socket (Dial). docs/control-api.md describes
// the protocol.
//
// Package api imports nothing of the medium: not package medium, not its
// link model, not netlink. A client such as vwifi-tool links only this
// package. Package control, its parent, is the server: it imports the
// medium and converts the medium's and the model's types into the types
// defined here, which are the wire format.
package api

import (
	"bufio"
	"encoding/json"
	"errors"
	"time"
)

// Version is the version of hwsim-medium that the status command reports.
const Version = "0.1.0"

// ProtocolVersion is the version of the wire protocol: the "v" of every
// request and response. It changes only for incompatible changes.
const ProtocolVersion = 1

// DefaultPath is where the daemon listens unless told otherwise.
const DefaultPath = "/run/hwsim-medium.sock"

// Limits of the protocol.
const (
	// MaxRequestSize bounds a request line, newline included. A longer
	// line gets an error response and the connection is closed.
	MaxRequestSize = 64 << 10
	// MaxResponseSize bounds a response line the Client accepts.
	MaxResponseSize = 16 << 20
	// IdleTimeout is how long the server waits for the next request (or
	// the rest of one) before it closes the connection.
	IdleTimeout = 60 * time.Second
	// MaxConns bounds the connections served at once; more are answered
	// with an error and closed.
	MaxConns = 32
)

// Commands, the "cmd" of a request.
const (
	CmdStatus      = "status"       // no args; result Status
	CmdRadios      = "radios"       // args RadiosArgs (optional); result RadiosResult
	CmdDenyAdd     = "deny.add"     // args DenyArgs; result DenylistResult
	CmdDenyRemove  = "deny.remove"  // args DenyArgs; result DenylistResult
	CmdDenySet     = "deny.set"     // args DenyArgs; result DenylistResult
	CmdDenyList    = "deny.list"    // no args; result DenylistResult
	CmdDenyClear   = "deny.clear"   // no args; result DenylistResult
	CmdLinkBlock   = "link.block"   // args LinkArgs; result LinkResult
	CmdLinkUnblock = "link.unblock" // args LinkArgs; result LinkResult

	// Link-model commands; they fail when no model is loaded.
	CmdRadioMove     = "radio.move"     // args MoveArgs; result MoveArgs
	CmdRadioTxPower  = "radio.txpower"  // args TxPowerArgs; result TxPowerArgs
	CmdRadioMobility = "radio.mobility" // args MobilityArgs; result MobilityArgs
	CmdLinkSet       = "link.set"       // args LinkSetArgs; result LinkSetArgs
	CmdLinkClear     = "link.clear"     // args LinkArgs; result LinkArgs
	CmdModelGet      = "model.get"      // no args; result ModelConfig

	// CmdCapture starts a live capture: its response is followed by a
	// pcapng stream on the same connection (see Client.Capture).
	CmdCapture = "capture" // args CaptureArgs; result CaptureResult, then pcapng
)

// Request is one request line.
type Request struct {
	// V is the protocol version; it must be ProtocolVersion.
	V int `json:"v"`
	// Cmd is one of the Cmd constants.
	Cmd string `json:"cmd"`
	// Args are the command's arguments; commands without arguments take
	// none, null or {}.
	Args json.RawMessage `json:"args,omitempty"`
}

// Response is one response line: OK with a Result, or an Error.
type Response struct {
	// V is the protocol version of the server.
	V int `json:"v"`
	// OK says whether the command was carried out.
	OK bool `json:"ok"`
	// Result is the command's result when OK.
	Result json.RawMessage `json:"result,omitempty"`
	// Error says what went wrong when not OK, for people to read.
	Error string `json:"error,omitempty"`
	// Code says what went wrong when not OK, for programs: one of the
	// Code constants.
	Code Code `json:"code,omitempty"`
}

// Code is the machine-readable reason of an error response. A client
// decides on it, never on the wording of the error message. A client
// must treat a code it does not know like CodeInternal: a newer medium
// may add codes.
type Code string

// The error codes.
const (
	// CodeBadRequest: the line is not a request: empty, not a JSON
	// object, an unknown field, text after the object, no "v" or no
	// "cmd", or longer than MaxRequestSize.
	CodeBadRequest Code = "bad_request"
	// CodeUnsupportedVersion: the request's "v" is not ProtocolVersion.
	CodeUnsupportedVersion Code = "unsupported_version"
	// CodeUnknownCommand: the medium has no such command (it may be
	// older than the client).
	CodeUnknownCommand Code = "unknown_command"
	// CodeBadArgs: the command's arguments are wrong: not decodable, an
	// unknown or missing field, a value out of range, or values the link
	// model refuses (a link from a radio to itself).
	CodeBadArgs Code = "bad_args"
	// CodeUnknownRadio: a radio name (or address) belongs to no radio.
	CodeUnknownRadio Code = "unknown_radio"
	// CodeNoModel: a link-model command, and the medium runs without a
	// link model.
	CodeNoModel Code = "no_model"
	// CodePermissionDenied: the peer may not use the socket (not root);
	// the connection is closed.
	CodePermissionDenied Code = "permission_denied"
	// CodeBusy: the medium serves MaxConns connections already; the
	// connection is closed. Try again later.
	CodeBusy Code = "busy"
	// CodeUnavailable: the medium was started without what the command
	// needs (capture, from a medium served without a capture hub).
	CodeUnavailable Code = "unavailable"
	// CodeInternal: the medium failed to carry out a valid request.
	CodeInternal Code = "internal"
)

// Status is the result of the status command.
type Status struct {
	// Version is the medium's Version.
	Version string `json:"version"`
	// Protocol is the highest protocol version the medium speaks.
	Protocol int `json:"protocol"`
	// Uptime is how long the medium has run, in seconds.
	Uptime float64 `json:"uptime"`
	// Radios counts the radios the medium knows.
	Radios int `json:"radios"`
	// Stats are the medium-wide frame counters.
	Stats Stats `json:"stats"`
	// Capture counts the captures (absent from a medium that cannot
	// capture).
	Capture *CaptureStats `json:"capture,omitempty"`
	// Process describes the medium's process; absent from a medium that
	// does not report it.
	Process *ProcessStats `json:"process,omitempty"`
}

// ProcessStats describe the medium's process, to watch a long run for
// leaks.
type ProcessStats struct {
	// Goroutines is the number of goroutines.
	Goroutines int `json:"goroutines"`
	// HeapBytes is the memory of heap objects, live or not yet swept.
	HeapBytes uint64 `json:"heap_bytes"`
	// FDs is the number of open file descriptors (0 where unknown).
	FDs int `json:"fds"`
}

// UptimeDuration returns Uptime as a time.Duration.
func (s Status) UptimeDuration() time.Duration {
	return time.Duration(s.Uptime * float64(time.Second))
}

// Bounds of one radios response, so that it stays well under
// MaxResponseSize with any number of radios.
const (
	// MaxRadiosPage is the most radios one radios response lists, and
	// what it lists without a limit.
	MaxRadiosPage = 64
	// MaxLinksPage is the most link counters one radios response holds
	// (about 1 MiB of JSON).
	MaxLinksPage = 16384
)

// RadiosArgs are the optional arguments of radios: one page of radios.
type RadiosArgs struct {
	// From is the ID of the first radio to list (0: from the first);
	// the previous page's RadiosResult.Next.
	From int `json:"from,omitempty"`
	// Limit is the most radios to list, at most (and by default)
	// MaxRadiosPage.
	Limit int `json:"limit,omitempty"`
}

// RadiosResult is the result of the radios command: one page of radios.
type RadiosResult struct {
	// Radios are the known radios, ordered by ID.
	Radios []RadioInfo `json:"radios"`
	// Next is the From of the next page; 0 (absent) after the last.
	Next int `json:"next,omitempty"`
}

// DenyArgs are the arguments of deny.add, deny.remove and deny.set.
type DenyArgs struct {
	// Rules are the {dst, src} pairs: dst does not receive frames that
	// src originated. deny.add and deny.remove need at least one.
	Rules []DenyRule `json:"rules"`
}

// DenylistResult is the whole denylist after a deny command.
type DenylistResult struct {
	// Rules are the rules, sorted by dst then src.
	Rules []DenyRule `json:"rules"`
}

// LinkArgs are the arguments of link.block and link.unblock.
type LinkArgs struct {
	// TX is the transmitting radio, RX the receiving one.
	TX string `json:"tx"`
	RX string `json:"rx"`
	// Both also (un)blocks the reverse direction.
	Both bool `json:"both,omitempty"`
}

// LinkResult echoes a link command once carried out.
type LinkResult struct {
	// TX, RX and Both are the command's arguments.
	TX   string `json:"tx"`
	RX   string `json:"rx"`
	Both bool   `json:"both"`
	// Blocked is the link's new state.
	Blocked bool `json:"blocked"`
}

// MoveArgs are the arguments of radio.move, which the result echoes.
type MoveArgs struct {
	// Radio is the radio to place; a name the model does not know yet
	// adds a radio by that name, placed before it exists.
	Radio string `json:"radio"`
	// X, Y, Z is the position in metres.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

// TxPowerArgs are the arguments of radio.txpower, which the result echoes.
type TxPowerArgs struct {
	// Radio is the radio whose power changes.
	Radio string `json:"radio"`
	// DBm is the transmit power in dBm.
	DBm float64 `json:"dbm"`
}

// MobilityArgs are the arguments of radio.mobility, which the result
// echoes: exactly one of Velocity and Stop.
type MobilityArgs struct {
	// Radio is the radio whose motion changes.
	Radio string `json:"radio"`
	// Velocity is the constant velocity [vx, vy, vz] in m/s ([vx, vy]
	// means vz = 0); the radio moves from where it is now.
	Velocity []float64 `json:"velocity,omitempty"`
	// Stop halts the radio where it is now.
	Stop bool `json:"stop,omitempty"`
}

// LinkSetArgs are the arguments of link.set, which the result echoes. The
// overrides given replace those of the same kind; the others stay.
type LinkSetArgs struct {
	// TX is the transmitting radio, RX the receiving one.
	TX string `json:"tx"`
	RX string `json:"rx"`
	// Both also sets the reverse direction.
	Both bool `json:"both,omitempty"`
	// SNR fixes the link's SNR in dB, replacing propagation.
	SNR *float64 `json:"snr,omitempty"`
	// Loss fixes the probability in [0, 1] that one try is lost.
	Loss *float64 `json:"loss,omitempty"`
}

// ErrLineTooLong is what ReadLine returns for a line over its limit.
var ErrLineTooLong = errors.New("line too long")

// ReadLine reads one newline-terminated line of at most max bytes,
// newline included, and returns it without the newline: the framing of
// requests and responses. A longer line is ErrLineTooLong; a line the
// stream ends in the middle of is the reader's error (io.EOF...).
func ReadLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > max {
			return nil, ErrLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}
