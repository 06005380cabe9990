package hwsim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// The few pieces of nl80211 (include/uapi/linux/nl80211.h) needed to give
// radios interfaces of our own naming.
const (
	nl80211FamilyName = "nl80211"

	nl80211CmdGetWiphy     uint8 = 1 // NL80211_CMD_GET_WIPHY
	nl80211CmdGetInterface uint8 = 5 // NL80211_CMD_GET_INTERFACE
	nl80211CmdNewInterface uint8 = 7 // NL80211_CMD_NEW_INTERFACE

	nl80211AttrWiphy          uint16 = 1    // NL80211_ATTR_WIPHY (u32)
	nl80211AttrWiphyName      uint16 = 2    // NL80211_ATTR_WIPHY_NAME (string)
	nl80211AttrIfindex        uint16 = 3    // NL80211_ATTR_IFINDEX (u32)
	nl80211AttrIfname         uint16 = 4    // NL80211_ATTR_IFNAME (string)
	nl80211AttrIftype         uint16 = 5    // NL80211_ATTR_IFTYPE (u32)
	nl80211AttrMAC            uint16 = 6    // NL80211_ATTR_MAC (6 bytes)
	nl80211AttrWdev           uint16 = 0x99 // NL80211_ATTR_WDEV (u64)
	nl80211AttrSplitWiphyDump uint16 = 0xae // NL80211_ATTR_SPLIT_WIPHY_DUMP (flag)

	// nl80211IftypeP2PDevice is NL80211_IFTYPE_P2P_DEVICE: an interface
	// without a netdev, hence without an ifindex.
	nl80211IftypeP2PDevice = 10
)

// ErrNoNL80211 reports that the kernel has no nl80211 family (cfg80211 is
// not loaded).
var ErrNoNL80211 = errors.New("generic netlink family nl80211 not found: the cfg80211 kernel module is not loaded")

// ErrNoWiphy reports that no wiphy of the requested name exists in the
// socket's network namespace.
var ErrNoWiphy = errors.New("no such wiphy")

// NL80211 is a minimal nl80211 client: it finds wiphys by name and creates
// interfaces on them. It is safe for concurrent use; requests are
// serialised.
type NL80211 struct {
	req genlRequester
	// sysfs is the ieee80211 sysfs class directory WiphyIndex reads
	// first; "" skips it.
	sysfs string
}

// DialNL80211 opens a generic-netlink socket in the calling thread's network
// namespace and resolves the nl80211 family on it.
func DialNL80211(ctx context.Context) (*NL80211, error) {
	return DialNL80211In(ctx, Netns{})
}

// DialNL80211In is DialNL80211 in network namespace ns: it sees the wiphys
// and interfaces that are in ns now.
func DialNL80211In(ctx context.Context, ns Netns) (*NL80211, error) {
	conn, err := dialGenetlinkIn(ns)
	if err != nil {
		return nil, fmt.Errorf("dial generic netlink: %w", err)
	}
	_ = conn.SetOption(netlink.ExtendedAcknowledge, true)
	n, err := NewNL80211(ctx, conn)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	return n, nil
}

// NewNL80211 resolves the nl80211 family on an existing connection and
// returns a client that owns it. It mainly serves tests; programs use
// DialNL80211.
func NewNL80211(ctx context.Context, conn *genetlink.Conn) (*NL80211, error) {
	fam, err := resolveFamily(ctx, conn, nl80211FamilyName, ErrNoNL80211)
	if err != nil {
		return nil, err
	}
	return &NL80211{req: genlRequester{conn: conn, family: fam}, sysfs: ieee80211Class}, nil
}

// Close closes the socket.
func (n *NL80211) Close() error {
	return n.req.conn.Close()
}

// Wiphy identifies a wireless PHY.
type Wiphy struct {
	// Index is the wiphy index (NL80211_ATTR_WIPHY), the number in "phyN"
	// of a default-named wiphy.
	Index uint32
	// Name is the wiphy name.
	Name string
}

// parseWiphy reads the index and name of one GET_WIPHY message. Everything
// else (bands, commands, ...) is ignored, so it also accepts the partial
// messages of a split dump.
func parseWiphy(b []byte) (Wiphy, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return Wiphy{}, fmt.Errorf("decode wiphy attributes: %w", err)
	}
	var w Wiphy
	var haveIndex, haveName bool
	for ad.Next() {
		switch ad.Type() {
		case nl80211AttrWiphy:
			w.Index = ad.Uint32()
			haveIndex = true
		case nl80211AttrWiphyName:
			w.Name = ad.String()
			haveName = true
		}
	}
	if err := ad.Err(); err != nil {
		return Wiphy{}, fmt.Errorf("decode wiphy attributes: %w", err)
	}
	if !haveIndex || !haveName {
		return Wiphy{}, errors.New("decode wiphy attributes: wiphy index or name missing")
	}
	return w, nil
}

// Wiphys lists the wiphys of the socket's network namespace. It asks for a
// split dump (one wiphy arrives as several messages) and returns each wiphy
// once, in the order first seen.
func (n *NL80211) Wiphys(ctx context.Context) ([]Wiphy, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Flag(nl80211AttrSplitWiphyDump, true)
	attrs, err := ae.Encode()
	if err != nil {
		return nil, fmt.Errorf("list wiphys: %w", err)
	}
	msgs, _, err := n.req.execute(ctx, nl80211CmdGetWiphy, attrs, netlink.Dump)
	if err != nil {
		return nil, fmt.Errorf("list wiphys: %w", kernelErr(err))
	}
	var out []Wiphy
	seen := make(map[uint32]bool)
	for _, m := range msgs {
		w, err := parseWiphy(m.Data)
		if err != nil {
			return nil, fmt.Errorf("list wiphys: %w", err)
		}
		if seen[w.Index] {
			continue
		}
		seen[w.Index] = true
		out = append(out, w)
	}
	return out, nil
}

