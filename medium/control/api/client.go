package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"sync"
	"syscall"
	"time"
)

// ErrNotRunning says that no medium listens on the control socket: the
// socket file is missing, or nothing accepts on it.
var ErrNotRunning = errors.New("no medium is running")

// ServerError is an error the medium answered with: the request reached
// it and was refused or failed (unknown radio, bad arguments, permission).
type ServerError struct {
	// Cmd is the command that failed.
	Cmd string
	// Code says why, for programs: one of the Code constants, or one
	// this client does not know (from a newer medium), or empty (from a
	// medium older than the codes).
	Code Code
	// Message is the medium's explanation, for people.
	Message string
}

// Error implements error.
func (e *ServerError) Error() string { return "medium: " + e.Message }

// Client is a connection to a medium's control socket. Its methods may be
// called concurrently; requests on one Client are sent one at a time.
type Client struct {
	path string

	mu     sync.Mutex
	conn   net.Conn
	r      *bufio.Reader
	broken error // set when the stream can no longer be trusted
}

// Dial connects to the control socket at path. If no medium listens there
// the error wraps ErrNotRunning; if the socket is not ours to use it wraps
// fs.ErrPermission.
func Dial(ctx context.Context, path string) (*Client, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
			return nil, fmt.Errorf("control: connect to %s: %w (%w)", path, ErrNotRunning, err)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("control: connect to %s: %w: the control socket is for root; run with sudo", path, err)
		}
		return nil, fmt.Errorf("control: connect to %s: %w", path, err)
	}
	return &Client{path: path, conn: c, r: bufio.NewReaderSize(c, 4096)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Do sends one request and decodes the result into result (if not nil).
// An error the medium answered with is a *ServerError; I/O errors leave
// the Client unusable.
func (c *Client) Do(ctx context.Context, cmd string, args, result any) error {
	req := Request{V: ProtocolVersion, Cmd: cmd}
	if args != nil {
		raw, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("control %s: encode args: %w", cmd, err)
		}
		req.Args = raw
	}
	line, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("control %s: encode request: %w", cmd, err)
	}
	line = append(line, '\n')
	if len(line) > MaxRequestSize {
		return fmt.Errorf("control %s: request of %d bytes exceeds the limit of %d; split it", cmd, len(line), MaxRequestSize)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return fmt.Errorf("control %s: connection unusable after an earlier failure: %w", cmd, c.broken)
	}
	resp, err := c.roundTrip(ctx, line)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		c.broken = err
		return fmt.Errorf("control %s on %s: %w", cmd, c.path, err)
	}
	if resp.V != ProtocolVersion {
		return fmt.Errorf("control %s: medium answered in protocol version %d, want %d", cmd, resp.V, ProtocolVersion)
	}
	if !resp.OK {
		msg := resp.Error
		if msg == "" {
			msg = "request failed (no reason given)"
		}
		return &ServerError{Cmd: cmd, Code: resp.Code, Message: msg}
	}
	if result != nil {
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("control %s: decode result: %w", cmd, err)
		}
	}
	return nil
}

// roundTrip writes one request line and reads one response line, within
// ctx.
func (c *Client) roundTrip(ctx context.Context, line []byte) (Response, error) {
	// The context alone bounds the exchange: when it ends, the deadline
	// moves to the past and the I/O in progress fails at once.
	c.conn.SetDeadline(time.Time{})
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		c.conn.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	defer func() {
		if !stop() {
			<-fired // so that it cannot spoil the next request
		}
	}()

	_, werr := c.conn.Write(line)
	// Even if the write failed, the medium may have answered before it
	// closed (it refuses some peers that way): read that answer.
	raw, rerr := ReadLine(c.r, MaxResponseSize)
	if rerr != nil {
		if werr != nil {
			return Response{}, fmt.Errorf("send request: %w", werr)
		}
		if errors.Is(rerr, ErrLineTooLong) {
			return Response{}, fmt.Errorf("response longer than %d bytes", MaxResponseSize)
		}
		return Response{}, fmt.Errorf("read response: %w", rerr)
	}
	var resp Response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return Response{}, fmt.Errorf("decode response: %w", err)
	}
	if werr != nil {
		// Answered, but the stream is out of step.
		c.broken = fmt.Errorf("send request: %w", werr)
	}
	return resp, nil
}

// Status returns the medium's version, uptime and counters.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.Do(ctx, CmdStatus, nil, &st)
	return st, err
}

// Radios returns every radio the medium knows, ordered by ID, one page
// after the other.
func (c *Client) Radios(ctx context.Context) ([]RadioInfo, error) {
	var out []RadioInfo
	from := 0
	for {
		res, err := c.RadiosPage(ctx, RadiosArgs{From: from})
		if err != nil {
			return nil, err
		}
		out = append(out, res.Radios...)
		if res.Next <= from {
			return out, nil
		}
		from = res.Next
	}
}

// RadiosPage returns one page of radios.
func (c *Client) RadiosPage(ctx context.Context, a RadiosArgs) (RadiosResult, error) {
	var res RadiosResult
	var args any
	if a != (RadiosArgs{}) {
		args = a
	}
	err := c.Do(ctx, CmdRadios, args, &res)
	return res, err
}

// DenyAdd adds rules to the denylist, all or none, and returns the whole
// denylist.
func (c *Client) DenyAdd(ctx context.Context, rules ...DenyRule) ([]DenyRule, error) {
	return c.denyCmd(ctx, CmdDenyAdd, rules)
}

