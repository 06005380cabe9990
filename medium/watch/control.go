package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// serveControl carries out one control request from the page: the body
// is a request line of the control protocol ({"v":1,"cmd":...,"args":...},
// docs/control-api.md) and the answer its response, so that dragging a
// radio is radio.move exactly as vwifi-tool sends it. The HTTP status
// follows the response's code.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	if err := sameOriginJSON(r); err != nil {
		s.log.Warn("refused an http control request", "err", err, "remote", r.RemoteAddr)
		writeResponse(w, api.Response{V: api.ProtocolVersion, Code: api.CodePermissionDenied, Error: "permission denied: " + err.Error()})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, api.MaxRequestSize))
	if err != nil {
		msg := "bad request: reading the body: " + err.Error()
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			msg = fmt.Sprintf("bad request: request too long: a request holds at most %d bytes", api.MaxRequestSize)
		}
		writeResponse(w, api.Response{V: api.ProtocolVersion, Code: api.CodeBadRequest, Error: msg})
		return
	}
	access := control.FullAccess
	if s.cfg.ReadOnly {
		access = control.ReadOnly
	}
	writeResponse(w, s.cfg.Control.Exec(body, access))
}

// writeResponse writes a control response with the HTTP status of its
// code.
func writeResponse(w http.ResponseWriter, resp api.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus(resp))
	w.Write(append(b, '\n'))
}

// httpStatus maps a control response to an HTTP status; a code this
// server does not know is an internal error, as for api clients.
func httpStatus(resp api.Response) int {
	if resp.OK {
		return http.StatusOK
	}
	switch resp.Code {
	case api.CodeBadRequest, api.CodeBadArgs, api.CodeUnknownCommand, api.CodeUnsupportedVersion:
		return http.StatusBadRequest
	case api.CodeUnknownRadio:
		return http.StatusNotFound
	case api.CodeNoModel:
		return http.StatusConflict
	case api.CodePermissionDenied:
		return http.StatusForbidden
	case api.CodeBusy:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
