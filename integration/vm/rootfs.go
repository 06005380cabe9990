package main

import (
	"archive/tar"
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The container image of the privileged-container use (docs/interop.md):
// a root filesystem with the integration test binary, the project's
// binaries and the host's hostapd, wpa_supplicant, iw, ip, ping and kmod
// with their shared libraries, as a tarball for `podman import`. Nothing
// comes from a registry; the image runs on any host whose kernel has
// mac80211_hwsim, with the host's /lib/modules mounted for modprobe.

// imageTools are the host programs the image holds: the integration
// tests' requiredTools (integration/env_test.go), bash for the tests that
// run scripts, and kmod for modprobe.
var imageTools = []string{
	"bash", "hostapd", "hostapd_cli", "wpa_supplicant", "wpa_cli", "iw", "ip", "ping", "kmod",
}

// imageEnv is the image's environment (podman import --change ENV=...):
// the tests find hwsim-medium on PATH.
const imagePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// imageEtc are the few files under /etc the tools need: hostapd.conf
// uses ctrl_interface_group=wheel; the tests' pings and ip need
// protocols and hosts.
var imageEtc = map[string]string{
	"etc/passwd":        "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
	"etc/group":         "root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n",
	"etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
	"etc/hosts":         "127.0.0.1 localhost\n",
	"etc/protocols":     "ip 0 IP\nicmp 1 ICMP\ntcp 6 TCP\nudp 17 UDP\n",
}

// buildRootfs writes the image's root filesystem to out as a tar archive:
// testBin as /usr/local/bin/integration.test, every executable in binDir
// under /usr/local/bin, imageTools and their libraries at their host
// paths (merged /usr: /bin, /sbin, /lib and /lib64 are links into /usr).
func buildRootfs(out, testBin, binDir string) error {
	t0 := time.Now()
	files := map[string]string{} // image path -> host path
	libs := map[string]bool{}
	for _, name := range imageTools {
		p, err := exec.LookPath(name)
		if err != nil {
			return fmt.Errorf("%s not found on the host (needed in the container image): run `make vm-deps`", name)
		}
		files[clean(canonicalTool(p))] = p
		l, err := ldd(p)
		if err != nil {
			return err
		}
		for _, x := range l {
			libs[x] = true
		}
	}
	for l := range libs {
		files[clean(canonical(l))] = l
	}
	files["usr/local/bin/integration.test"] = testBin
	ents, err := os.ReadDir(binDir)
	if err != nil {
		return fmt.Errorf("reading the project binaries for the image: %w (run `make build`)", err)
	}
	for _, e := range ents {
		p := filepath.Join(binDir, e.Name())
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			files["usr/local/bin/"+e.Name()] = p
		}
	}

	f, err := os.Create(out + ".tmp")
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := &tarTree{w: tar.NewWriter(bw), dirs: map[string]bool{}}
	for _, d := range []string{"usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/local/bin", "etc", "proc", "sys",
		"dev", "run", "root", "mnt"} {
		w.dir(d, 0o755)
	}
	w.dir("tmp", 0o1777)
	w.dir("var/tmp", 0o1777)
	for name, target := range map[string]string{"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib",
		"lib64": "usr/lib64", "var/run": "../run", "usr/bin/sh": "bash"} {
		w.symlink(name, target)
	}
	kmod := "/" + clean(canonicalTool(mustLook("kmod")))
	for _, n := range []string{"modprobe", "insmod", "rmmod", "lsmod", "depmod", "modinfo"} {
		w.symlink("usr/sbin/"+n, kmod)
	}
	names := make([]string, 0, len(imageEtc))
	for n := range imageEtc {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w.bytes(n, 0o644, []byte(imageEtc[n]))
	}
	names = names[:0]
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w.file(n, files[n])
	}
	if w.err == nil {
		w.err = w.w.Close()
	}
	if w.err == nil {
		w.err = bw.Flush()
	}
	if w.err != nil {
		return fmt.Errorf("writing the container image %s: %w", out, w.err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(out+".tmp", out); err != nil {
		return err
	}
	st, _ := os.Stat(out)
	logf("container image root filesystem built in %.1fs: %s (%d MB, %d files)",
		time.Since(t0).Seconds(), out, st.Size()>>20, len(files))
	return nil
}

// mustLook is exec.LookPath for a tool buildRootfs already found.
func mustLook(name string) string {
	p, _ := exec.LookPath(name)
	return p
}

// tarTree writes a tar archive whose entries' parent directories come
// first; the first error sticks.
type tarTree struct {
	w    *tar.Writer
	dirs map[string]bool
	err  error
}

func (t *tarTree) header(h *tar.Header) {
	if t.err != nil {
		return
	}
	if d := path.Dir(strings.TrimSuffix(h.Name, "/")); d != "." && !t.dirs[d] {
		t.dir(d, 0o755)
	}
	h.Uname, h.Gname = "root", "root"
	h.ModTime = time.Unix(0, 0)
	if t.err == nil {
		t.err = t.w.WriteHeader(h)
	}
}

func (t *tarTree) dir(name string, mode int64) {
	if t.dirs[name] {
		return
	}
	t.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
	t.dirs[name] = true
}

func (t *tarTree) symlink(name, target string) {
	t.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
}

func (t *tarTree) bytes(name string, mode int64, data []byte) {
	t.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data))})
	if t.err == nil {
		_, t.err = t.w.Write(data)
	}
}

// file copies the host file src (symlinks followed) with its permissions.
func (t *tarTree) file(name, src string) {
	if t.err != nil {
		return
	}
	in, err := os.Open(src)
	if err != nil {
		t.err = err
		return
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		t.err = err
		return
	}
	t.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(st.Mode().Perm()), Size: st.Size()})
	if t.err == nil {
		_, t.err = io.Copy(t.w, in)
	}
}
