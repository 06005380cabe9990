package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// baseVersion changes whenever the layout of the cached base archive changes.
const baseVersion = "base-v3"

// Host programs copied into the VM (with their shared libraries). The first
// list is required, the second is copied when present.
var (
	requiredTools = []string{
		"bash", "hostapd", "hostapd_cli", "wpa_supplicant", "wpa_cli", "iw",
		"ip", "ping", "iperf3", "tcpdump", "kmod",
	}
	optionalTools = []string{"ss", "tc", "bridge", "ethtool", "strace", "getent"}
)

// Kernel modules loaded at boot (plus their dependencies) and modules copied
// for the tests to load (mac80211_hwsim). Built-in ones are skipped.
var (
	bootModules = []string{
		"ccm", "gcm", "ctr", "cmac", "ghash-generic", "gf128mul", "aes_generic",
		"libaes", "michael_mic", "libarc4", "seqiv", "cfg80211", "mac80211",
		"virtio_pci", "virtio_rng",
	}
	// virtio_net is the network card of -forward; veth links the network
	// namespaces of a federated air's members (TestFederationTwoNamespaces).
	// iwd does its cryptography through the kernel (AF_ALG sockets, the
	// rest are the algorithms it asks for that Debian builds as modules):
	// the iwd tests load iwdModules.
	extraModules = append([]string{"mac80211_hwsim", "virtio_net", "veth"}, iwdModules...)
	iwdModules   = []string{"af_alg", "algif_hash", "algif_skcipher", "cmac", "ecb", "md4",
		"sha512_generic", "des_generic", "pkcs8_key_parser"}
)

type kernel struct {
	Root    string // dir that dpkg-deb -x unpacked into
	Version string // e.g. 6.1.0-56-amd64
	Vmlinuz string
}

func findKernel(cache string) (*kernel, error) {
	root := filepath.Join(cache, "kernel")
	m, _ := filepath.Glob(filepath.Join(root, "boot", "vmlinuz-*"))
	if len(m) == 0 {
		return nil, fmt.Errorf("no kernel in %s/boot: run `make vm-deps` (integration/vm/setup.sh) first", root)
	}
	sort.Strings(m)
	vmlinuz := m[len(m)-1]
	ver := strings.TrimPrefix(filepath.Base(vmlinuz), "vmlinuz-")
	return &kernel{Root: root, Version: ver, Vmlinuz: vmlinuz}, nil
}

func (k *kernel) modDir() string { return filepath.Join(k.Root, "lib", "modules", k.Version) }

// moduleClosure resolves names against the kernel's modules.dep (generated
// with depmod once if the package did not ship it) and returns the relative
// paths of the modules and their dependencies.
func (k *kernel) moduleClosure(names []string) ([]string, error) {
	dep := filepath.Join(k.modDir(), "modules.dep")
	if _, err := os.Stat(dep); err != nil {
		logf("running depmod on %s", k.Root)
		if out, err := exec.Command("depmod", "-b", k.Root, k.Version).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("depmod: %v\n%s", err, out)
		}
	}
	deps := map[string][]string{} // rel path -> deps
	byName := map[string]string{} // normalized name -> rel path
	f, err := os.Open(dep)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		mod, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		deps[mod] = strings.Fields(rest)
		byName[modName(mod)] = mod
	}
	builtin := map[string]bool{}
	if b, err := os.ReadFile(filepath.Join(k.modDir(), "modules.builtin")); err == nil {
		for _, l := range strings.Fields(string(b)) {
			builtin[modName(l)] = true
		}
	}
	seen := map[string]bool{}
	var out []string
	var add func(rel string)
	add = func(rel string) {
		if seen[rel] {
			return
		}
		seen[rel] = true
		for _, d := range deps[rel] {
			add(d)
		}
		out = append(out, rel)
	}
	for _, n := range names {
		nn := strings.ReplaceAll(n, "-", "_")
		if rel, ok := byName[nn]; ok {
			add(rel)
		} else if !builtin[nn] {
			return nil, fmt.Errorf("kernel module %q neither in modules.dep nor built in", n)
		}
	}
	return out, nil
}

func modName(rel string) string {
	b := filepath.Base(rel)
	b = b[:strings.Index(b, ".ko")]
	return strings.ReplaceAll(b, "-", "_")
}

// ldd returns the shared libraries (including the dynamic loader) a binary needs.
func ldd(bin string) ([]string, error) {
	out, err := exec.Command("ldd", bin).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("not a dynamic executable")) || bytes.Contains(out, []byte("statically linked")) {
			return nil, nil
		}
		return nil, fmt.Errorf("ldd %s: %v\n%s", bin, err, out)
	}
	var libs []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "linux-vdso") {
			continue
		}
		if _, after, ok := strings.Cut(l, "=> "); ok {
			l = after
		}
		p := strings.Fields(l)[0]
		if strings.HasPrefix(p, "/") {
			libs = append(libs, p)
		} else if p == "not" {
			return nil, fmt.Errorf("ldd %s: missing library: %s", bin, l)
		}
	}
	return libs, nil
}

