package hwsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
)

// ErrNoFamily reports that the kernel does not know the MAC80211_HWSIM
// generic-netlink family: the mac80211_hwsim module is not loaded.
var ErrNoFamily = errors.New("generic netlink family " + FamilyName +
	" not found: the mac80211_hwsim kernel module is not loaded " +
	"(run: modprobe mac80211_hwsim radios=0)")

// ErrNameInUse reports that the kernel did not give a new radio the wiphy
// name that was asked for. The kernel does not fail NEW_RADIO in that case:
// when the name is taken (by any wiphy, not only hwsim ones) or not valid it
// silently falls back to "phyN". NewRadio detects this, deletes the radio and
// returns an error wrapping ErrNameInUse.
var ErrNameInUse = errors.New("wiphy name already in use or not valid")

// errDumpInterrupted reports a dump that the kernel flagged as inconsistent
// (NLM_F_DUMP_INTR) every time it was tried.
var errDumpInterrupted = errors.New("dump interrupted by concurrent changes")

// dumpRetries bounds how often an interrupted dump is repeated.
const dumpRetries = 3

// Client talks to the MAC80211_HWSIM family on a generic-netlink socket of
// its own: it creates, lists and deletes radios. It does not carry frames;
// the medium registers and exchanges frames on a separate FrameSocket.
//
// A radio created with RadioConfig.DestroyOnClose lives only as long as the
// socket that created it: keep the Client open while such radios should
// exist, and expect them to disappear when it is closed (or the process
// exits).
//
// A Client is safe for concurrent use; requests are serialised.
type Client struct {
	req genlRequester
}

// Dial opens a generic-netlink socket in the calling thread's network
// namespace and resolves the MAC80211_HWSIM family on it. If the module is
// not loaded the error wraps ErrNoFamily.
func Dial(ctx context.Context) (*Client, error) {
	conn, err := genetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("dial generic netlink: %w", err)
	}
	// Ask for the kernel's error strings ("perm addr already present", ...).
	// Best effort: old kernels lack the option and errors stay usable.
	_ = conn.SetOption(netlink.ExtendedAcknowledge, true)

	c, err := NewClient(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return c, nil
}

// NewClient resolves the MAC80211_HWSIM family on an existing connection and
// returns a Client using it. The Client owns conn from then on: Close closes
// it. It mainly serves tests (genltest.Dial); programs use Dial.
func NewClient(ctx context.Context, conn *genetlink.Conn) (*Client, error) {
	fam, err := resolveFamily(ctx, conn, FamilyName, ErrNoFamily)
	if err != nil {
		return nil, err
	}
	return &Client{req: genlRequester{conn: conn, family: fam}}, nil
}

// Close closes the socket. Radios created with DestroyOnClose go away with
// it.
func (c *Client) Close() error {
	return c.req.conn.Close()
}

// FamilyID is the generic-netlink family number the kernel assigned to
// MAC80211_HWSIM; the per-frame socket needs it to address its messages.
func (c *Client) FamilyID() uint16 {
	return c.req.family.ID
}

// RadioConfig describes a radio to create. Zero values leave the kernel's
// defaults in place.
type RadioConfig struct {
	// Name is the wiphy name, e.g. "vw_phy0". Empty lets the kernel pick
	// "phyN".
	Name string
	// PermAddr is the radio's permanent address. The zero address lets the
	// kernel derive 02:00:00:XX:XX:00 from the radio index.
	PermAddr mac.Addr
	// Channels is the number of channels the radio can use concurrently
	// (0: the module's default, normally 1). More than one implies
	// UseChanctx.
	Channels uint32
	// NoVIF asks the kernel not to create the default wlanN interface.
	NoVIF bool
	// DestroyOnClose removes the radio when the creating socket (this
	// Client) closes.
	DestroyOnClose bool
	// UseChanctx selects the channel-context ops of mac80211.
	UseChanctx bool
	// IftypeSupport is a bitmask of 1<<Iftype* the radio supports (0: the
	// kernel's default set). The kernel rejects bits it does not support.
	IftypeSupport uint32
	// Ciphers lists the cipher suite selectors (Cipher*) the radio
	// supports (empty: the kernel's default list).
	Ciphers []uint32
	// RegAlpha2 is a two-letter country code given to the regulatory core
	// as the radio's hint ("" for none).
	RegAlpha2 string
	// SupportP2PDevice adds support for a P2P device interface.
	SupportP2PDevice bool
}

