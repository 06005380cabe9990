package hwsim

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// FoundRadio is a radio that FindRadios found.
type FoundRadio struct {
	// ID is the radio's index in mac80211_hwsim.
	ID uint32
	// Name is its wiphy name.
	Name string
	// Wiphy is its wiphy index, when WiphyKnown. cfg80211 never gives an
	// index twice (until it is reloaded), so it tells a radio from
	// another of the same name made after a module reload.
	Wiphy      uint32
	WiphyKnown bool
	// Netns is the network namespace it is in now.
	Netns Netns
	// HWAddr is its hwsim address (ADDR_TRANSMITTER of its frames).
	// HWAddrExact says the kernel reported it (sysfs); otherwise it is
	// derived from the radio's id or its interfaces' addresses, which is
	// right unless a radio created with a permanent address had every
	// interface's address changed: the medium corrects it when the radio
	// first transmits.
	HWAddr      mac.Addr
	HWAddrExact bool
	// Ifaces are its interfaces, in the kernel's order.
	Ifaces []Interface
}

// Iface returns the name of the radio's first interface with a netdev,
// or "".
func (r *FoundRadio) Iface() string {
	for _, ifc := range r.Ifaces {
		if ifc.Index != 0 && ifc.Name != "" {
			return ifc.Name
		}
	}
	return ""
}

// DefaultHWAddr is the hwsim address the kernel gives radio id when it is
// created without a permanent address: 02:00:00:II:II:00 (its permanent
// address) with 0x40 set in the first byte.
func DefaultHWAddr(id uint32) mac.Addr {
	return mac.Addr{0x42, 0, 0, byte(id >> 8), byte(id), 0}
}

// defaultPermAddr is the permanent address of a radio created without one.
func defaultPermAddr(id uint32) mac.Addr {
	return mac.Addr{0x02, 0, 0, byte(id >> 8), byte(id), 0}
}

// FindRadios lists the hwsim radios of every network namespace it can see
// (Namespaces), with their interfaces and addresses: the radios of this
// namespace, and those moved elsewhere, which netlink shows only to
// sockets of their namespace. A namespace that cannot be looked into (it
// went away meanwhile, say) is skipped and reported in skipped; err is
// set only when this namespace's radios cannot be listed.
//
// The kernel does not say which medium a radio belongs to: radios that
// another namespace created, with a medium of its own, are listed too (and
// never transmit to this one).
func FindRadios(ctx context.Context) (found []FoundRadio, skipped []error, err error) {
	nss, err := Namespaces()
	if err != nil {
		return nil, nil, err
	}
	seen := map[uint32]bool{}
	for i, ns := range nss {
		rs, err := RadiosIn(ctx, ns)
		if err != nil {
			if i == 0 {
				return nil, nil, err
			}
			if ctx.Err() != nil {
				return found, skipped, ctx.Err()
			}
			skipped = append(skipped, err)
			continue
		}
		for _, r := range rs {
			if !seen[r.ID] {
				seen[r.ID] = true
				found = append(found, r)
			}
		}
	}
	return found, skipped, nil
}

// RadiosIn lists the hwsim radios that are in network namespace ns now.
func RadiosIn(ctx context.Context, ns Netns) ([]FoundRadio, error) {
	c, err := DialIn(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("look for radios in %s: %w", ns, err)
	}
	defer c.Close()
	radios, err := c.Radios(ctx)
	if err != nil || len(radios) == 0 {
		return nil, err
	}
	nl, err := DialNL80211In(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("look for radios in %s: %w", ns, err)
	}
	defer nl.Close()
	ifaces, err := nl.Interfaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("look for radios in %s: %w", ns, err)
	}
	var wiphys []Wiphy
	for _, r := range radios {
		if idx, ok := sysfsWiphyIndex(nl.sysfs, r.Name); ok {
			wiphys = append(wiphys, Wiphy{Index: idx, Name: r.Name})
			continue
		}
		// Not in sysfs (which shows one namespace): ask netlink once.
		if wiphys, err = nl.Wiphys(ctx); err != nil {
			return nil, fmt.Errorf("look for radios in %s: %w", ns, err)
		}
		break
	}
	return joinRadios(ns, radios, wiphys, ifaces, func(name string, idx uint32) (mac.Addr, bool) {
		return sysfsHWAddr(nl.sysfs, name, idx)
	}), nil
}

// joinRadios puts together what one namespace reports: hwsim's radios
// (id, wiphy name), the wiphys (name, index) and the interfaces (wiphy
// index). exact returns a radio's hwsim address when the kernel shows it.
func joinRadios(ns Netns, radios []RadioInfo, wiphys []Wiphy, ifaces []Interface, exact func(name string, idx uint32) (mac.Addr, bool)) []FoundRadio {
	index := map[string]uint32{}
	for _, w := range wiphys {
		index[w.Name] = w.Index
	}
	out := make([]FoundRadio, 0, len(radios))
	for _, r := range radios {
		fr := FoundRadio{ID: r.ID, Name: r.Name, Netns: ns}
		idx, haveIdx := index[r.Name]
		if haveIdx {
			fr.Wiphy, fr.WiphyKnown = idx, true
			for _, ifc := range ifaces {
				if ifc.Wiphy == idx {
					fr.Ifaces = append(fr.Ifaces, ifc)
				}
			}
			fr.HWAddr, fr.HWAddrExact = exact(r.Name, idx)
		}
		if !fr.HWAddrExact {
			fr.HWAddr = deriveHWAddr(r.ID, fr.Ifaces)
		}
		out = append(out, fr)
	}
	return out
}

