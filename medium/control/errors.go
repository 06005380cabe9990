package control

import (
	"errors"
	"fmt"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// The errors a request can fail with, by kind. The server wraps them into
// the errors it answers with, and codeOf maps them to the error codes; the
// sentinels' texts are part of the messages.
var (
	errBadRequest         = errors.New("bad request")
	errUnsupportedVersion = errors.New("unsupported protocol version")
	errUnknownCommand     = errors.New("unknown command")
	errBadArgs            = errors.New("bad args")
	errNoModel            = errors.New("no link model is loaded: start hwsim-medium with -c FILE (see docs/models.md)")
)

// codeOf returns the error code for err, an error a command or the
// request's decoding failed with. An unknown radio wins over the other
// kinds: it is the most precise. Errors of no known kind are internal.
func codeOf(err error) api.Code {
	switch {
	case errors.Is(err, medium.ErrUnknownRadio):
		return api.CodeUnknownRadio
	case errors.Is(err, errNoModel):
		return api.CodeNoModel
	case errors.Is(err, errNoCapture):
		return api.CodeUnavailable
	case errors.Is(err, errBadArgs):
		return api.CodeBadArgs
	case errors.Is(err, errUnknownCommand):
		return api.CodeUnknownCommand
	case errors.Is(err, errUnsupportedVersion):
		return api.CodeUnsupportedVersion
	case errors.Is(err, errBadRequest):
		return api.CodeBadRequest
	}
	return api.CodeInternal
}

// badArgs returns the error of cmd for arguments that are wrong:
// "cmd: bad args: what".
func badArgs(cmd, format string, a ...any) error {
	return fmt.Errorf("%s: %w: %s", cmd, errBadArgs, fmt.Sprintf(format, a...))
}

// badRequest returns the error for a line that is not a request:
// "bad request: what".
func badRequest(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, a...))
}

// kind is an error that also matches another error, its kind, with
// errors.Is, without changing the message.
type kind struct {
	err  error
	kind error
}

// Error returns the wrapped error's message.
func (k *kind) Error() string { return k.err.Error() }

// Unwrap returns the error and its kind.
func (k *kind) Unwrap() []error { return []error{k.err, k.kind} }

// ofKind returns err, also matching kind with errors.Is.
func ofKind(err, kindErr error) error { return &kind{err: err, kind: kindErr} }
