package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// Medium is what the control API needs of the medium; *medium.Medium has
// it. Every method must be safe to call concurrently.
type Medium interface {
	// Status returns the medium-wide counters (status).
	Status() medium.Status
	// Radios returns every radio (the state file's list).
	Radios() []medium.RadioInfo
	// RadiosPage returns radios from ID from on: at most limit, with at
	// most maxLinks link counters in all, and the ID to go on from (0:
	// none left) (radios).
	RadiosPage(from medium.RadioID, limit, maxLinks int) ([]medium.RadioInfo, medium.RadioID)
	// Deny adds rules, all or none (deny.add).
	Deny(rules ...medium.DenyRule) error
	// SetDenylist replaces the denylist, or fails and changes nothing
	// (deny.set).
	SetDenylist(rules ...medium.DenyRule) error
	// Allow removes rules (deny.remove).
	Allow(rules ...medium.DenyRule)
	// ClearDenylist empties the denylist (deny.clear).
	ClearDenylist()
	// Denylist returns the rules, sorted (every deny command's result).
	Denylist() []medium.DenyRule
	// Block blocks or unblocks frames from tx to rx (link.block,
	// link.unblock).
	Block(tx, rx string, blocked bool) error
}

// errPermission is what a peer that is not root is told.
const errPermission = "permission denied: the control socket is for root; run with sudo"

const (
	// probeTimeout bounds the check whether a socket file is live.
	probeTimeout = time.Second
	// writeTimeout bounds writing one response.
	writeTimeout = 10 * time.Second
	// refuseTimeout bounds the wait for the request of a peer that
	// will be refused anyway.
	refuseTimeout = 2 * time.Second
)

// Listen creates the control socket at path with mode 0600. A socket file
// left behind by a medium that is gone is replaced; if a medium answers on
// it, Listen fails rather than steal its socket. A path that exists and is
// not a socket is never removed.
func Listen(path string) (net.Listener, error) {
	ln, err := net.Listen("unix", path)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) {
		if err := removeStale(path); err != nil {
			return nil, err
		}
		ln, err = net.Listen("unix", path)
	}
	if err != nil {
		return nil, fmt.Errorf("control: listen on %s: %w", path, err)
	}
	// The mode is set after bind so that it does not depend on the umask;
	// until then the peer credential check keeps others out.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control: restrict %s to its owner: %w", path, err)
	}
	return ln, nil
}

// removeStale removes the socket file at path if nothing answers on it.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // gone meanwhile: just listen again
		}
		return fmt.Errorf("control: inspect %s: %w", path, err)
	}
	if fi.Mode().Type() == fs.ModeSymlink {
		to, _ := os.Readlink(path)
		return fmt.Errorf("control: %s is a symbolic link (to %s), which the medium does not follow; remove it or choose another path", path, to)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("control: %s exists and is not a socket; remove it or choose another path", path)
	}
	c, err := net.DialTimeout("unix", path, probeTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("control: %s: another medium is running (it answers on its control socket)", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("control: %s is in use and its owner could not be probed: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("control: remove stale socket %s: %w", path, err)
	}
	return nil
}

// Server serves the control API of one medium.
type Server struct {
	// Medium is the medium to control.
	Medium Medium
	// Model is the medium's link model, for the commands that need one
	// (radio.*, link.set, link.clear and model.get); nil (no model
	// loaded) makes them fail with no_model and a message that says how
	// to load one.
	Model Model
	// Log receives the server's logs; nil discards them.
	Log *slog.Logger
	// AllowUID decides whether a peer with this user ID may use the
	// socket; nil allows root (uid 0) only.
	AllowUID func(uid uint32) bool
	// Idle is how long a connection may wait between requests; 0 means
	// api.IdleTimeout.
	Idle time.Duration
	// Capture runs the capture command's live captures; nil makes it
	// fail.
	Capture Capturer
	// Rescan, if set, is called when a request names a radio the medium
	// does not know (a radio made, or an interface created or renamed,
	// since the medium looked); if it returns nil the request is carried
	// out once more. Requests that fail on an unknown name change
	// nothing, so trying again is safe.
	Rescan func(ctx context.Context) error
}

// rescanTimeout bounds a Rescan.
const rescanTimeout = 10 * time.Second

// Serve serves the control API of m, which has no link model, on ln,
// refusing peers that are not root, until ctx ends; then it closes ln and
// every connection, removes the socket file, and returns nil. A Server
// serves a medium with a link model.
func Serve(ctx context.Context, ln net.Listener, m Medium, log *slog.Logger) error {
	return (&Server{Medium: m, Log: log}).Serve(ctx, ln)
}

// Serve serves connections from ln concurrently until ctx ends; then it
// closes ln and every connection, removes the socket file, and returns
// nil. It returns an error if accepting fails for good.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	path := ln.Addr().String()
	// connCtx also ends connections when Serve fails on its own.
	connCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	var wg sync.WaitGroup
	defer func() {
		stop()
		ln.Close()
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("removing the control socket failed", "path", path, "err", err)
		}
		cancel()
		wg.Wait()
		log.Info("control socket closed", "path", path)
	}()

	slots := make(chan struct{}, api.MaxConns)
	refusing := make(chan struct{}, maxRefusing)
	var refused refusals
	log.Info("control socket ready", "path", path)
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("control: accept on %s: listener closed", path)
			}
			// Out of descriptors and the like: wait and try again
			// rather than give up the socket.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			log.Warn("accepting a control connection failed", "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
				continue
			case <-ctx.Done():
				return nil
			}
		}
		delay = 0
		// Peers are checked, and the busy refused, before a goroutine is
		// spent on them: a flood of clients costs at most maxRefusing.
		code, msg, uid := s.admit(c)
		if code == "" {
			select {
			case slots <- struct{}{}:
			default:
				code, msg = api.CodeBusy, fmt.Sprintf("too many control connections (at most %d); try again later", api.MaxConns)
			}
		}
		if code != "" {
			refused.note(log, code, uid)
			select {
			case refusing <- struct{}{}:
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-refusing }()
					defer c.Close()
					refuse(c, code, msg)
				}()
			default:
				// Even the refusals are busy: answer at once, without
				// waiting for the request.
				c.SetWriteDeadline(time.Now().Add(refuseTimeout))
				c.Write(encodeResponse(errorResponse(code, msg)))
				c.Close()
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			defer c.Close()
			stopConn := context.AfterFunc(connCtx, func() { c.Close() })
			defer stopConn()
			s.serveConn(c, log.With("uid", uid))
		}()
	}
}

