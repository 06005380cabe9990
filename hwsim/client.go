package hwsim

import (
	"context"
	"errors"
	"fmt"

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

// ErrNeedsLinux is what opening a socket to the kernel (Dial,
// SubscribeRadioEvents, DialNL80211, OpenFrameSocket) returns, wrapped, on
// systems other than Linux: mac80211_hwsim and generic netlink exist only
// there. The rest of the package (frame types, codecs, parsers, a Client
// over a given connection) builds everywhere, so the medium and its models
// can be developed and tested on any system.
var ErrNeedsLinux = errors.New("mac80211_hwsim needs Linux")

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
	return DialIn(ctx, Netns{})
}

// DialIn is Dial in network namespace ns: it sees, lists and deletes the
// radios that are in ns now.
func DialIn(ctx context.Context, ns Netns) (*Client, error) {
	conn, err := dialGenetlinkIn(ns)
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