// canonical maps a host path to the path it gets in the VM: directories are
// resolved (so /lib/x86_64-linux-gnu becomes /usr/lib/x86_64-linux-gnu,
// matching the /lib -> usr/lib symlink in the VM) but the file name is kept
// (a soname link stays under its soname).
func canonical(p string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return p
	}
	return filepath.Join(dir, filepath.Base(p))
}

type baseSpec struct {
	tools   map[string]string // name -> host path
	libs    []string
	modules []string // rel paths under kernel modDir
	busybox string
}

func collectBase(k *kernel) (*baseSpec, error) {
	s := &baseSpec{tools: map[string]string{}}
	libSet := map[string]bool{}
	for i, list := range [][]string{requiredTools, optionalTools} {
		for _, name := range list {
			p, err := exec.LookPath(name)
			if err != nil {
				if i == 0 {
					return nil, fmt.Errorf("%s not found on the host: run `make vm-deps`", name)
				}
				continue
			}
			s.tools[name] = p
			libs, err := ldd(p)
			if err != nil {
				return nil, err
			}
			for _, l := range libs {
				libSet[l] = true
			}
		}
	}
	for l := range libSet {
		s.libs = append(s.libs, l)
	}
	sort.Strings(s.libs)
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return nil, fmt.Errorf("busybox not found: run `make vm-deps`")
	}
	if libs, _ := ldd(bb); len(libs) > 0 {
		return nil, fmt.Errorf("%s is dynamically linked; install busybox-static", bb)
	}
	s.busybox = bb
	mods, err := k.moduleClosure(append(append([]string{}, bootModules...), extraModules...))
	if err != nil {
		return nil, err
	}
	s.modules = mods
	return s, nil
}

// key hashes everything the base archive depends on.
func (s *baseSpec) key(k *kernel) string {
	h := sha256.New()
	fmt.Fprintln(h, baseVersion, k.Version, bootModules, extraModules)
	stamp := func(p string) {
		st, err := os.Stat(p)
		if err == nil {
			fmt.Fprintln(h, p, st.Size(), st.ModTime().UnixNano())
		} else {
			fmt.Fprintln(h, p, "missing")
		}
	}
	names := make([]string, 0, len(s.tools))
	for n := range s.tools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		stamp(s.tools[n])
	}
	for _, l := range s.libs {
		stamp(l)
	}
	stamp(s.busybox)
	stamp(k.Vmlinuz)
	for _, m := range s.modules {
		fmt.Fprintln(h, m)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// buildBase returns the path of the cached base archive, building it if needed.
func buildBase(cache string, k *kernel) (string, error) {
	s, err := collectBase(k)
	if err != nil {
		return "", err
	}
	key := s.key(k)
	out := filepath.Join(cache, "initramfs-base-"+key+".cpio")
	if _, err := os.Stat(out); err == nil {
		logf("initramfs base cached: %s", filepath.Base(out))
		return out, nil
	}
	t0 := time.Now()
	old, _ := filepath.Glob(filepath.Join(cache, "initramfs-base-*.cpio"))
	for _, o := range old {
		os.Remove(o)
	}

	// Stage the module subset and run depmod on it so that modprobe in the
	// VM has consistent modules.dep(.bin) files.
	modroot := filepath.Join(cache, "modroot")
	os.RemoveAll(modroot)
	mdir := filepath.Join(modroot, "lib", "modules", k.Version)
	for _, rel := range s.modules {
		dst := filepath.Join(mdir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := copyFile(filepath.Join(k.modDir(), rel), dst); err != nil {
			return "", err
		}
	}
	for _, f := range []string{"modules.builtin", "modules.builtin.modinfo", "modules.order"} {
		if err := copyFile(filepath.Join(k.modDir(), f), filepath.Join(mdir, f)); err != nil {
			return "", err
		}
	}
	if o, err := exec.Command("depmod", "-b", modroot, k.Version).CombinedOutput(); err != nil {
		return "", fmt.Errorf("depmod on module subset: %v\n%s", err, o)
	}

	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	defer f.Close()
	c := newCpioWriter(f)
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/local/bin",
		"etc", "proc", "sys", "dev", "run", "tmp", "root", "var", "mnt"} {
		if err := c.Mkdir(d, 0o755); err != nil {
			return "", err
		}
	}
	c.Mkdir("tmp", 0o1777)
	c.Symlink("lib", "usr/lib")
	c.Symlink("lib64", "usr/lib64")
	c.Symlink("var/run", "../run")
	c.Mkdir("var/tmp", 0o1777)
	c.Mkdir("var/lib", 0o755)

	// busybox and its applets (only where no real tool takes the name).
	if err := c.File("bin/busybox", s.busybox, 0o755); err != nil {
		return "", err
	}
	applets, err := exec.Command(s.busybox, "--list-full").Output()
	if err != nil {
		return "", fmt.Errorf("busybox --list-full: %v", err)
	}
	realNames := map[string]bool{"modprobe": true, "insmod": true, "rmmod": true, "lsmod": true,
		"depmod": true, "modinfo": true, "ip": true, "ping": true, "bash": true, "sh": false}
	for n := range s.tools {
		realNames[n] = true
	}
	for _, a := range strings.Fields(string(applets)) {
		if realNames[filepath.Base(a)] {
			continue
		}
		// Keep applets in /bin and /sbin; /usr/bin and /usr/sbin hold real tools.
		dst := "bin/" + filepath.Base(a)
		if strings.HasPrefix(a, "sbin/") || strings.HasPrefix(a, "usr/sbin/") {
			dst = "sbin/" + filepath.Base(a)
		}
		if !c.Has(dst) {
			c.Symlink(dst, "/bin/busybox")
		}
	}
	// Real tools at their host paths; kmod gets its usual names.
	for name, p := range s.tools {
		dst := canonicalTool(p)
		if err := c.File(dst, p, 0o755); err != nil {
			return "", err
		}
		if name == "bash" {
			c.Symlink("bin/bash", "/"+clean(dst))
		}
	}
	kmod := "/" + clean(canonicalTool(s.tools["kmod"]))
	for _, n := range []string{"modprobe", "insmod", "rmmod", "lsmod", "depmod", "modinfo"} {
		c.Symlink("usr/sbin/"+n, kmod)
		c.Symlink("sbin/"+n, kmod)
	}
	for _, l := range s.libs {
		if err := c.File(canonical(l), l, 0); err != nil {
			return "", err
		}
	}
	// Modules.
	err = filepath.Walk(modroot, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(modroot, p)
		return c.File("usr/"+rel, p, 0o644)
	})
	if err != nil {
		return "", err
	}
	// Users and groups: hostapd.conf uses ctrl_interface_group=wheel.
	c.Bytes("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"))
	c.Bytes("etc/group", 0o644, []byte("root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n"))
	c.Bytes("etc/nsswitch.conf", 0o644, []byte("passwd: files\ngroup: files\nhosts: files\n"))
	c.Bytes("etc/hosts", 0o644, []byte("127.0.0.1 localhost\n"))
	c.Bytes("etc/protocols", 0o644, []byte("ip 0 IP\nicmp 1 ICMP\ntcp 6 TCP\nudp 17 UDP\n"))
	c.Mkdir("etc/iproute2", 0o755)
	c.Mkdir("run/netns", 0o755)
	if err := c.Close(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	st, _ := os.Stat(out)
	logf("initramfs base built in %.1fs: %s (%d MB, %d tools, %d libs, %d modules)",
		time.Since(t0).Seconds(), filepath.Base(out), st.Size()>>20, len(s.tools), len(s.libs), len(s.modules))
	return out, nil
}