// encodeRadioConfig encodes cfg as HWSIM_CMD_NEW_RADIO attributes.
func encodeRadioConfig(cfg RadioConfig) ([]byte, error) {
	if cfg.RegAlpha2 != "" && len(cfg.RegAlpha2) != 2 {
		return nil, fmt.Errorf("regulatory hint %q is not a two-letter country code", cfg.RegAlpha2)
	}
	ae := netlink.NewAttributeEncoder()
	if cfg.Channels != 0 {
		ae.Uint32(AttrChannels, cfg.Channels)
	}
	if cfg.RegAlpha2 != "" {
		// Exactly two bytes, no terminator: newer kernels enforce the
		// length strictly.
		ae.Bytes(AttrRegHintAlpha2, []byte(cfg.RegAlpha2))
	}
	ae.Flag(AttrSupportP2PDevice, cfg.SupportP2PDevice)
	ae.Flag(AttrUseChanctx, cfg.UseChanctx)
	ae.Flag(AttrDestroyRadioOnClose, cfg.DestroyOnClose)
	if cfg.Name != "" {
		ae.String(AttrRadioName, cfg.Name)
	}
	ae.Flag(AttrNoVIF, cfg.NoVIF)
	if !cfg.PermAddr.IsZero() {
		ae.Bytes(AttrPermAddr, cfg.PermAddr[:])
	}
	if cfg.IftypeSupport != 0 {
		ae.Uint32(AttrIftypeSupport, cfg.IftypeSupport)
	}
	if len(cfg.Ciphers) > 0 {
		b := make([]byte, 4*len(cfg.Ciphers))
		for i, c := range cfg.Ciphers {
			binary.NativeEndian.PutUint32(b[4*i:], c)
		}
		ae.Bytes(AttrCipherSupport, b)
	}
	return ae.Encode()
}

// NewRadio creates a radio and returns its id (the index mac80211_hwsim
// gives it, also found in GET_RADIO and the config events).
//
// The kernel answers a successful NEW_RADIO with the new id as a positive
// "error" code in the netlink acknowledgement (and with a plain ack when the
// id is 0); NewRadio turns that back into the id. Real failures (EINVAL for a
// bad attribute, EEXIST for a PermAddr another radio already has, EPERM
// without CAP_NET_ADMIN, ...) are returned wrapped.
//
// When cfg.Name is set, NewRadio checks the name the kernel actually gave
// the radio; if it differs (see ErrNameInUse) the radio is deleted again and
// the error wraps ErrNameInUse.
func (c *Client) NewRadio(ctx context.Context, cfg RadioConfig) (uint32, error) {
	what := "create radio"
	if cfg.Name != "" {
		what = fmt.Sprintf("create radio %q", cfg.Name)
	}
	attrs, err := encodeRadioConfig(cfg)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}

	var id uint32
	_, _, err = c.req.execute(ctx, CmdNewRadio, attrs, netlink.Acknowledge)
	if err != nil {
		v, ok := radioIDFromAck(err)
		if !ok {
			return 0, fmt.Errorf("%s: %w", what, kernelErr(err))
		}
		id = v
	}

	if cfg.Name == "" {
		return id, nil
	}
	info, err := c.Radio(ctx, id)
	if err != nil {
		return id, fmt.Errorf("%s: created radio %d but could not read it back: %w", what, id, err)
	}
	if info.Name != cfg.Name {
		nameErr := fmt.Errorf("%s: %w (the kernel named radio %d %q)", what, ErrNameInUse, id, info.Name)
		if derr := c.DelRadio(ctx, id); derr != nil {
			return 0, errors.Join(nameErr, derr)
		}
		return 0, nameErr
	}
	return id, nil
}

