//go:build integration

// Package integration holds end-to-end tests that drive real hostapd,
// wpa_supplicant, iw and ping over mac80211_hwsim radios. They need root
// and a kernel with mac80211_hwsim; run them with
//
//	sudo go test -tags integration ./integration/...
//
// or inside the project's VM with `make integration`.
package integration

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Deadlines are generous: under QEMU/TCG a WPA2 association takes ~10 s.
const (
	cmdTimeout     = 60 * time.Second
	startTimeout   = 30 * time.Second
	connectTimeout = 60 * time.Second
	pingTimeout    = 30 * time.Second
)

var requiredTools = []string{"ip", "iw", "hostapd", "wpa_supplicant", "wpa_cli", "ping", "modprobe"}

// requireEnv skips the test unless it runs as root with the needed tools.
func requireEnv(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("integration tests need root (netns, module loading, raw sockets): " +
			"run `sudo go test -tags integration ./integration/...` or `make integration` (VM)")
	}
	for _, tool := range requiredTools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("integration tests need %s in PATH (apt-get install hostapd wpasupplicant iw iproute2 iputils-ping kmod)", tool)
		}
	}
}

// run runs a command with a timeout and returns its combined output.
func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func mustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := run(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitFor polls cond every 200ms until it returns true or the timeout
// expires; then the test fails with desc and the last detail cond returned.
func waitFor(t testing.TB, timeout time.Duration, desc string, cond func() (bool, string)) {
	t.Helper()
	if ok, detail := poll(timeout, cond); !ok {
		t.Fatalf("timed out after %s waiting for %s; last state:\n%s", timeout, desc, detail)
	}
}

func poll(timeout time.Duration, cond func() (bool, string)) (bool, string) {
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return true, detail
		}
		if time.Now().After(deadline) {
			return false, detail
		}
		time.Sleep(200 * time.Millisecond)
	}
}

var nsCounter atomic.Int32

// Netns is a named network namespace (ip netns).
type Netns struct{ Name string }

// Exec runs a command inside the namespace.
func (n *Netns) Exec(args ...string) (string, error) {
	return run("ip", append([]string{"netns", "exec", n.Name}, args...)...)
}

func (n *Netns) MustExec(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Daemon is a long-running child process (hostapd, wpa_supplicant, ...)
// whose stdout and stderr go to a log file.
type Daemon struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
}

func (d *Daemon) Log() string {
	b, _ := os.ReadFile(d.LogPath)
	return string(b)
}

// Exited reports whether the process has ended.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM, waits up to 5s, then SIGKILLs the process group.
func (d *Daemon) Stop() {
	if d.Exited() {
		return
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return
	case <-time.After(5 * time.Second):
	}
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
	<-d.done
}

// Testbed owns everything a scenario creates and tears it down in order:
// on failure it first dumps diagnostics, then stops daemons, deletes
// namespaces and finally removes the radios.
type Testbed struct {
	t        testing.TB
	Provider Provider
	Radios   []Radio
	dir      string

	mu         sync.Mutex
	daemons    []*Daemon
	namespaces []*Netns
	diags      []func() string
	teardown   func()
}

// NewTestbed creates n radios with the provider and registers cleanup.
func NewTestbed(t testing.TB, p Provider, n int) *Testbed {
	t.Helper()
	requireEnv(t)
	tb := &Testbed{t: t, Provider: p, dir: t.TempDir()}
	t.Cleanup(tb.cleanup)
	tb.Radios, tb.teardown = p.Create(t, n)
	if len(tb.Radios) != n {
		t.Fatalf("provider %s created %d radios, want %d", p.Name(), len(tb.Radios), n)
	}
	for _, r := range tb.Radios {
		t.Logf("radio %d: iface %s phy %s mac %s", r.Index, r.Iface, r.Phy, r.MAC)
	}
	return tb
}

// Diag registers extra state to print if the test fails.
func (tb *Testbed) Diag(f func() string) {
	tb.mu.Lock()
	tb.diags = append(tb.diags, f)
	tb.mu.Unlock()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d earlier lines omitted)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// keyEventRE matches the lines of hostapd / wpa_supplicant logs that explain
// what happened (state changes, handshake results, errors).
var keyEventRE = regexp.MustCompile(`AP-STA-|AP-ENABLED|AP-DISABLED|CTRL-EVENT-|EAPOL-4WAY|PSK-MISMATCH|Handshake failed|` +
	`State: [A-Z_]+ -> |[Ff]ailed|[Ee]rror|Could not|deauthenticated|disassociated|authenticated|associated`)

func keyEvents(log string) string {
	if s := grepLines(log, keyEventRE); s != "" {
		return s
	}
	return "(none)"
}

