package hwsim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// netnsDir is where `ip netns add` pins named namespaces.
const netnsDir = "/run/netns"

// Namespaces returns the medium's own network namespace first, then every
// other one it can find: the named ones under /run/netns (ip netns), then
// those of running processes (/proc/PID/ns/net, which finds containers'
// namespaces), each once. Namespaces it may not look at (not root) are
// left out.
func Namespaces() ([]Netns, error) {
	own, err := nsID("/proc/self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("list network namespaces: %w", err)
	}
	out := []Netns{{id: own}}
	seen := map[uint64]bool{own: true}
	add := func(name, path string) {
		id, err := nsID(path)
		if err != nil || seen[id] {
			return
		}
		seen[id] = true
		out = append(out, Netns{Name: name, path: path, id: id})
	}
	if ents, err := os.ReadDir(netnsDir); err == nil {
		for _, e := range ents {
			add(e.Name(), filepath.Join(netnsDir, e.Name()))
		}
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return out, nil
	}
	for _, p := range procs {
		if _, err := strconv.Atoi(p.Name()); err != nil {
			continue
		}
		add("pid "+p.Name(), filepath.Join("/proc", p.Name(), "ns", "net"))
	}
	return out, nil
}

// nsID returns the inode of a namespace file, which identifies the
// namespace.
func nsID(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// dialGenetlinkIn opens a generic-netlink socket in ns. The socket stays
// in that namespace for its whole life; the netlink library switches one
// locked thread there and back to create it.
func dialGenetlinkIn(ns Netns) (*genetlink.Conn, error) {
	if ns.Own() {
		return dialGenetlink()
	}
	f, err := os.Open(ns.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("network namespace %s: %w", ns.Name, ErrNetnsGone)
		}
		return nil, fmt.Errorf("network namespace %s: %w", ns.Name, err)
	}
	defer f.Close()
	// Namespaces are told apart by inode: the path may now lead to
	// another one (a process that exited and a pid reused).
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Ino != ns.id {
		return nil, fmt.Errorf("network namespace %s: %w", ns.Name, ErrNetnsGone)
	}
	c, err := genetlink.Dial(&netlink.Config{NetNS: int(f.Fd())})
	if err != nil {
		return nil, fmt.Errorf("open a netlink socket in network namespace %s: %w", ns.Name, err)
	}
	return c, nil
}