// maxRefusing bounds the connections being refused at once (each waits
// up to refuseTimeout for its request, so naive clients read the answer).
const maxRefusing = 4

// admit checks who is connecting. It returns the code and message to
// refuse the connection with, or "" to serve it, and the peer's uid.
func (s *Server) admit(c net.Conn) (api.Code, string, uint32) {
	uid, err := peerUID(c)
	if err != nil {
		return api.CodePermissionDenied, "permission denied: cannot tell who is connecting: " + err.Error(), 0
	}
	allow := s.AllowUID
	if allow == nil {
		allow = func(uid uint32) bool { return uid == 0 }
	}
	if !allow(uid) {
		return api.CodePermissionDenied, errPermission, uid
	}
	return "", "", uid
}

// refusals logs refused connections, at most once a second, with how
// many there were, so that a flood of clients does not flood the log.
type refusals struct {
	last  time.Time
	count int
}

func (r *refusals) note(log *slog.Logger, code api.Code, uid uint32) {
	r.count++
	if time.Since(r.last) < time.Second {
		return
	}
	switch code {
	case api.CodeBusy:
		log.Warn("refused control connections: too many connections", "max", api.MaxConns, "refused", r.count)
	default:
		log.Warn("refused control connections: not root", "uid", uid, "code", code, "refused", r.count)
	}
	r.last, r.count = time.Now(), 0
}

// refuse answers the first request of a connection that will not be
// served with code and msg. Reading the request first lets naive clients,
// which write before they read, see the answer instead of a broken pipe.
func refuse(c net.Conn, code api.Code, msg string) {
	c.SetReadDeadline(time.Now().Add(refuseTimeout))
	api.ReadLine(bufio.NewReader(c), api.MaxRequestSize)
	c.SetWriteDeadline(time.Now().Add(writeTimeout))
	c.Write(encodeResponse(errorResponse(code, msg)))
}

// serveConn serves the requests of one admitted connection in order.
func (s *Server) serveConn(c net.Conn, log *slog.Logger) {
	idle := s.Idle
	if idle <= 0 {
		idle = api.IdleTimeout
	}
	r := bufio.NewReaderSize(c, 4096)
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		line, err := api.ReadLine(r, api.MaxRequestSize)
		if errors.Is(err, api.ErrLineTooLong) {
			log.Warn("control request too long", "max", api.MaxRequestSize)
			c.SetWriteDeadline(time.Now().Add(writeTimeout))
			c.Write(encodeResponse(errorResponse(api.CodeBadRequest, fmt.Sprintf("request too long: a request line holds at most %d bytes", api.MaxRequestSize))))
			return
		}
		if err != nil {
			// EOF, idle timeout, shutdown, or a client gone mid-line:
			// an unterminated request is never carried out.
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				log.Debug("control connection ended", "err", err)
			}
			return
		}
		resp, stream := s.handle(line, FullAccess, log)
		if stream != nil {
			// The connection is the stream's now, response included,
			// with no deadline: a slow reader makes the capture drop,
			// never the server time out.
			c.SetDeadline(time.Time{})
			stream(c, r, encodeResponse(resp), log)
			return
		}
		c.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := c.Write(encodeResponse(resp)); err != nil {
			log.Debug("writing a control response failed", "err", err)
			return
		}
	}
}