// grepLines returns the lines of log that re matches.
func grepLines(log string, re *regexp.Regexp) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func (tb *Testbed) cleanup() {
	t := tb.t
	if t.Failed() {
		for _, f := range tb.diags {
			t.Log(f())
		}
		for _, d := range tb.daemons {
			log := d.Log()
			t.Logf("==== %s key events (%s) ====\n%s", d.Name, d.LogPath, tail(keyEvents(log), 40))
			t.Logf("==== %s log, last lines ====\n%s", d.Name, tail(log, 120))
		}
		out, _ := run("dmesg")
		t.Logf("==== dmesg tail ====\n%s", tail(out, 60))
	}
	for i := len(tb.daemons) - 1; i >= 0; i-- {
		tb.daemons[i].Stop()
	}
	for _, ns := range tb.namespaces {
		if out, err := run("ip", "netns", "delete", ns.Name); err != nil {
			t.Logf("cleanup: %v %s", err, out)
		}
	}
	if tb.teardown != nil {
		tb.teardown()
	}
}

// Actor is one radio moved into its own network namespace with an IP.
type Actor struct {
	Radio
	NS *Netns
	IP string
	tb *Testbed
}

// Place moves radio i into a fresh namespace and gives it ip (CIDR, e.g.
// "10.0.0.1/24"; empty for none).
func (tb *Testbed) Place(i int, cidr string) *Actor {
	t := tb.t
	t.Helper()
	r := tb.Radios[i]
	ns := &Netns{Name: fmt.Sprintf("hwt%d-%d-ns%d", os.Getpid(), nsCounter.Add(1), i)}
	mustRun(t, "ip", "netns", "add", ns.Name)
	tb.namespaces = append(tb.namespaces, ns)
	mustRun(t, "iw", "phy", r.Phy, "set", "netns", "name", ns.Name)
	waitFor(t, startTimeout, r.Iface+" to appear in "+ns.Name, func() (bool, string) {
		out, err := ns.Exec("ip", "link", "show", "dev", r.Iface)
		return err == nil, out
	})
	ns.MustExec(t, "ip", "link", "set", "lo", "up")
	a := &Actor{Radio: r, NS: ns, tb: tb}
	if cidr != "" {
		ns.MustExec(t, "ip", "addr", "add", cidr, "dev", r.Iface)
		a.IP = strings.Split(cidr, "/")[0]
	}
	return a
}

// Start runs args inside the actor's namespace as a daemon logging to
// <tempdir>/<name>.log.
func (a *Actor) Start(name string, args ...string) *Daemon {
	a.tb.t.Helper()
	d := startDaemon(a.tb.t, a.tb.dir, name, append([]string{"ip", "netns", "exec", a.NS.Name}, args...)...)
	a.tb.mu.Lock()
	a.tb.daemons = append(a.tb.daemons, d)
	a.tb.mu.Unlock()
	return d
}