// radioIDFromAck recognises the acknowledgement of a successful NEW_RADIO.
// mdlayher/netlink turns every non-zero code of an NLMSG_ERROR message into
// an *netlink.OpError{Op: "receive"} whose Err is syscall.Errno(-code): a
// positive code c (the new radio id) therefore arrives as the Errno with the
// bit pattern of -c, i.e. a value that is negative as a signed integer. Real
// errors (negative codes) give ordinary positive errnos.
func radioIDFromAck(err error) (uint32, bool) {
	var oe *netlink.OpError
	if !errors.As(err, &oe) || oe.Op != "receive" {
		return 0, false
	}
	var errno syscall.Errno
	if !errors.As(oe.Err, &errno) {
		return 0, false
	}
	v := int64(errno)
	if v >= 0 || v < -math.MaxInt32 {
		return 0, false
	}
	return uint32(-v), true
}

// DelRadio deletes the radio with the given id. The kernel answers ENODEV
// when no such radio exists in this network namespace.
func (c *Client) DelRadio(ctx context.Context, id uint32) error {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(AttrRadioID, id)
	attrs, err := ae.Encode()
	if err != nil {
		return fmt.Errorf("delete radio %d: %w", id, err)
	}
	if _, _, err := c.req.execute(ctx, CmdDelRadio, attrs, netlink.Acknowledge); err != nil {
		return fmt.Errorf("delete radio %d: %w", id, kernelErr(err))
	}
	return nil
}

// DelRadioByName deletes the radio whose wiphy is called name.
func (c *Client) DelRadioByName(ctx context.Context, name string) error {
	ae := netlink.NewAttributeEncoder()
	ae.String(AttrRadioName, name)
	attrs, err := ae.Encode()
	if err != nil {
		return fmt.Errorf("delete radio %q: %w", name, err)
	}
	if _, _, err := c.req.execute(ctx, CmdDelRadio, attrs, netlink.Acknowledge); err != nil {
		return fmt.Errorf("delete radio %q: %w", name, kernelErr(err))
	}
	return nil
}

// RadioInfo is what the kernel reports about a radio (GET_RADIO and the
// config events). The kernel does not report addresses, NoVIF or
// DestroyOnClose.
type RadioInfo struct {
	// ID is the radio index.
	ID uint32
	// Name is the wiphy name.
	Name string
	// Channels is the number of concurrent channels (0 when not reported).
	Channels uint32
	// RegAlpha2 is the regulatory hint the radio was created with.
	RegAlpha2 string
	// RegCustomReg is the index of the custom regulatory domain, valid
	// when HasRegCustomReg.
	RegCustomReg    uint32
	HasRegCustomReg bool
	// RegStrictReg, SupportP2PDevice and UseChanctx mirror the creation
	// flags of the same names.
	RegStrictReg     bool
	SupportP2PDevice bool
	UseChanctx       bool
}

// errNoRadioID marks radio attributes without HWSIM_ATTR_RADIO_ID.
var errNoRadioID = errors.New("radio message has no radio id")

// parseRadioInfo decodes the attributes of a GET_RADIO reply or NEW_RADIO /
// DEL_RADIO event. Unknown attributes are ignored.
func parseRadioInfo(b []byte) (RadioInfo, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return RadioInfo{}, fmt.Errorf("decode radio attributes: %w", err)
	}
	var ri RadioInfo
	var haveID bool
	for ad.Next() {
		switch ad.Type() {
		case AttrRadioID:
			ri.ID = ad.Uint32()
			haveID = true
		case AttrRadioName:
			ri.Name = ad.String()
		case AttrChannels:
			ri.Channels = ad.Uint32()
		case AttrRegHintAlpha2:
			ri.RegAlpha2 = ad.String()
		case AttrRegCustomReg:
			ri.RegCustomReg = ad.Uint32()
			ri.HasRegCustomReg = true
		case AttrRegStrictReg:
			ri.RegStrictReg = ad.Flag()
		case AttrSupportP2PDevice:
			ri.SupportP2PDevice = ad.Flag()
		case AttrUseChanctx:
			ri.UseChanctx = ad.Flag()
		}
	}
	if err := ad.Err(); err != nil {
		return RadioInfo{}, fmt.Errorf("decode radio attributes: %w", err)
	}
	if !haveID {
		return RadioInfo{}, errNoRadioID
	}
	return ri, nil
}

