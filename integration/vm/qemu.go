package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type bootOpts struct {
	Kernel  string
	Initrd  string
	Accel   string // "tcg" or "kvm"
	MemMB   int
	SMP     int
	Timeout time.Duration
	// LockupLimit is how long a soft lockup may last before the VM is
	// stopped (lockup.go); 0 is lockupLimit.
	LockupLimit time.Duration
	Interactive bool
	Append      string
	Quiet       bool // do not echo the console (probe)
	// Forwards are host ports forwarded to guest ports (user
	// networking); none (and no GuestFwds) means the VM has no network
	// card at all.
	Forwards []forward
	// GuestFwds are the guest's only way out: connections to
	// guestFwdAddr:Port are handed to a command that QEMU starts for
	// each.
	GuestFwds []guestFwd
	// Prefix, when set, prints the console line by line with Prefix in
	// front (several VMs on one terminal) instead of byte by byte.
	Prefix string
	// Stop, when closed, kills the VM.
	Stop <-chan struct{}
}

// forward forwards TCP port Host on the host's loopback to port Guest of
// the VM.
type forward struct{ Host, Guest int }

// parseForward reads HOSTPORT:GUESTPORT.
func parseForward(s string) (forward, error) {
	h, g, ok := strings.Cut(s, ":")
	hp, err1 := strconv.Atoi(h)
	gp, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil || hp <= 0 || hp > 65535 || gp <= 0 || gp > 65535 {
		return forward{}, fmt.Errorf("-forward %q: want HOSTPORT:GUESTPORT, e.g. 18080:8080", s)
	}
	return forward{Host: hp, Guest: gp}, nil
}

// guestIP is the VM's address on QEMU's user network, where forwarded
// connections arrive (QEMU's default guest address).
const guestIP = "10.0.2.15"

// guestFwd hands the guest's TCP connections to guestFwdAddr:Port to
// Cmd, which QEMU starts for each connection with the connection as its
// stdin and stdout (QEMU's guestfwd=...-cmd:). The command is split into
// words as a shell would, but no shell runs it.
type guestFwd struct {
	Port int
	Cmd  string
}

// guestFwdAddr is where the guest finds the guest forwards: QEMU's user
// network refuses them on its own addresses (the host 10.0.2.2, the DNS
// 10.0.2.3: "Conflicting/invalid host:port in guest forwarding rule"),
// and 10.0.2.4 is the address it gives a guest forward that names none.
const guestFwdAddr = "10.0.2.4"

// nicArgs is the VM's network: none, or QEMU user networking restricted
// (restrict=on) to the forwarded ports and the guest forwards: the guest
// reaches neither the host nor anything beyond but through the guest
// forwards' commands, and the host side listens on 127.0.0.1 only.
func nicArgs(fw []forward, gfw []guestFwd) []string {
	if len(fw) == 0 && len(gfw) == 0 {
		return []string{"-nic", "none"}
	}
	nic := "user,model=virtio-net-pci,restrict=on"
	for _, f := range fw {
		nic += fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:%d", f.Host, f.Guest)
	}
	for _, g := range gfw {
		// A comma in an option value is written twice.
		nic += fmt.Sprintf(",guestfwd=tcp:%s:%d-cmd:%s", guestFwdAddr, g.Port, strings.ReplaceAll(g.Cmd, ",", ",,"))
	}
	return []string{"-nic", nic}
}

type bootResult struct {
	Status   int  // status printed by the VM (valid if Marker)
	Marker   bool // VM-EXIT-STATUS line seen
	Panic    bool // kernel panic seen
	TimedOut bool
	// Interrupted says a signal told us to stop the VM.
	Interrupted bool
	// Lockup says why the VM was stopped for a persistent soft lockup
	// (lockup.go), "" if it was not.
	Lockup   string
	Lines    []string
	BootTime time.Duration // until VM-BOOTED
	Elapsed  time.Duration
}