// startDaemon runs args in its own process group with output to
// dir/<name>.log. The caller stops it.
func startDaemon(t testing.TB, dir, name string, args ...string) *Daemon {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	d := &Daemon{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() { d.err = cmd.Wait(); close(d.done) }()
	t.Logf("started %s (pid %d): %s", name, cmd.Process.Pid, strings.Join(args, " "))
	return d
}

// APConfig is the hostapd configuration of the seed walkthrough.
type APConfig struct {
	SSID       string
	Passphrase string
	Channel    int
	// KeyMgmt is hostapd's wpa_key_mgmt; "" means WPA-PSK (the seed).
	KeyMgmt string
	// Extra lines for hostapd.conf (e.g. "hw_mode=g\nieee80211n=1").
	Extra string
}

var SeedAP = APConfig{SSID: "test", Passphrase: "12345678", Channel: 6}

func wheelGroup(t testing.TB) string {
	if _, err := user.LookupGroup("wheel"); err == nil {
		return "wheel"
	}
	t.Log("group wheel does not exist on this host; using ctrl_interface_group=0 instead")
	return "0"
}

// StartAP runs hostapd on the actor and waits for AP-ENABLED.
func (a *Actor) StartAP(cfg APConfig) *Daemon {
	t := a.tb.t
	t.Helper()
	conf := fmt.Sprintf(`interface=%s
driver=nl80211
ctrl_interface=/var/run/hostapd
ctrl_interface_group=%s
channel=%d
ssid=%s
wpa=2
wpa_passphrase=%s
wpa_key_mgmt=%s
wpa_pairwise=CCMP
%s
`, a.Iface, wheelGroup(t), cfg.Channel, cfg.SSID, cfg.Passphrase, cmp.Or(cfg.KeyMgmt, "WPA-PSK"), cfg.Extra)
	path := filepath.Join(a.tb.dir, "hostapd-"+a.Iface+".conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d := a.Start("hostapd-"+a.Iface, "hostapd", "-d", "-t", path)
	waitFor(t, startTimeout, "hostapd AP-ENABLED on "+a.Iface, func() (bool, string) {
		if d.Exited() {
			t.Fatalf("hostapd exited early (%v):\n%s", d.err, tail(d.Log(), 60))
		}
		return strings.Contains(d.Log(), "AP-ENABLED"), tail(d.Log(), 20)
	})
	a.tb.Diag(func() string {
		out, err := a.NS.Exec("iw", "dev", a.Iface, "station", "dump")
		return fmt.Sprintf("==== iw dev %s station dump (AP, %s) ====\n%s%v", a.Iface, a.NS.Name, out, errOrEmpty(err))
	})
	return d
}

func errOrEmpty(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Station is a wpa_supplicant instance.
type Station struct {
	*Daemon
	a       *Actor
	ctrlDir string
}

// StartStation runs wpa_supplicant on the actor for a WPA2-PSK network.
func (a *Actor) StartStation(ssid, passphrase string) *Station {
	a.tb.t.Helper()
	return a.startSupplicant(fmt.Sprintf(`network={
	ssid="%s"
	psk="%s"
	key_mgmt=WPA-PSK
}
`, ssid, passphrase))
}

// startSupplicant runs wpa_supplicant on the actor with network blocks
// networks and a control socket of its own.
func (a *Actor) startSupplicant(networks string) *Station {
	t := a.tb.t
	t.Helper()
	ctrl := filepath.Join(a.tb.dir, "wpa-"+a.Iface)
	conf := fmt.Sprintf("ctrl_interface=%s\n%s", ctrl, networks)
	path := filepath.Join(a.tb.dir, "wpa_supplicant-"+a.Iface+".conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	d := a.Start("wpa_supplicant-"+a.Iface, "wpa_supplicant", "-D", "nl80211", "-i", a.Iface, "-c", path, "-d", "-t")
	s := &Station{Daemon: d, a: a, ctrlDir: ctrl}
	waitFor(t, startTimeout, "wpa_supplicant control socket for "+a.Iface, func() (bool, string) {
		if d.Exited() {
			t.Fatalf("wpa_supplicant exited early (%v):\n%s", d.err, tail(d.Log(), 60))
		}
		st, err := s.Status()
		return err == nil, st + errOrEmpty(err)
	})
	a.tb.Diag(func() string {
		st, _ := s.Status()
		link, _ := a.NS.Exec("iw", "dev", a.Iface, "link")
		return fmt.Sprintf("==== wpa_cli status %s ====\n%s==== iw dev %s link ====\n%s", a.Iface, st, a.Iface, link)
	})
	return s
}

// Status returns `wpa_cli status` output.
func (s *Station) Status() (string, error) {
	return s.a.NS.Exec("wpa_cli", "-p", s.ctrlDir, "-i", s.a.Iface, "status")
}

// State returns wpa_state from wpa_cli status ("" if unknown).
func (s *Station) State() string {
	out, err := s.Status()
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "wpa_state="); ok {
			return v
		}
	}
	return ""
}

// WaitCompleted waits for wpa_state=COMPLETED.
func (s *Station) WaitCompleted(t testing.TB) {
	t.Helper()
	start := time.Now()
	waitFor(t, connectTimeout, s.a.Iface+" wpa_state=COMPLETED", func() (bool, string) {
		if s.Exited() {
			t.Fatalf("wpa_supplicant on %s exited (%v)", s.a.Iface, s.err)
		}
		out, _ := s.Status()
		return s.State() == "COMPLETED", out
	})
	t.Logf("%s: wpa_state=COMPLETED after %.1fs", s.a.Iface, time.Since(start).Seconds())
}

// waitPing waits (bounded) until one echo from the actor to dst gets
// through: ARP resolved, path up.
func (a *Actor) waitPing(t testing.TB, dst string) {
	t.Helper()
	waitFor(t, pingTimeout, fmt.Sprintf("first ping %s -> %s", a.Iface, dst), func() (bool, string) {
		out, err := a.NS.Exec("ping", "-c", "1", "-W", "2", dst)
		return err == nil, out + errOrEmpty(err)
	})
}

// Ping pings dst from the actor: first it waits (bounded) until one echo
// gets through (ARP, warm-up), then requires 0% loss over count pings.
func (a *Actor) Ping(t testing.TB, dst string, count int) string {
	t.Helper()
	a.waitPing(t, dst)
	out, err := a.NS.Exec("ping", "-c", fmt.Sprint(count), "-W", "2", dst)
	if err != nil || !strings.Contains(out, " 0% packet loss") {
		t.Fatalf("ping %s -> %s: want 0%% loss: %v\n%s", a.Iface, dst, err, out)
	}
	return out
}