// Radio returns what the kernel reports about one radio (ENODEV when there
// is no such radio in this network namespace).
func (c *Client) Radio(ctx context.Context, id uint32) (RadioInfo, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(AttrRadioID, id)
	attrs, err := ae.Encode()
	if err != nil {
		return RadioInfo{}, fmt.Errorf("get radio %d: %w", id, err)
	}
	msgs, _, err := c.req.execute(ctx, CmdGetRadio, attrs, 0)
	if err != nil {
		return RadioInfo{}, fmt.Errorf("get radio %d: %w", id, kernelErr(err))
	}
	for _, m := range msgs {
		ri, err := parseRadioInfo(m.Data)
		if err != nil {
			return RadioInfo{}, fmt.Errorf("get radio %d: %w", id, err)
		}
		return ri, nil
	}
	return RadioInfo{}, fmt.Errorf("get radio %d: empty reply", id)
}

// Radios lists the radios of this network namespace (GET_RADIO dump),
// ordered by id as the kernel reports them. A dump the kernel flags as
// interrupted by concurrent changes is repeated a few times.
func (c *Client) Radios(ctx context.Context) ([]RadioInfo, error) {
	for try := 0; ; try++ {
		msgs, flags, err := c.req.execute(ctx, CmdGetRadio, nil, netlink.Dump)
		if err != nil {
			return nil, fmt.Errorf("list radios: %w", kernelErr(err))
		}
		if flags&netlink.DumpInterrupted != 0 {
			if try+1 < dumpRetries {
				continue
			}
			return nil, fmt.Errorf("list radios: %w", errDumpInterrupted)
		}
		radios := make([]RadioInfo, 0, len(msgs))
		for _, m := range msgs {
			ri, err := parseRadioInfo(m.Data)
			if errors.Is(err, errNoRadioID) {
				// Header-only message (the kernel's "interrupted" marker).
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("list radios: %w", err)
			}
			radios = append(radios, ri)
		}
		return radios, nil
	}
}

// RadioEventKind says what happened to a radio.
type RadioEventKind uint8

// Kinds of radio events.
const (
	// RadioAdded: a radio was created (HWSIM_CMD_NEW_RADIO).
	RadioAdded RadioEventKind = iota + 1
	// RadioRemoved: a radio was deleted (HWSIM_CMD_DEL_RADIO). Only ID
	// and Name are set.
	RadioRemoved
	// RadioEventsLost: the socket's receive buffer overflowed (ENOBUFS) and
	// events were dropped; list the radios again to resynchronise.
	RadioEventsLost
)

// String names the kind.
func (k RadioEventKind) String() string {
	switch k {
	case RadioAdded:
		return "radio-added"
	case RadioRemoved:
		return "radio-removed"
	case RadioEventsLost:
		return "radio-events-lost"
	}
	return fmt.Sprintf("RadioEventKind(%d)", uint8(k))
}

// RadioEvent is an announcement from the kernel's "config" multicast group.
type RadioEvent struct {
	Kind RadioEventKind
	// RadioInfo describes the radio (for RadioRemoved only ID and Name).
	RadioInfo
}

// parseRadioEvent decodes a config-group message. ok is false for commands
// that are not radio events.
func parseRadioEvent(m genetlink.Message) (ev RadioEvent, ok bool, err error) {
	switch m.Header.Command {
	case CmdNewRadio:
		ev.Kind = RadioAdded
	case CmdDelRadio:
		ev.Kind = RadioRemoved
	default:
		return RadioEvent{}, false, nil
	}
	ri, err := parseRadioInfo(m.Data)
	if err != nil {
		return RadioEvent{}, false, err
	}
	ev.RadioInfo = ri
	return ev, true, nil
}

