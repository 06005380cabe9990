package medium

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Two radios whose interfaces share one network namespace and hold
// addresses in one IP subnet never carry IP traffic over the air: the
// kernel owns both addresses and routes between them locally. Association
// and EAPOL still cross the medium, so everything looks fine until someone
// wonders why a ping is unaffected by the air. It is the most common "it
// doesn't work" report against wmediumd (cozybit/wmediumd#5), so the
// medium says so.
//
// The medium runs in the network namespace where its radios are created.
// An interface moved into another namespace (the normal layout) is no
// longer visible there, so "both interfaces are visible to the medium, with
// IPv4 addresses in one subnet" is exactly the mistake, seen from here. The
// per-frame path only notes, once per pair of radios, that the pair has
// exchanged a unicast frame; a goroutine of its own looks the interfaces up,
// right away and again every netnsRecheck (addresses are often assigned
// after association) until it has warned about the pair.

// netnsRecheck is how often pairs not yet warned about are looked at again.
const netnsRecheck = 10 * time.Second

// Iface is a network interface in the medium's own network namespace.
type Iface struct {
	// Name is the interface name (vw0).
	Name string
	// Addr is its hardware address: the address its frames carry.
	Addr mac.Addr
	// Phy is the wiphy it belongs to (vw_phy0), "" if unknown.
	Phy string
	// Nets are its IPv4 addresses with their prefix lengths.
	Nets []netip.Prefix
}

// IfaceLister lists the network interfaces of the medium's own network
// namespace. An interface moved to another namespace is not among them.
type IfaceLister func() ([]Iface, error)

// pairing is two radios that have exchanged a unicast frame, by the
// interface addresses the frame carried.
type pairing struct {
	a, b         mac.Addr
	aName, bName string // the radios' names, for the warning
	bPhy, aPhy   string // their wiphy names, when the medium knows them
}

// pairLocked notes that tx sent a unicast frame (from ta) to rx (at ra),
// the first between the two. It never blocks: when the checker is behind,
// the pair stays unnoted and a later frame notes it.
func (m *Medium) pairLocked(tx, rx *radio, ta, ra mac.Addr) {
	if m.ifaces == nil {
		return
	}
	select {
	case m.pairs <- pairing{a: ta, b: ra, aName: tx.displayName(), bName: rx.displayName(), aPhy: tx.Name, bPhy: rx.Name}:
		tx.paired[rx.ID], rx.paired[tx.ID] = true, true
	default:
	}
}

// startNetnsCheck runs the shared-namespace check until ctx ends or the
// returned stop is called; stop waits for it.
func (m *Medium) startNetnsCheck(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if m.ifaces != nil {
		wg.Go(func() { m.watchNetns(ctx) })
	}
	return func() { cancel(); wg.Wait() }
}

func (m *Medium) watchNetns(ctx context.Context) {
	var pending []pairing
	timer := m.clock.NewTimer(m.netnsRecheck)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-m.pairs:
			pending = append(pending, p)
			// One listing for a burst of new pairs.
			for more := true; more; {
				select {
				case p := <-m.pairs:
					pending = append(pending, p)
				default:
					more = false
				}
			}
		case <-timer.C():
			timer.Reset(m.netnsRecheck)
		}
		pending = m.checkPairs(pending)
	}
}

// checkPairs warns about the pairs whose interfaces share the medium's
// namespace and a subnet, and returns the others.
func (m *Medium) checkPairs(pending []pairing) []pairing {
	if len(pending) == 0 {
		return pending
	}
	ifs, err := m.ifaces()
	if err != nil {
		m.log.Debug("shared-namespace check: cannot list interfaces", "err", err)
		return pending
	}
	byAddr := make(map[mac.Addr]*Iface, len(ifs))
	for i := range ifs {
		byAddr[ifs[i].Addr] = &ifs[i]
	}
	return slices.DeleteFunc(pending, func(p pairing) bool {
		a, b := byAddr[p.a], byAddr[p.b]
		if a == nil || b == nil {
			return false
		}
		na, nb, ok := sharedSubnet(a.Nets, b.Nets)
		if !ok {
			return false
		}
		phy := cmp.Or(b.Phy, p.bPhy)
		m.log.Warn(fmt.Sprintf("interfaces %s (%s) and %s (%s) exchange frames through the medium but share its network namespace and one IP subnet: "+
			"the kernel routes IP between them locally and nothing crosses the air; "+
			"move one into a namespace of its own: ip netns add ns1 && iw phy %s set netns name ns1",
			a.Name, na, b.Name, nb, phy),
			"ifaces", a.Name+","+b.Name, "radios", p.aName+","+p.bName)
		return true
	})
}

// sharedSubnet finds an address of a and one of b in one subnet.
func sharedSubnet(a, b []netip.Prefix) (netip.Prefix, netip.Prefix, bool) {
	for _, pa := range a {
		for _, pb := range b {
			if pa.Contains(pb.Addr()) || pb.Contains(pa.Addr()) {
				return pa, pb, true
			}
		}
	}
	return netip.Prefix{}, netip.Prefix{}, false
}