// handle carries out one request line with the given access and returns
// its response, and for a streaming command that succeeded the stream that
// follows it. The medium is touched only by a request that decodes
// completely.
func (s *Server) handle(line []byte, access Access, log *slog.Logger) (api.Response, stream) {
	c, args, err := decodeRequest(line)
	if err != nil {
		return errorResponse(codeOf(err), err.Error()), nil
	}
	cmd := c.name
	var result any
	if access == ReadOnly && !c.readOnly {
		// Before anything else: a read-only caller learns nothing from
		// trying a change.
		log.Debug("control request refused: read-only access", "cmd", cmd)
		return errorResponse(api.CodePermissionDenied, fmt.Sprintf("permission denied: %s changes the medium, and this caller may only read", cmd)), nil
	}
	var str stream
	switch {
	case c.needsModel && s.Model == nil:
		// The missing model is what to fix first, whatever the args.
		err = errNoModel
	case c.stream != nil:
		result, str, err = c.stream(s, cmd, args)
	default:
		result, err = c.run(s, cmd, args)
		if errors.Is(err, medium.ErrUnknownRadio) && s.Rescan != nil && s.rescan() {
			result, err = c.run(s, cmd, args)
		}
	}
	if err != nil {
		code := codeOf(err)
		if code == api.CodeInternal {
			log.Warn("control request failed", "cmd", cmd, "err", err)
		} else {
			log.Debug("control request failed", "cmd", cmd, "code", code, "err", err)
		}
		return errorResponse(code, err.Error()), nil
	}
	raw, err := json.Marshal(result)
	if err != nil {
		log.Warn("encoding a control result failed", "cmd", cmd, "err", err)
		return errorResponse(api.CodeInternal, fmt.Sprintf("%s: encoding the result: %v", cmd, err)), nil
	}
	if !c.readOnly {
		log.Info("control request carried out", "cmd", cmd, "args", string(args))
	}
	return api.Response{V: api.ProtocolVersion, OK: true, Result: raw}, str
}

// rescan asks Rescan to look for radios and reports whether it did.
func (s *Server) rescan() bool {
	ctx, cancel := context.WithTimeout(context.Background(), rescanTimeout)
	defer cancel()
	return s.Rescan(ctx) == nil
}

// wireRequest tells a missing version from a wrong one.
type wireRequest struct {
	V    *int            `json:"v"`
	Cmd  *string         `json:"cmd"`
	Args json.RawMessage `json:"args"`
}

// decodeRequest checks a request line and returns its command and
// arguments (still encoded).
func decodeRequest(line []byte) (command, json.RawMessage, error) {
	if len(bytes.TrimSpace(line)) == 0 {
		return command{}, nil, badRequest(`empty line; send one JSON object per line, e.g. {"v":1,"cmd":"status"}`)
	}
	var req wireRequest
	if err := strictUnmarshal(line, &req); err != nil {
		return command{}, nil, fmt.Errorf("%w: %w", errBadRequest, err)
	}
	switch {
	case req.V == nil:
		return command{}, nil, badRequest(`missing protocol version "v" (this medium speaks %d)`, api.ProtocolVersion)
	case *req.V != api.ProtocolVersion:
		return command{}, nil, fmt.Errorf("%w %d (this medium speaks %d)", errUnsupportedVersion, *req.V, api.ProtocolVersion)
	case req.Cmd == nil || *req.Cmd == "":
		return command{}, nil, badRequest(`missing "cmd"`)
	}
	c, ok := lookupCommand(*req.Cmd)
	if !ok {
		return command{}, nil, fmt.Errorf("%w %q (known: %s)", errUnknownCommand, *req.Cmd, strings.Join(commandNames(), ", "))
	}
	return c, req.Args, nil
}

// strictUnmarshal decodes exactly one JSON value into v, refusing fields v
// does not have and anything after the value.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("not a valid JSON request object: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON object (one request per line)")
	}
	return nil
}

// decodeArgs decodes a command's arguments into v; absent args decode as
// an empty object.
func decodeArgs(cmd string, args json.RawMessage, v any) error {
	if len(bytes.TrimSpace(args)) == 0 {
		args = []byte("{}")
	}
	if err := strictUnmarshal(args, v); err != nil {
		return fmt.Errorf("%s: %w: %w", cmd, errBadArgs, err)
	}
	return nil
}

// errorResponse returns the response for a request that failed.
func errorResponse(code api.Code, msg string) api.Response {
	return api.Response{V: api.ProtocolVersion, OK: false, Error: msg, Code: code}
}

// encodeResponse returns resp as one line.
func encodeResponse(resp api.Response) []byte {
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(errorResponse(api.CodeInternal, "encoding the response failed: "+err.Error()))
	}
	return append(b, '\n')
}