// canonicalTool is where a host tool goes in the VM: its lookup path with
// the directory resolved (/usr/sbin/ip stays /usr/sbin/ip even though it is
// a symlink to /usr/bin/ip on the host; /sbin/x becomes /usr/sbin/x).
func canonicalTool(p string) string { return canonical(p) }

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// overlay describes the per-run part of the initramfs.
type overlay struct {
	binDir   string // project binaries, copied to /usr/local/bin
	testBin  string // integration test binary, copied to /usr/local/bin/integration.test
	files    map[string][]byte
	execs    map[string][]byte
	hostFile map[string]string // vm path -> host path
}

func buildOverlay(path string, o *overlay) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	c := newCpioWriter(f)
	c.Mkdir("usr/local/bin", 0o755)
	if o.binDir != "" {
		ents, err := os.ReadDir(o.binDir)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		for _, e := range ents {
			p := filepath.Join(o.binDir, e.Name())
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
				continue
			}
			if err := c.File("usr/local/bin/"+e.Name(), p, 0o755); err != nil {
				return err
			}
			logf("overlay: bin/%s", e.Name())
		}
	}
	if o.testBin != "" {
		if err := c.File("usr/local/bin/integration.test", o.testBin, 0o755); err != nil {
			return err
		}
	}
	for vm, host := range o.hostFile {
		if err := c.File(vm, host, 0); err != nil {
			return err
		}
	}
	for name, data := range o.files {
		if err := c.Bytes(name, 0o644, data); err != nil {
			return err
		}
	}
	for name, data := range o.execs {
		if err := c.Bytes(name, 0o755, data); err != nil {
			return err
		}
	}
	if err := c.Close(); err != nil {
		return err
	}
	return f.Close()
}

// concat writes dst = base + overlay (the kernel unpacks concatenated
// archives in order, later entries win).
func concat(dst string, parts ...string) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	for _, p := range parts {
		in, err := os.Open(p)
		if err != nil {
			out.Close()
			return err
		}
		_, err = io.Copy(out, in)
		in.Close()
		if err != nil {
			out.Close()
			return err
		}
	}
	return out.Close()
}
