package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/hwsim-medium/hwsim-medium/capture"
	"github.com/hwsim-medium/hwsim-medium/crypto"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/tap"
)

// Capturer runs the medium's captures: *tap.Hub.
type Capturer interface {
	// Start starts a capture writing to w.
	Start(w io.Writer, o tap.Options) (*tap.Capture, error)
	// Stats counts the captures.
	Stats() tap.Stats
}

// errNoCapture is what a medium served without a Capturer answers.
var errNoCapture = errors.New("capture: this medium cannot capture (served without a capture hub)")

// stream is what a streaming command does after its checks: it writes
// resp, its response line, first, then the stream; it owns the connection
// until it returns, reading what the client sends from r. The connection
// is closed after it.
type stream func(c net.Conn, r *bufio.Reader, resp []byte, log *slog.Logger)

// streamer checks a streaming command's arguments and returns its result
// and its stream.
type streamer func(s *Server, cmd string, args json.RawMessage) (any, stream, error)

// captureCmd is the capture command: after its response the connection
// carries the capture as pcapng until the client closes it (or shuts down
// its sending side) or the medium stops.
func captureCmd(s *Server, cmd string, raw json.RawMessage) (any, stream, error) {
	var a api.CaptureArgs
	if err := decodeArgs(cmd, raw, &a); err != nil {
		return nil, nil, err
	}
	if s.Capture == nil {
		return nil, nil, errNoCapture
	}
	res := api.CaptureResult{Format: "pcapng", LinkType: int(capture.LinkType)}
	var o tap.Options
	o.Name = "control"
	for _, t := range a.Types {
		ft, err := capture.ParseFrameType(t)
		if err != nil {
			return nil, nil, badArgs(cmd, "types: %v", err)
		}
		if o.Filter.Types&ft == 0 {
			res.Types = append(res.Types, ft.String())
		}
		o.Filter.Types |= ft
	}
	for i, spec := range a.Decrypt {
		k, err := crypto.ParseKey(spec)
		if err != nil {
			// The key's error never repeats the secret.
			return nil, nil, badArgs(cmd, "decrypt[%d]: %v", i, err)
		}
		o.Keys = append(o.Keys, k)
		res.Keys = append(res.Keys, k.String())
	}
	if a.Radio != "" {
		name, err := s.radioName(a.Radio)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", cmd, err)
		}
		o.Filter.Radio, res.Radio = name, name
	}
	o.Application = "hwsim-medium " + api.Version
	o.Comment = "hwsim-medium " + api.Version + ": live capture (" + describeCapture(&res) + ")"
	return res, func(c net.Conn, r *bufio.Reader, resp []byte, log *slog.Logger) { s.runCapture(c, r, resp, o, log) }, nil
}

// describeCapture says what a capture keeps, for its section comment.
func describeCapture(r *api.CaptureResult) string {
	var parts []string
	if r.Radio != "" {
		parts = append(parts, "radio "+r.Radio)
	}
	if len(r.Types) > 0 {
		parts = append(parts, "types "+strings.Join(r.Types, ","))
	}
	if len(r.Keys) > 0 {
		parts = append(parts, "decrypted with the "+strings.Join(r.Keys, ", "))
	}
	if len(parts) == 0 {
		return "everything"
	}
	return strings.Join(parts, "; ")
}

// radioName resolves a radio's interface, wiphy name or address to the
// name captures give it: its interface, else its wiphy.
func (s *Server) radioName(name string) (string, error) {
	addr, isAddr := mac.ParseAddr(name)
	for _, r := range s.Medium.Radios() {
		match := r.Iface == name || r.Name == name
		if isAddr == nil {
			match = match || r.HWAddr == addr
			for _, a := range r.Addrs {
				match = match || a == addr
			}
		}
		if match {
			if r.Iface != "" {
				return r.Iface, nil
			}
			return r.Name, nil
		}
	}
	return "", fmt.Errorf("radio %q: %w", name, medium.ErrUnknownRadio)
}

// runCapture streams a capture to c until the client goes or the capture
// ends (the medium stops and closes c, or writing fails). The response
// goes out with the capture's header, once the capture is attached: a
// client that has the response misses no frame sent afterwards.
func (s *Server) runCapture(c net.Conn, r *bufio.Reader, resp []byte, o tap.Options, log *slog.Logger) {
	w := &prefixWriter{w: c, prefix: resp}
	cp, err := s.Capture.Start(w, o)
	if err != nil {
		if w.prefix != nil {
			c.SetWriteDeadline(time.Now().Add(writeTimeout))
			c.Write(encodeResponse(errorResponse(api.CodeInternal, "capture: "+err.Error())))
		}
		log.Debug("capture stream could not start", "err", err)
		return
	}
	gone := make(chan struct{})
	go func() {
		// Anything the client sends now is ignored; its end (or the
		// connection's) ends the capture.
		io.Copy(io.Discard, r)
		close(gone)
	}()
	select {
	case <-gone:
	case <-cp.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := cp.Stop(ctx); err != nil {
		log.Debug("capture stream ended", "err", err)
	}
}

// prefixWriter writes prefix before the first bytes written through it.
type prefixWriter struct {
	w      io.Writer
	prefix []byte // nil once written
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if p.prefix != nil {
		buf := append(p.prefix, b...)
		p.prefix = nil
		n, err := p.w.Write(buf)
		return max(0, n-(len(buf)-len(b))), err
	}
	return p.w.Write(b)
}
