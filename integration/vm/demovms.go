package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The demo-vms mode is the seed's virtio walkthrough
// (shared/seed/vwifi-README.md, "Testing environment (virtio)"): three
// VMs, an access point in vm1 and stations in vm2 and vm3, whose media
// share one air served on this host. The host runs
// `hwsim-medium --serve-air 127.0.0.1:PORT --air-only` (no mac80211_hwsim
// needed here); each VM runs integration/vm/demo-vms.sh, which starts
// `hwsim-medium --radios 1 --join nats://10.0.2.4:PORT --member vmN` and
// the seed's commands. The VMs reach the host only through guest
// forwards to two loopback ports (the air, and this program's
// coordination port), each relayed by this program's relay mode: the
// guest's 10.0.2.4:PORT is the host's 127.0.0.1:PORT (guestFwdAddr).
//
// The coordination port keeps the VMs in step: each VM connects, says
// "hello vmN", and at every phase of the walkthrough says "at PHASE" and
// waits for "go PHASE" (or "abort REASON"); "fail REASON" reports its
// own failure. The members start one after the other, because a member
// takes the first radio name that no member it heard within its first
// heartbeats has (vm1 gets vw0, vm2 vw1, vm3 vw2); every other phase
// waits for all three, so that no VM powers off while another still
// pings it.

// demoVMs are the VMs' names, in the order their members start.
var demoVMs = []string{"vm1", "vm2", "vm3"}

// demoPhase is a point of the walkthrough where the VMs wait for each
// other (demo-vms.sh's sync).
type demoPhase struct {
	name string
	// serial releases the VMs one at a time, each once the one before
	// it reached the next phase.
	serial bool
	what   string
}

var demoPhases = []demoPhase{
	{"member", true, "start its member"},
	{"radios", false, "every member's radio on the air"},
	{"ap", false, "vm1's access point up"},
	{"connected", false, "vm2 and vm3 connected"},
	{"pinged", false, "every ping done"},
	{"done", false, "every check done"},
}

// demoVMsConfig is what the mode needs from the command line.
type demoVMsConfig struct {
	kernel, initrd, accel string
	memMB, smp            int
	timeout               time.Duration
	binDir                string
	self                  string // this program, whose relay mode QEMU starts
}

// demoVMsTimeout is the mode's -timeout unless one is given: the
// walkthrough takes about 2-3 minutes under TCG on two cores.
const demoVMsTimeout = 10 * time.Minute

// demoVMsWindDown is how long the VMs get to print their logs and power
// off after the walkthrough ended or failed, before they are killed.
const demoVMsWindDown = 90 * time.Second

