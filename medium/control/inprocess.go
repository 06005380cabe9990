package control

import (
	"log/slog"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// Access is what an in-process caller of Exec may do.
type Access uint8

const (
	// FullAccess runs every command, as for root on the socket.
	FullAccess Access = iota
	// ReadOnly runs only the commands that read state; a command that
	// changes the medium or its model is refused with
	// api.CodePermissionDenied before its arguments are looked at.
	ReadOnly
)

// Exec carries out one request line in-process, as the socket does for
// a root peer: the same command table, argument checks, model, log line
// and response, with error codes and messages word for word. It exists so
// that other front ends of the daemon (the web view of package
// medium/watch) change the air through the very operations vwifi-tool
// uses, never a copy of them. Authorising the caller is the caller's job;
// access only narrows what it may run.
//
// line is a request as on the socket, without the newline; Exec does not
// enforce api.MaxRequestSize, which bounds the socket's reads. Exec may be
// called concurrently, also while Serve runs.
func (s *Server) Exec(line []byte, access Access) api.Response {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	resp, str := s.handle(line, access, log.With("via", "in-process"))
	if str != nil {
		// A stream needs a connection to own; nothing was started.
		return errorResponse(api.CodeBadRequest, "capture streams over the control socket only (vwifi-tool capture)")
	}
	return resp
}
