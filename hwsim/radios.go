package hwsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"syscall"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/mdlayher/netlink"
)

// errDumpInterrupted reports a dump that the kernel flagged as inconsistent
// (NLM_F_DUMP_INTR) every time it was tried.
var errDumpInterrupted = errors.New("dump interrupted by concurrent changes")

// dumpRetries bounds how often an interrupted dump is repeated.
const dumpRetries = 3

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
	if len(msgs) == 0 {
		return RadioInfo{}, fmt.Errorf("get radio %d: empty reply", id)
	}
	ri, err := parseRadioInfo(msgs[0].Data)
	if err != nil {
		return RadioInfo{}, fmt.Errorf("get radio %d: %w", id, err)
	}
	return ri, nil
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