var (
	markerRE = regexp.MustCompile(`^VM-EXIT-STATUS=(\d+)\s*$`)
	ansiRE   = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1bc`)
)

// lineTee forwards console bytes to out immediately (prompts have no
// newline) and hands complete lines to onLine.
type lineTee struct {
	out    io.Writer
	buf    []byte
	onLine func(string)
}

func (l *lineTee) Write(p []byte) (int, error) {
	if l.out != nil {
		l.out.Write(p)
	}
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(l.buf[:i]), "\r")
		l.buf = l.buf[i+1:]
		l.onLine(ansiRE.ReplaceAllString(line, ""))
	}
	return len(p), nil
}

func qemuArgs(o bootOpts) []string {
	cpu := "max"
	if o.Accel == "kvm" {
		cpu = "host"
	}
	args := []string{
		"-accel", o.Accel, "-cpu", cpu,
		"-smp", strconv.Itoa(o.SMP), "-m", strconv.Itoa(o.MemMB),
		"-nographic", "-no-reboot",
	}
	args = append(args, nicArgs(o.Forwards, o.GuestFwds)...)
	return append(args,
		"-device", "virtio-rng-pci",
		"-kernel", o.Kernel, "-initrd", o.Initrd,
		"-append", "console=ttyS0 panic=-1 quiet "+o.Append,
	)
}

// boot runs qemu until it exits or the timeout kills it.
func boot(o bootOpts) (*bootResult, error) {
	args := qemuArgs(o)
	cmd := exec.Command("qemu-system-x86_64", args...)
	if !o.Quiet {
		logf("qemu-system-x86_64 %s", strings.Join(args, " "))
	}
	res := &bootResult{}
	start := time.Now()
	var mu sync.Mutex
	lockups := &lockupWatch{limit: cmp.Or(o.LockupLimit, lockupLimit), gap: lockupGap}
	var out io.Writer = os.Stdout
	if o.Quiet || o.Prefix != "" {
		out = nil
	}
	tee := &lineTee{out: out, onLine: func(line string) {
		mu.Lock()
		defer mu.Unlock()
		if o.Prefix != "" && !o.Quiet {
			fmt.Fprintf(os.Stdout, "%s%s\n", o.Prefix, line)
		}
		res.Lines = append(res.Lines, line)
		if m := markerRE.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			res.Marker = true
			res.Status, _ = strconv.Atoi(m[1])
		}
		if strings.Contains(line, "Kernel panic - not syncing") {
			res.Panic = true
		}
		if strings.HasPrefix(line, "VM-BOOTED") && res.BootTime == 0 {
			res.BootTime = time.Since(start)
		}
		if why := lockups.see(line, time.Now()); why != "" && res.Lockup == "" {
			res.Lockup = why
			logf("%s: stopping the VM", why)
			cmd.Process.Kill()
		}
	}}
	cmd.Stdout = tee
	var stderr bytes.Buffer
	cmd.Stderr = os.Stderr
	if o.Quiet {
		cmd.Stderr = &stderr
	}
	if o.Interactive {
		cmd.Stdin = os.Stdin
	} else {
		// Own process group: a terminal ^C reaches us, and we kill qemu.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting qemu: %w", err)
	}
	timer := time.AfterFunc(o.Timeout, func() {
		mu.Lock()
		res.TimedOut = true
		mu.Unlock()
		cmd.Process.Kill()
	})
	exited := make(chan struct{})
	defer close(exited)
	if o.Stop != nil {
		go func() {
			select {
			case <-o.Stop:
				mu.Lock()
				res.Interrupted = true
				mu.Unlock()
				cmd.Process.Kill()
			case <-exited:
			}
		}()
	}
	// qemu has its own process group, so a signal to us (a test that is
	// done with its VM, a terminal ^C) does not reach it: pass it on,
	// rather than leave qemu running without us.
	var sigs chan os.Signal
	if !o.Interactive {
		sigs = make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		go func() {
			for s := range sigs {
				logf("%v: stopping the VM", s)
				mu.Lock()
				res.Interrupted = true
				mu.Unlock()
				cmd.Process.Kill()
			}
		}()
	}
	err := cmd.Wait()
	timer.Stop()
	if sigs != nil {
		signal.Stop(sigs)
		close(sigs)
	}
	res.Elapsed = time.Since(start)
	if o.Interactive {
		exec.Command("stty", "sane").Run()
	}
	if err != nil && !res.TimedOut && !res.Marker && res.Lockup == "" {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return res, fmt.Errorf("qemu: %w: %s", err, msg)
		}
		return res, fmt.Errorf("qemu: %w", err)
	}
	return res, nil
}

// chooseAccel returns "kvm" only if a probe VM really boots with KVM.
// The result is cached per host kernel in the cache dir.
func chooseAccel(want, cache string, k *kernel) string {
	switch want {
	case "tcg", "kvm":
		return want
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		logf("accel: /dev/kvm not usable (%v); using TCG", err)
		return "tcg"
	}
	f.Close()
	var uts syscall.Utsname
	syscall.Uname(&uts)
	rel := utsString(uts.Release[:])
	host, _ := os.Hostname()
	probeFile := filepath.Join(cache, "kvm-probe")
	key := host + " " + rel + " " + k.Version
	if b, err := os.ReadFile(probeFile); err == nil {
		if res, ok := strings.CutPrefix(string(b), key+" => "); ok {
			res = strings.TrimSpace(res)
			logf("accel: cached KVM probe result: %s (delete %s to re-probe)", res, probeFile)
			return res
		}
	}
	res := "tcg"
	if probeKVM(cache, k) {
		res = "kvm"
	}
	os.WriteFile(probeFile, []byte(key+" => "+res+"\n"), 0o644)
	return res
}

func utsString(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

func probeKVM(cache string, k *kernel) bool {
	logf("accel: probing KVM (boots a tiny VM, up to 20s)...")
	bb, err := exec.LookPath("busybox")
	if err != nil {
		return false
	}
	initrd := filepath.Join(cache, "kvm-probe.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		return false
	}
	c := newCpioWriter(f)
	c.File("bin/busybox", bb, 0o755)
	c.Bytes("init", 0o755, []byte("#!/bin/busybox sh\n/bin/busybox echo VM-EXIT-STATUS=0\n/bin/busybox poweroff -f\n"))
	c.Close()
	f.Close()
	defer os.Remove(initrd)
	res, err := boot(bootOpts{Kernel: k.Vmlinuz, Initrd: initrd, Accel: "kvm", MemMB: 256, SMP: 1,
		Timeout: 20 * time.Second, Quiet: true})
	ok := err == nil && res.Marker && res.Status == 0
	if ok {
		logf("accel: KVM works (probe VM ran in %.1fs); using KVM", res.Elapsed.Seconds())
	} else {
		logf("accel: KVM probe failed (err=%v); using TCG", err)
	}
	return ok
}