// runDemoVMs runs the walkthrough and returns the exit status: 0 when
// every VM passed every check, 130 when interrupted, 1 otherwise.
// Whatever happens, nothing is left running or on disk: the VMs are
// killed, the air's server stopped, its directory removed.
func runDemoVMs(cfg demoVMsConfig) int {
	start := time.Now()
	ctx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	tmp, err := os.MkdirTemp("", "hwsim-demo-vms-")
	if err != nil {
		logf("FAIL: %v", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	airPort, err := freePort()
	if err != nil {
		logf("FAIL: choosing the air's port: %v", err)
		return 1
	}
	srv, err := startAirServer(ctx, filepath.Join(cfg.binDir, "hwsim-medium"), airPort, tmp)
	if err != nil {
		logf("FAIL: %v", err)
		return 1
	}
	defer srv.stop()

	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		logf("FAIL: the coordination port: %v", err)
		return 1
	}
	defer ctl.Close()
	ctlPort := ctl.Addr().(*net.TCPAddr).Port

	c := &coordinator{events: make(chan demoEvent, 64), conns: map[string]net.Conn{}, at: map[string]string{}, exited: map[string]bool{}}
	go c.accept(ctl)
	defer c.closeConns()

	stopVMs := make(chan struct{})
	var stopOnce sync.Once
	kill := func() { stopOnce.Do(func() { close(stopVMs) }) }
	defer kill()
	var booted sync.WaitGroup
	results := make([]*bootResult, len(demoVMs))
	for i, vm := range demoVMs {
		booted.Add(1)
		go func() {
			defer booted.Done()
			relay := func(port int) guestFwd {
				return guestFwd{Port: port, Cmd: shellQuote([]string{cfg.self, "relay", "127.0.0.1:" + strconv.Itoa(port)})}
			}
			res, err := boot(bootOpts{Kernel: cfg.kernel, Initrd: cfg.initrd, Accel: cfg.accel, MemMB: cfg.memMB, SMP: cfg.smp,
				Timeout: cfg.timeout + demoVMsWindDown, Prefix: "[" + vm + "] ", Stop: stopVMs,
				Append:    fmt.Sprintf("demovm.role=%s demovm.host=%s demovm.air=%d demovm.ctl=%d", vm, guestFwdAddr, airPort, ctlPort),
				GuestFwds: []guestFwd{relay(airPort), relay(ctlPort)}})
			results[i] = res
			c.events <- demoEvent{vm: vm, exit: true, res: res, err: err}
		}()
	}
	err = c.walk(ctx, cfg.timeout)
	if err == nil {
		err = c.waitExits(ctx, demoVMsWindDown)
	} else {
		logf("FAIL: %v", err)
		c.broadcast("abort " + err.Error())
		if ctx.Err() == nil {
			// The VMs print their logs and power off.
			c.waitExits(ctx, demoVMsWindDown)
		}
	}
	// Every VM is gone before the deferred clean-up stops the server and
	// removes its directory; their last events go nowhere.
	kill()
	go func() {
		for range c.events {
		}
	}()
	booted.Wait()
	status := 0
	for i, vm := range demoVMs {
		res := results[i]
		switch {
		case res == nil:
			logf("%s: qemu did not start", vm)
			status = 1
		case res.Marker && res.Status == 0:
			logf("%s: passed (VM ran %.1fs, boot to init %.1fs)", vm, res.Elapsed.Seconds(), res.BootTime.Seconds())
		case res.Marker:
			logf("%s: FAILED with status %d", vm, res.Status)
			status = 1
		case ctx.Err() != nil:
			logf("%s: stopped (interrupted)", vm)
		default:
			logf("%s: FAILED: the VM stopped without its exit status (killed, crashed or timed out)", vm)
			status = 1
		}
	}
	if err != nil {
		status = 1
	}
	if ctx.Err() != nil {
		logf("interrupted")
		status = 130
	}
	if status == 0 {
		logf("demo-vms passed in %s: the seed's three-VM walkthrough over one air served on this host", time.Since(start).Round(time.Second))
	} else {
		srv.printLog()
		logf("demo-vms FAILED after %s (exit status %d)", time.Since(start).Round(time.Second), status)
	}
	return status
}

// freePort returns a TCP port free on the host's loopback just now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// airServer is the host's hwsim-medium serving the air.
type airServer struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// airReadyTimeout bounds the server's start.
const airReadyTimeout = 20 * time.Second

// startAirServer starts `hwsim-medium --serve-air 127.0.0.1:PORT
// --air-only` with its store in dir and waits until it accepts
// connections. It runs in its own process group (a terminal's Ctrl-C is
// ours to handle) and gets SIGTERM should this program die.
func startAirServer(ctx context.Context, bin string, port int, dir string) (*airServer, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the host's hwsim-medium: %w (run make build)", err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--serve-air", addr, "--air-only", "--serve-air-store", filepath.Join(dir, "air")}
	fmt.Printf("[host] $ hwsim-medium %s &\n", strings.Join(args, " "))
	s := &airServer{log: filepath.Join(dir, "air-server.log"), done: make(chan struct{})}
	f, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the air's server: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(airReadyTimeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-s.done:
			s.printLog()
			return nil, fmt.Errorf("the air's server exited at start: %v", s.cmd.ProcessState)
		case <-ctx.Done():
			s.stop()
			return nil, errors.New("interrupted while the air's server started")
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			s.printLog()
			return nil, fmt.Errorf("the air's server did not accept connections on %s within %s", addr, airReadyTimeout)
		}
	}
	b, _ := os.ReadFile(s.log)
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		fmt.Printf("[host] %s\n", l)
	}
	return s, nil
}

// stop ends the server (SIGTERM, then SIGKILL after 10 s) and waits for
// it.
func (s *airServer) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// printLog shows the server's log (on failure).
func (s *airServer) printLog() {
	b, err := os.ReadFile(s.log)
	if err != nil {
		return
	}
	fmt.Printf("---- the host's air server log (%s) ----\n%s", s.log, b)
}

// demoEvent is something a VM did: a line on its coordination
// connection, the end of that connection, or the end of the VM.
type demoEvent struct {
	vm     string
	line   string
	closed bool // the connection ended
	exit   bool // the VM ended
	res    *bootResult
	err    error
}