// WiphyIndex returns the index of the wiphy called name, or an error
// wrapping ErrNoWiphy. It reads sysfs first: nl80211 cannot look a wiphy
// up by name, and a dump of every wiphy per lookup made creating N radios
// take O(N²) time (200 radios: 78 s in the test VM).
func (n *NL80211) WiphyIndex(ctx context.Context, name string) (uint32, error) {
	if idx, ok := sysfsWiphyIndex(n.sysfs, name); ok {
		return idx, nil
	}
	ws, err := n.Wiphys(ctx)
	if err != nil {
		return 0, fmt.Errorf("find wiphy %q: %w", name, err)
	}
	for _, w := range ws {
		if w.Name == name {
			return w.Index, nil
		}
	}
	return 0, fmt.Errorf("find wiphy %q: %w", name, ErrNoWiphy)
}

// sysfsWiphyIndex reads dir/name/index. Wiphy names are unique across
// network namespaces, so an index found there is the right one even when
// sysfs shows another namespace; anything unexpected defers to the dump.
func sysfsWiphyIndex(dir, name string) (uint32, bool) {
	if dir == "" || name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return 0, false
	}
	b, err := os.ReadFile(filepath.Join(dir, name, "index"))
	if err != nil {
		return 0, false
	}
	idx, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(idx), true
}

// Interface is what the kernel reports about an interface.
type Interface struct {
	// Index is the netdev ifindex (0 for interfaces without a netdev,
	// such as P2P devices).
	Index int
	// Name is the interface name.
	Name string
	// Wiphy is the index of the wiphy the interface belongs to.
	Wiphy uint32
	// Wdev is the wireless-device identifier.
	Wdev uint64
	// Addr is the interface's MAC address, the one 802.11 headers carry.
	Addr mac.Addr
	// Type is the interface type (Iftype*, an nl80211_iftype).
	Type uint32
}

// parseInterface decodes the attributes of a NEW_INTERFACE reply.
func parseInterface(b []byte) (Interface, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return Interface{}, fmt.Errorf("decode interface attributes: %w", err)
	}
	var ifc Interface
	for ad.Next() {
		switch ad.Type() {
		case nl80211AttrIfindex:
			ifc.Index = int(ad.Uint32())
		case nl80211AttrIfname:
			ifc.Name = ad.String()
		case nl80211AttrWiphy:
			ifc.Wiphy = ad.Uint32()
		case nl80211AttrWdev:
			ifc.Wdev = ad.Uint64()
		case nl80211AttrMAC:
			if b := ad.Bytes(); len(b) == len(ifc.Addr) {
				copy(ifc.Addr[:], b)
			}
		case nl80211AttrIftype:
			ifc.Type = ad.Uint32()
		}
	}
	if err := ad.Err(); err != nil {
		return Interface{}, fmt.Errorf("decode interface attributes: %w", err)
	}
	return ifc, nil
}

// NewInterface creates an interface called ifname of type iftype (Iftype*,
// an nl80211_iftype) on the wiphy called wiphyName and returns its ifindex.
// The interface is created down. Creating a radio with RadioConfig.NoVIF and
// then calling NewInterface gives the radio exactly the interface names we
// want. For a P2P device (which has no netdev) the ifindex is 0.
func (n *NL80211) NewInterface(ctx context.Context, wiphyName string, ifname string, iftype uint32) (int, error) {
	what := fmt.Sprintf("create interface %s on %s", ifname, wiphyName)
	idx, err := n.WiphyIndex(ctx, wiphyName)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(nl80211AttrWiphy, idx)
	ae.String(nl80211AttrIfname, ifname)
	ae.Uint32(nl80211AttrIftype, iftype)
	attrs, err := ae.Encode()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	// The kernel answers with a NEW_INTERFACE message (no ack requested).
	msgs, _, err := n.req.execute(ctx, nl80211CmdNewInterface, attrs, 0)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, kernelErr(err))
	}
	if len(msgs) == 0 {
		return 0, fmt.Errorf("%s: empty reply", what)
	}
	ifc, err := parseInterface(msgs[0].Data)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if ifc.Index == 0 && iftype != nl80211IftypeP2PDevice {
		return 0, fmt.Errorf("%s: reply carries no ifindex", what)
	}
	return ifc.Index, nil
}

// Interfaces lists the wireless interfaces of the socket's network
// namespace (a GET_INTERFACE dump), P2P devices included.
func (n *NL80211) Interfaces(ctx context.Context) ([]Interface, error) {
	for try := 0; ; try++ {
		msgs, flags, err := n.req.execute(ctx, nl80211CmdGetInterface, nil, netlink.Dump)
		if err != nil {
			return nil, fmt.Errorf("list interfaces: %w", kernelErr(err))
		}
		if flags&netlink.DumpInterrupted != 0 && try+1 < dumpRetries {
			continue
		}
		if flags&netlink.DumpInterrupted != 0 {
			return nil, fmt.Errorf("list interfaces: %w", errDumpInterrupted)
		}
		out := make([]Interface, 0, len(msgs))
		for _, m := range msgs {
			ifc, err := parseInterface(m.Data)
			if err != nil {
				return nil, fmt.Errorf("list interfaces: %w", err)
			}
			if ifc.Name == "" && ifc.Wdev == 0 {
				continue // header-only message
			}
			out = append(out, ifc)
		}
		return out, nil
	}
}