// deriveHWAddr guesses the hwsim address of radio id from its interfaces:
// the default one when an interface has the default permanent address (or
// there is none), else the first interface's address, which is the
// radio's permanent address unless someone changed it, and a radio
// created with a permanent address uses it as its hwsim address.
func deriveHWAddr(id uint32, ifaces []Interface) mac.Addr {
	perm := defaultPermAddr(id)
	var first *Interface
	for i := range ifaces {
		ifc := &ifaces[i]
		if ifc.Addr == perm {
			return DefaultHWAddr(id)
		}
		if first == nil && !ifc.Addr.IsZero() {
			first = ifc
		}
	}
	if first == nil {
		return DefaultHWAddr(id)
	}
	return first.Addr
}

// sysfsHWAddr reads the hwsim address of wiphy name from dir/name: the
// second of its addresses (mac80211_hwsim gives every radio two, the
// permanent one and the one it routes by), if its index is idx. Wiphy
// names are unique across namespaces, so whatever namespace sysfs shows,
// an entry with the right name and index is the radio's.
func sysfsHWAddr(dir, name string, idx uint32) (mac.Addr, bool) {
	if got, ok := sysfsWiphyIndex(dir, name); !ok || got != idx {
		return mac.Addr{}, false
	}
	b, err := os.ReadFile(filepath.Join(dir, name, "addresses"))
	if err != nil {
		return mac.Addr{}, false
	}
	var addrs []mac.Addr
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		a, err := mac.ParseAddr(string(bytes.TrimSpace(sc.Bytes())))
		if err != nil {
			return mac.Addr{}, false
		}
		addrs = append(addrs, a)
	}
	if len(addrs) != 2 {
		return mac.Addr{}, false
	}
	return addrs[1], true
}

// DelRadiosAnywhere deletes the radios whose wiphys are called names, in
// whichever network namespaces they are now (DEL_RADIO works only in a
// radio's own namespace). c is a Client of this namespace, tried first.
// Names no namespace holds are not an error: the radio is gone already.
func DelRadiosAnywhere(ctx context.Context, c *Client, names []string) error {
	var errs, elsewhere []string
	var firstErr error
	for _, name := range names {
		err := c.DelRadioByName(ctx, name)
		switch {
		case err == nil:
		case errors.Is(err, syscall.ENODEV):
			elsewhere = append(elsewhere, name)
		default:
			errs = append(errs, name)
			firstErr = cmp.Or(firstErr, err)
		}
	}
	if len(elsewhere) > 0 {
		found, _, err := FindRadios(ctx)
		if err != nil {
			return fmt.Errorf("delete radios in other network namespaces: %w", err)
		}
		clients := map[uint64]*Client{}
		defer func() {
			for _, c := range clients {
				c.Close()
			}
		}()
		for _, r := range found {
			if r.Netns.Own() || !slices.Contains(elsewhere, r.Name) {
				continue
			}
			nc := clients[r.Netns.id]
			if nc == nil {
				if nc, err = DialIn(ctx, r.Netns); err != nil {
					errs = append(errs, r.Name)
					firstErr = cmp.Or(firstErr, err)
					continue
				}
				clients[r.Netns.id] = nc
			}
			if err := nc.DelRadioByName(ctx, r.Name); err != nil && !errors.Is(err, syscall.ENODEV) {
				errs = append(errs, r.Name)
				firstErr = cmp.Or(firstErr, fmt.Errorf("in %s: %w", r.Netns, err))
			}
		}
	}
	if firstErr != nil {
		return fmt.Errorf("could not delete %d radio(s) (%s): %w", len(errs), strings.Join(errs, ", "), firstErr)
	}
	return nil
}

// ieee80211Class is the sysfs class directory of wiphys.
const ieee80211Class = "/sys/class/ieee80211"

// SysfsWiphyIndex returns the index of the wiphy called name, if sysfs
// shows it.
func SysfsWiphyIndex(name string) (uint32, bool) { return sysfsWiphyIndex(ieee80211Class, name) }

// SysfsHWAddr returns the hwsim address of the radio whose wiphy is called
// name, if sysfs shows that wiphy (it shows those of one network
// namespace, normally this one).
func SysfsHWAddr(name string) (mac.Addr, bool) {
	idx, ok := sysfsWiphyIndex(ieee80211Class, name)
	if !ok {
		return mac.Addr{}, false
	}
	return sysfsHWAddr(ieee80211Class, name, idx)
}