// coordinator keeps the VMs in step (see the top of this file). Only
// walk and waitExits touch its maps; accept's goroutines send events.
type coordinator struct {
	events chan demoEvent
	mu     sync.Mutex // conns, written by accept
	conns  map[string]net.Conn
	at     map[string]string
	exited map[string]bool
	done   bool // the last phase was released: connections may end
}

// accept reads each VM's lines; the first names the VM.
func (c *coordinator) accept(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			sc := bufio.NewScanner(conn)
			if !sc.Scan() {
				conn.Close()
				return
			}
			vm, ok := strings.CutPrefix(sc.Text(), "hello ")
			if !ok {
				conn.Close()
				return
			}
			c.mu.Lock()
			c.conns[vm] = conn
			c.mu.Unlock()
			c.events <- demoEvent{vm: vm, line: "hello"}
			for sc.Scan() {
				c.events <- demoEvent{vm: vm, line: sc.Text()}
			}
			c.events <- demoEvent{vm: vm, closed: true}
		}()
	}
}

// send writes one line to vm.
func (c *coordinator) send(vm, line string) {
	c.mu.Lock()
	conn := c.conns[vm]
	c.mu.Unlock()
	if conn != nil {
		io.WriteString(conn, line+"\n")
	}
}

func (c *coordinator) broadcast(line string) {
	for _, vm := range demoVMs {
		c.send(vm, line)
	}
}

func (c *coordinator) closeConns() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
}

// walk leads the VMs through demoPhases within timeout.
func (c *coordinator) walk(ctx context.Context, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	wait := func(what string, cond func() bool) error {
		for !cond() {
			select {
			case ev := <-c.events:
				if err := c.handle(ev); err != nil {
					return err
				}
			case <-ctx.Done():
				return fmt.Errorf("interrupted while waiting for %s", what)
			case <-deadline.C:
				return fmt.Errorf("timed out after %s waiting for %s (raise with -timeout)", timeout, what)
			}
		}
		return nil
	}
	for i, p := range demoPhases {
		if p.serial {
			next := demoPhases[i+1].name
			for _, vm := range demoVMs {
				if err := wait(vm+" to be ready to "+p.what, func() bool { return c.at[vm] == p.name }); err != nil {
					return err
				}
				fmt.Printf("[host] %s: %s\n", vm, p.what)
				c.send(vm, "go "+p.name)
				if err := wait(vm+" to "+p.what, func() bool { return c.at[vm] == next }); err != nil {
					return err
				}
			}
			continue
		}
		all := func() bool {
			for _, vm := range demoVMs {
				if c.at[vm] != p.name {
					return false
				}
			}
			return true
		}
		if err := wait(p.what, all); err != nil {
			return err
		}
		fmt.Printf("[host] all VMs: %s\n", p.what)
		if i == len(demoPhases)-1 {
			c.done = true
		}
		c.broadcast("go " + p.name)
	}
	return nil
}

// handle records one event; an error ends the walkthrough.
func (c *coordinator) handle(ev demoEvent) error {
	switch {
	case ev.exit:
		c.exited[ev.vm] = true
		if c.done {
			return nil
		}
		if ev.err != nil {
			return fmt.Errorf("%s stopped before the walkthrough ended: %w", ev.vm, ev.err)
		}
		return fmt.Errorf("%s stopped before the walkthrough ended", ev.vm)
	case ev.closed:
		if c.done {
			return nil
		}
		return fmt.Errorf("%s closed its coordination connection before the walkthrough ended", ev.vm)
	case ev.line == "hello":
		fmt.Printf("[host] %s booted and reached the host\n", ev.vm)
	default:
		if phase, ok := strings.CutPrefix(ev.line, "at "); ok {
			c.at[ev.vm] = phase
			return nil
		}
		if reason, ok := strings.CutPrefix(ev.line, "fail "); ok {
			return fmt.Errorf("%s failed: %s", ev.vm, reason)
		}
		return fmt.Errorf("%s said %q, which the coordinator does not know", ev.vm, ev.line)
	}
	return nil
}

// waitExits waits until every VM ended, at most d.
func (c *coordinator) waitExits(ctx context.Context, d time.Duration) error {
	c.done = true
	t := time.NewTimer(d)
	defer t.Stop()
	for len(c.exited) < len(demoVMs) {
		select {
		case ev := <-c.events:
			c.handle(ev)
		case <-ctx.Done():
			return errors.New("interrupted while the VMs powered off")
		case <-t.C:
			return fmt.Errorf("the VMs did not power off within %s", d)
		}
	}
	return nil
}
