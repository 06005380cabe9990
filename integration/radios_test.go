//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// Radio is one virtual wireless device, in the initial network namespace
// when a Provider returns it.
type Radio struct {
	Index int    // 0..n-1
	Iface string // network interface, e.g. wlan0 or vw0
	Phy   string // wiphy name, e.g. phy0 or vw_phy0
	MAC   string // interface MAC address
}

// Provider creates radios. Scenarios run once per provider.
type Provider interface {
	Name() string
	// Create brings up n radios and returns them with a teardown function
	// (called by the Testbed after daemons and namespaces are gone). It
	// calls t.Skip if the provider is not available here.
	Create(t testing.TB, n int) ([]Radio, func())
}

// providers lists the providers scenarios run against; HWSIM_PROVIDERS
// (comma separated names) selects a subset.
func providers() []Provider {
	all := []Provider{kernelDirect{}, medium{}}
	sel := os.Getenv("HWSIM_PROVIDERS")
	if sel == "" {
		return all
	}
	var out []Provider
	for _, p := range all {
		for _, n := range strings.Split(sel, ",") {
			if strings.TrimSpace(n) == p.Name() {
				out = append(out, p)
			}
		}
	}
	return out
}

// forEachProvider runs f as a subtest per provider.
func forEachProvider(t *testing.T, f func(t *testing.T, p Provider)) {
	for _, p := range providers() {
		t.Run(p.Name(), func(t *testing.T) { f(t, p) })
	}
}

// kernelDirect lets mac80211_hwsim route frames itself (no medium):
// modprobe mac80211_hwsim radios=N creates wlanK on phyK.
type kernelDirect struct{}

func (kernelDirect) Name() string { return "kernel-direct" }

func (kernelDirect) Create(t testing.TB, n int) ([]Radio, func()) {
	t.Helper()
	if out, err := run("modprobe", "-n", "mac80211_hwsim"); err != nil {
		t.Skipf("mac80211_hwsim is not available on this kernel: %v %s", err, out)
	}
	unloadHwsim(t)
	mustRun(t, "modprobe", "mac80211_hwsim", "radios="+strconv.Itoa(n))
	var radios []Radio
	waitFor(t, startTimeout, fmt.Sprintf("%d hwsim radios", n), func() (bool, string) {
		var err error
		radios, err = hwsimRadios()
		if err != nil {
			return false, err.Error()
		}
		return len(radios) == n, fmt.Sprintf("%d radios: %+v", len(radios), radios)
	})
	return radios, func() { unloadHwsim(t) }
}

// unloadHwsim removes the module, retrying while namespace teardown (which
// is asynchronous) still holds references.
func unloadHwsim(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/sys/module/mac80211_hwsim"); err != nil {
		return
	}
	ok, detail := poll(30*time.Second, func() (bool, string) {
		out, err := run("modprobe", "-r", "mac80211_hwsim")
		return err == nil, out
	})
	if !ok {
		t.Errorf("modprobe -r mac80211_hwsim failed: %s", detail)
	}
}

// hwsimRadios lists the network interfaces of mac80211_hwsim devices in
// the current namespace, ordered by hwsim device index.
func hwsimRadios() ([]Radio, error) {
	devs, err := filepath.Glob("/sys/class/mac80211_hwsim/hwsim*")
	if err != nil {
		return nil, err
	}
	type dev struct {
		idx   int
		radio Radio
	}
	var found []dev
	for _, d := range devs {
		idx, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "hwsim"))
		if err != nil {
			continue
		}
		ifs, _ := os.ReadDir(filepath.Join(d, "net"))
		if len(ifs) == 0 {
			continue // not (yet) visible in this namespace
		}
		iface := ifs[0].Name()
		phy, err := os.ReadFile(filepath.Join("/sys/class/net", iface, "phy80211", "name"))
		if err != nil {
			continue
		}
		mac, _ := os.ReadFile(filepath.Join("/sys/class/net", iface, "address"))
		found = append(found, dev{idx, Radio{Iface: iface, Phy: strings.TrimSpace(string(phy)), MAC: strings.TrimSpace(string(mac))}})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].idx < found[j].idx })
	out := make([]Radio, len(found))
	for i, f := range found {
		out[i] = f.radio
		out[i].Index = i
	}
	return out, nil
}

// medium runs the project's userspace medium:
//
//	modprobe mac80211_hwsim radios=0
//	$HWSIM_MEDIUM --radios N    (binary from env HWSIM_MEDIUM, else PATH)
//
// which creates interfaces vwK on wiphys vw_phyK with MAC 00:76:77:3K:00:00.
type medium struct {
	// args are extra command-line flags for hwsim-medium (benchmark
	// configurations such as a propagation model); nil for the tests.
	args []string
}

func (medium) Name() string { return "medium" }

