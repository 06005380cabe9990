package medium

import (
	"fmt"
	"math/bits"
	"net/netip"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// SystemIfaces is the IfaceLister of the calling process's network
// namespace: its wireless interfaces (those with a wiphy in sysfs) and
// each one's primary IPv4 address.
//
// It must not use rtnetlink (net.Interfaces does): mac80211_hwsim (6.1)
// destroys the radios a netlink socket created with destroy-on-close when
// any netlink socket with the same port ID is released, whatever its
// protocol. A NETLINK_ROUTE socket autobinds to the process ID first, the
// port ID the medium's radio-creating socket has, so closing it deleted
// every radio the medium had made (seen in the VM: "radio gone" for all
// radios at the first check). sysfs and ioctls on an AF_INET socket open
// no netlink socket.
func SystemIfaces() ([]Iface, error) {
	const root = "/sys/class/net/"
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("listing network interfaces: %w", err)
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening a socket to read interface addresses: %w", err)
	}
	defer unix.Close(fd)
	var out []Iface
	for _, e := range ents {
		name := e.Name()
		phy, err := os.ReadFile(root + name + "/phy80211/name")
		if err != nil {
			continue // not a wireless interface, or gone meanwhile
		}
		hw, err := os.ReadFile(root + name + "/address")
		if err != nil {
			continue
		}
		addr, err := mac.ParseAddr(strings.TrimSpace(string(hw)))
		if err != nil {
			continue
		}
		ifc := Iface{Name: name, Addr: addr, Phy: strings.TrimSpace(string(phy))}
		if p, ok := primaryIPv4(fd, name); ok {
			ifc.Nets = append(ifc.Nets, p)
		}
		out = append(out, ifc)
	}
	return out, nil
}

// primaryIPv4 is the interface's primary IPv4 address and prefix length
// (SIOCGIFADDR, SIOCGIFNETMASK); false when it has none.
func primaryIPv4(fd int, name string) (netip.Prefix, bool) {
	get := func(req uint) (netip.Addr, bool) {
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return netip.Addr{}, false
		}
		if err := unix.IoctlIfreq(fd, req, ifr); err != nil {
			return netip.Addr{}, false // EADDRNOTAVAIL: no address
		}
		b, err := ifr.Inet4Addr()
		if err != nil {
			return netip.Addr{}, false
		}
		return netip.AddrFrom4([4]byte(b)), true
	}
	ip, ok := get(unix.SIOCGIFADDR)
	if !ok {
		return netip.Prefix{}, false
	}
	mask, ok := get(unix.SIOCGIFNETMASK)
	if !ok {
		return netip.Prefix{}, false
	}
	m := mask.As4()
	ones := bits.OnesCount32(uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3]))
	return netip.PrefixFrom(ip, ones), true
}