// RadioEvents follows the kernel's NEW_RADIO / DEL_RADIO announcements on a
// socket of its own, so multicast traffic never mixes with the replies of a
// Client.
type RadioEvents struct {
	conn   *genetlink.Conn
	events chan RadioEvent
	cancel context.CancelFunc
	done   chan struct{}
	close  sync.Once
	err    error // written before done and events are closed
}

// SubscribeRadioEvents opens a new generic-netlink socket, joins the
// MAC80211_HWSIM "config" multicast group on it and delivers events until ctx
// is done or Close is called.
func SubscribeRadioEvents(ctx context.Context) (*RadioEvents, error) {
	conn, err := genetlink.Dial(nil)
	if err != nil {
		return nil, fmt.Errorf("subscribe to radio events: dial generic netlink: %w", err)
	}
	s, err := SubscribeRadioEventsConn(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return s, nil
}

// SubscribeRadioEventsConn is SubscribeRadioEvents on an existing
// connection, which it takes over (it closes it when done). The connection
// should be used for nothing else.
func SubscribeRadioEventsConn(ctx context.Context, conn *genetlink.Conn) (*RadioEvents, error) {
	fam, err := resolveFamily(ctx, conn, FamilyName, ErrNoFamily)
	if err != nil {
		return nil, fmt.Errorf("subscribe to radio events: %w", err)
	}
	var group uint32
	var found bool
	for _, g := range fam.Groups {
		if g.Name == ConfigGroup {
			group, found = g.ID, true
			break
		}
	}
	if !found {
		return nil, fmt.Errorf("subscribe to radio events: family %s has no %q multicast group", FamilyName, ConfigGroup)
	}
	if err := conn.JoinGroup(group); err != nil {
		return nil, fmt.Errorf("subscribe to radio events: join multicast group %q (%d): %w", ConfigGroup, group, err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	s := &RadioEvents{
		conn:   conn,
		events: make(chan RadioEvent, 64),
		cancel: cancel,
		done:   make(chan struct{}),
	}
	// Closing the socket is what unblocks a pending Receive.
	stop := context.AfterFunc(runCtx, s.closeConn)
	go func() {
		err := s.run(runCtx)
		stop()
		s.closeConn()
		s.err = err
		close(s.done)
		close(s.events)
	}()
	return s, nil
}

func (s *RadioEvents) closeConn() {
	s.close.Do(func() { _ = s.conn.Close() })
}

// run receives until ctx is done or the socket fails.
func (s *RadioEvents) run(ctx context.Context) error {
	for {
		msgs, _, err := s.conn.Receive()
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, syscall.ENOBUFS) {
				if !s.deliver(ctx, RadioEvent{Kind: RadioEventsLost}) {
					return nil
				}
				continue
			}
			return fmt.Errorf("receive radio events: %w", err)
		}
		for _, m := range msgs {
			ev, ok, err := parseRadioEvent(m)
			if err != nil || !ok {
				// Not for us, or malformed: nothing useful to deliver.
				continue
			}
			if !s.deliver(ctx, ev) {
				return nil
			}
		}
	}
}

func (s *RadioEvents) deliver(ctx context.Context, ev RadioEvent) bool {
	select {
	case s.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// Events returns the channel of events. It is closed when the subscription
// ends (ctx done, Close, or a socket error reported by Err).
func (s *RadioEvents) Events() <-chan RadioEvent { return s.events }

// Err reports why the subscription ended: nil after ctx was done or Close
// was called, the socket error otherwise. Call it after Events is closed.
func (s *RadioEvents) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Close ends the subscription, closes its socket and waits for the
// receiving goroutine to exit.
func (s *RadioEvents) Close() error {
	s.cancel()
	s.closeConn()
	<-s.done
	return nil
}

// genlRequester runs request/response exchanges with one generic-netlink
// family on a connection it owns.
type genlRequester struct {
	mu     sync.Mutex
	conn   *genetlink.Conn
	family genetlink.Family
}

// execute sends one request (netlink.Request is implied) and collects the
// replies that carry its sequence number. Replies to earlier requests that
// were abandoned (ctx cancelled) are skipped. The second result is the OR
// of the replies' netlink flags (to see DumpInterrupted). Successful
// acknowledgements are not returned as messages. Kernel errors come back as
// *netlink.OpError.
func (r *genlRequester) execute(ctx context.Context, cmd uint8, attrs []byte, flags netlink.HeaderFlags) ([]genetlink.Message, netlink.HeaderFlags, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	defer watchContext(ctx, r.conn)()

	msg := genetlink.Message{
		Header: genetlink.Header{Command: cmd, Version: r.family.Version},
		Data:   attrs,
	}
	req, err := r.conn.Send(msg, r.family.ID, netlink.Request|flags)
	if err != nil {
		return nil, 0, contextErr(ctx, err)
	}
	dump := flags&netlink.Dump != 0
	var out []genetlink.Message
	var seen netlink.HeaderFlags
	for {
		gmsgs, nmsgs, err := r.conn.Receive()
		if err != nil {
			var oe *netlink.OpError
			if errors.As(err, &oe) && oe.Sequence != 0 && oe.Sequence != req.Header.Sequence {
				continue // error for an abandoned request
			}
			return nil, 0, contextErr(ctx, err)
		}
		mine := false
		for i := range nmsgs {
			if nmsgs[i].Header.Sequence != req.Header.Sequence {
				continue
			}
			mine = true
			seen |= nmsgs[i].Header.Flags
			if nmsgs[i].Header.Type == netlink.Error {
				continue // success acknowledgement
			}
			out = append(out, gmsgs[i])
		}
		// An empty dump ends with a bare NLMSG_DONE, which the library
		// swallows: no messages at all then means "done".
		if mine || (dump && len(nmsgs) == 0) {
			return out, seen, nil
		}
	}
}

// resolveFamily looks a family up, turning "no such family" into notFound.
func resolveFamily(ctx context.Context, conn *genetlink.Conn, name string, notFound error) (genetlink.Family, error) {
	if err := ctx.Err(); err != nil {
		return genetlink.Family{}, err
	}
	release := watchContext(ctx, conn)
	fam, err := conn.GetFamily(name)
	release()
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return genetlink.Family{}, fmt.Errorf("resolve family %s: %w", name, notFound)
		}
		return genetlink.Family{}, fmt.Errorf("resolve family %s: %w", name, contextErr(ctx, err))
	}
	return fam, nil
}

// watchContext applies ctx's deadline to conn and makes a cancellation of
// ctx interrupt a blocked read. The returned function undoes both; call it
// before the next use of conn. Connections without deadline support (test
// fakes) are left alone.
func watchContext(ctx context.Context, conn *genetlink.Conn) func() {
	dl, hasDeadline := ctx.Deadline()
	if hasDeadline {
		_ = conn.SetDeadline(dl)
	}
	if ctx.Done() == nil {
		return func() {
			if hasDeadline {
				_ = conn.SetDeadline(time.Time{})
			}
		}
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
	return func() {
		if !stop() {
			<-fired
		}
		if hasDeadline || ctx.Err() != nil {
			_ = conn.SetDeadline(time.Time{})
		}
	}
}

// contextErr prefers the context's error when ctx ended the operation.
func contextErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// nlKernelError presents a kernel's NLMSG_ERROR without the library's
// "netlink receive:" prefix, and with the kernel's extended-ack text when
// there is one. It unwraps to the *netlink.OpError.
type nlKernelError struct {
	op *netlink.OpError
}

func (e *nlKernelError) Error() string {
	s := e.op.Err.Error()
	if e.op.Message != "" {
		s += " (kernel: " + e.op.Message + ")"
	}
	return s
}

func (e *nlKernelError) Unwrap() error { return e.op }

// kernelErr wraps errors that the kernel sent in reply to a request in an
// nlKernelError; other errors are returned unchanged.
func kernelErr(err error) error {
	var oe *netlink.OpError
	if errors.As(err, &oe) && oe.Op == "receive" && oe.Sequence != 0 && oe.Err != nil {
		var errno syscall.Errno
		if errors.As(oe.Err, &errno) {
			return &nlKernelError{op: oe}
		}
	}
	return err
}