// Create loads an empty simulator, starts the medium with n radios and
// waits for their interfaces.
func (m medium) Create(t testing.TB, n int) ([]Radio, func()) {
	t.Helper()
	bin, err := lookMedium()
	if err != nil {
		t.Skipf("hwsim-medium binary not found (set HWSIM_MEDIUM or put it on PATH): %v", err)
	}
	unloadHwsim(t)
	mustRun(t, "modprobe", "mac80211_hwsim", "radios=0")
	// Not t.TempDir: that is removed before the testbed's cleanup, which
	// still needs the medium's log.
	dir, err := os.MkdirTemp("", "hwsim-medium-")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "control.sock")
	// A state file of its own: no scenario restores another's air.
	args := append([]string{bin, "--radios", strconv.Itoa(n), "--control", sock, "--state", filepath.Join(dir, "state.json"), "--log-level", "debug"}, m.args...)
	d := startDaemon(t, dir, "hwsim-medium", args...)
	run := &mediumRun{daemon: d, socket: sock, args: args, dir: dir}
	stop := func() {
		defer os.RemoveAll(dir)
		run.daemon.Stop()
		if t.Failed() {
			t.Logf("hwsim-medium log (tail):\n%s", tail(run.daemon.Log(), 80))
		} else if i := strings.LastIndex(run.daemon.Log(), "medium stopped"); i >= 0 {
			// Its counters (overruns, rejected, unanswered, ...), one line.
			line, _, _ := strings.Cut(run.daemon.Log()[i:], "\n")
			t.Logf("hwsim-medium: %s", line)
		}
		unloadHwsim(t)
	}
	var radios []Radio
	ok, detail := poll(startTimeout, func() (bool, string) {
		if d.Exited() {
			return true, "exited"
		}
		radios = radios[:0]
		for k := range n {
			iface := "vw" + strconv.Itoa(k)
			addr, err := os.ReadFile("/sys/class/net/" + iface + "/address")
			if err != nil {
				return false, iface + " missing"
			}
			radios = append(radios, Radio{Index: k, Iface: iface, Phy: "vw_phy" + strconv.Itoa(k), MAC: strings.TrimSpace(string(addr))})
		}
		return true, ""
	})
	if !ok || d.Exited() {
		stop()
		t.Fatalf("hwsim-medium did not bring up %d radios (%s); log:\n%s", n, detail, tail(d.Log(), 80))
	}
	for _, r := range radios {
		want := fmt.Sprintf("00:76:77:3%d:00:00", r.Index)
		if r.Index < 10 && r.MAC != want {
			t.Errorf("%s has address %s, want %s", r.Iface, r.MAC, want)
		}
	}
	activeMedium.Store(run)
	return radios, func() {
		activeMedium.Store(nil)
		stop()
	}
}

// mediumRun is the medium a scenario runs on, for tests that ask it for
// its counters.
type mediumRun struct {
	daemon *Daemon
	socket string
	// args and dir start it again (restart).
	args []string
	dir  string
	runs int
}

// kill kills the medium with SIGKILL, as a crash would, and waits until it
// is gone.
func (m *mediumRun) kill(t testing.TB) {
	t.Helper()
	if err := syscall.Kill(m.daemon.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 hwsim-medium: %v", err)
	}
	waitFor(t, startTimeout, "the killed hwsim-medium to exit", func() (bool, string) {
		return m.daemon.Exited(), ""
	})
	t.Logf("hwsim-medium (pid %d) killed with SIGKILL", m.daemon.cmd.Process.Pid)
}

// restart starts the medium again with the same command and waits until
// it serves.
func (m *mediumRun) restart(t testing.TB) {
	t.Helper()
	m.runs++
	m.daemon = startDaemon(t, m.dir, fmt.Sprintf("hwsim-medium-%d", m.runs+1), m.args...)
	waitFor(t, startTimeout, "the restarted hwsim-medium to serve", func() (bool, string) {
		if m.daemon.Exited() {
			t.Fatalf("the restarted hwsim-medium exited:\n%s", tail(m.daemon.Log(), 60))
		}
		return strings.Contains(m.daemon.Log(), "medium running"), tail(m.daemon.Log(), 20)
	})
}

// activeMedium is set while the medium provider's radios exist. Tests run
// one at a time, so one slot is enough.
var activeMedium atomic.Pointer[mediumRun]

// lookMedium is the binary the medium provider should start.
func lookMedium() (string, error) {
	if p := os.Getenv("HWSIM_MEDIUM"); p != "" {
		return p, nil
	}
	return exec.LookPath("hwsim-medium")
}

// ask runs do with a client of the running medium's control socket,
// connected for this one call, and fails t, saying what was asked, when
// either fails.
func (m *mediumRun) ask(t testing.TB, what string, do func(ctx context.Context, c *api.Client) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, m.socket)
	if err != nil {
		t.Fatalf("connect to the medium's control socket: %v", err)
	}
	defer c.Close()
	if err := do(ctx, c); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// radios asks the running medium for its per-radio counters.
func (m *mediumRun) radios(t testing.TB) []api.RadioInfo {
	t.Helper()
	var radios []api.RadioInfo
	m.ask(t, "list the medium's radios", func(ctx context.Context, c *api.Client) (err error) {
		radios, err = c.Radios(ctx)
		return err
	})
	return radios
}

// assertCarried checks that the medium, not the kernel, carried frames in
// both directions between the AP's radio and each station's: its link
// counters grew and unicast frames were acknowledged.
func (m *mediumRun) assertCarried(t *testing.T, ap string, stations ...string) {
	t.Helper()
	radios := m.radios(t)
	byIface := map[string]api.RadioInfo{}
	for _, r := range radios {
		byIface[r.Iface] = r
	}
	frames := func(from, to string) uint64 {
		for _, l := range byIface[from].Links {
			if l.To == to {
				return l.Frames
			}
		}
		return 0
	}
	for _, sta := range stations {
		for _, pair := range [][2]string{{ap, sta}, {sta, ap}} {
			if n := frames(pair[0], pair[1]); n == 0 {
				t.Errorf("the medium carried no frames from %s to %s: %+v", pair[0], pair[1], radios)
			} else {
				t.Logf("medium carried %d frames %s -> %s", n, pair[0], pair[1])
			}
		}
		if byIface[sta].Stats.Acked == 0 {
			t.Errorf("no unicast frame from %s was acknowledged through the medium", sta)
		}
	}
}