// DenyRemove removes rules from the denylist (rules not in it are
// ignored) and returns the whole denylist.
func (c *Client) DenyRemove(ctx context.Context, rules ...DenyRule) ([]DenyRule, error) {
	return c.denyCmd(ctx, CmdDenyRemove, rules)
}

// DenySet replaces the whole denylist with rules, as vwifi-tool -d does;
// on error the denylist is unchanged. It returns the new denylist.
func (c *Client) DenySet(ctx context.Context, rules ...DenyRule) ([]DenyRule, error) {
	if rules == nil {
		rules = []DenyRule{}
	}
	return c.denyCmd(ctx, CmdDenySet, rules)
}

// DenyList returns the denylist.
func (c *Client) DenyList(ctx context.Context) ([]DenyRule, error) {
	var res DenylistResult
	err := c.Do(ctx, CmdDenyList, nil, &res)
	return res.Rules, err
}

// DenyClear empties the denylist.
func (c *Client) DenyClear(ctx context.Context) error {
	return c.Do(ctx, CmdDenyClear, nil, nil)
}

func (c *Client) denyCmd(ctx context.Context, cmd string, rules []DenyRule) ([]DenyRule, error) {
	var res DenylistResult
	err := c.Do(ctx, cmd, DenyArgs{Rules: rules}, &res)
	return res.Rules, err
}

// Block stops frames that radio tx sends from reaching radio rx; both also
// blocks rx to tx.
func (c *Client) Block(ctx context.Context, tx, rx string, both bool) error {
	return c.Do(ctx, CmdLinkBlock, LinkArgs{TX: tx, RX: rx, Both: both}, nil)
}

// Unblock undoes Block.
func (c *Client) Unblock(ctx context.Context, tx, rx string, both bool) error {
	return c.Do(ctx, CmdLinkUnblock, LinkArgs{TX: tx, RX: rx, Both: both}, nil)
}

// Move places radio at (x, y, z), in metres, in the link model. A name the
// model does not know adds a radio by that name, placed before it exists.
func (c *Client) Move(ctx context.Context, radio string, x, y, z float64) error {
	return c.Do(ctx, CmdRadioMove, MoveArgs{Radio: radio, X: x, Y: y, Z: z}, nil)
}

// SetTxPower sets the transmit power of radio, in dBm.
func (c *Client) SetTxPower(ctx context.Context, radio string, dBm float64) error {
	return c.Do(ctx, CmdRadioTxPower, TxPowerArgs{Radio: radio, DBm: dBm}, nil)
}

// SetVelocity moves radio at constant velocity v (m/s per axis) from
// where it is now.
func (c *Client) SetVelocity(ctx context.Context, radio string, v [3]float64) error {
	return c.Do(ctx, CmdRadioMobility, MobilityArgs{Radio: radio, Velocity: v[:]}, nil)
}

// Stop halts radio where it is now.
func (c *Client) Stop(ctx context.Context, radio string) error {
	return c.Do(ctx, CmdRadioMobility, MobilityArgs{Radio: radio, Stop: true}, nil)
}

// SetLink fixes the SNR and/or the loss probability of a link; see
// LinkSetArgs.
func (c *Client) SetLink(ctx context.Context, a LinkSetArgs) error {
	return c.Do(ctx, CmdLinkSet, a, nil)
}

// ClearLink removes the link model's overrides of tx → rx; both also
// clears rx → tx.
func (c *Client) ClearLink(ctx context.Context, tx, rx string, both bool) error {
	return c.Do(ctx, CmdLinkClear, LinkArgs{TX: tx, RX: rx, Both: both}, nil)
}

// Model returns the link model as it is now: every radio at its current
// position, and every link override.
func (c *Client) Model(ctx context.Context) (ModelConfig, error) {
	var cfg ModelConfig
	err := c.Do(ctx, CmdModelGet, nil, &cfg)
	return cfg, err
}

// errStreaming is why a Client that started a capture serves no other
// request.
var errStreaming = errors.New("the connection carries a capture stream")

// Capture starts a live capture (the capture command) and returns the
// medium's answer and the capture as a pcapng stream. The stream runs
// until it is closed or the medium stops (reading then ends with io.EOF
// or an error); ctx bounds the request, not the stream. Blocks arrive
// whole but may be split across reads. The Client serves no other request
// afterwards: closing the stream closes it.
func (c *Client) Capture(ctx context.Context, args CaptureArgs) (io.ReadCloser, CaptureResult, error) {
	var res CaptureResult
	if err := c.Do(ctx, CmdCapture, args, &res); err != nil {
		return nil, res, err
	}
	c.mu.Lock()
	c.broken = errStreaming
	c.mu.Unlock()
	return &captureStream{c: c}, res, nil
}

// captureStream reads the pcapng bytes that follow a capture's response,
// the reader's buffered ones first.
type captureStream struct{ c *Client }

func (s *captureStream) Read(p []byte) (int, error) { return s.c.r.Read(p) }
func (s *captureStream) Close() error               { return s.c.conn.Close() }

// ErrorCode returns the code of the medium's answer in err's chain (see
// ServerError), or "" if err is not an answer of the medium: it did not
// run, could not be reached, or answered without a code.
func ErrorCode(err error) Code {
	var se *ServerError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}
