// Command vm boots the hwsim-medium test VM: Debian's stock kernel (which
// ships mac80211_hwsim) under QEMU with an initramfs built from the host's
// hostapd, wpa_supplicant, iw, iproute2, ... and the project's binaries.
//
//	go run ./integration/vm [flags] test [-- test binary args]   run the integration tests
//	go run ./integration/vm [flags] demo                        run integration/vm/demo.sh
//	go run ./integration/vm [flags] demo-vms                    the seed's three-VM walkthrough (demovms.go)
//	hwsim-vm relay 127.0.0.1:PORT                               (started by QEMU) a guest forward's relay (relay.go)
//	go run ./integration/vm [flags] shell                       interactive bash in the VM
//	go run ./integration/vm [flags] bench [-- test binary args]  run the benchmarks (BenchmarkAir, BenchmarkScale)
//	go run ./integration/vm [flags] run -- command [args]        run one command in the VM (as root, with bash)
//	go run ./integration/vm [flags] initramfs                   only build the initramfs
//	go run ./integration/vm [flags] container [-- test binary args]  run the integration tests in a
//	                                                            privileged podman container in the VM (container.go)
//	go run ./integration/vm [flags] image                       only build that container image's root filesystem
//	                                                            (<cache>/container-rootfs.tar, for podman import)
//
// -forward HOSTPORT:GUESTPORT gives the VM a network card on QEMU's user
// network, isolated (restrict=on) but for the forwarded ports: a test on
// the host reaches a server in the VM at 127.0.0.1:HOSTPORT (the VM is
// 10.0.2.15). -file HOST:GUEST copies a host file into the VM.
//
// The exit status is the status of the command run inside the VM; a VM that
// hangs (see -timeout), panics, keeps reporting a soft lockup for two
// minutes (stopped then, lockup.go) or ends without printing its status
// marker is a failure (exit 1, or 124 for a timeout).
//
// Run integration/vm/setup.sh (make vm-deps) first.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

//go:embed init.sh
var initScript []byte

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hwsim-vm: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf("FAIL: "+format, args...)
	os.Exit(1)
}

func repoRoot() string {
	d, err := os.Getwd()
	if err != nil {
		fatalf("%v", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "hwsim-medium") {
			return d
		}
		p := filepath.Dir(d)
		if p == d {
			fatalf("cannot find the repository root (go.mod) above the current directory")
		}
		d = p
	}
}

func main() {
	// QEMU starts the relay for each guest connection to a guest
	// forward, with the connection as stdin and stdout: nothing else of
	// this program runs then.
	if len(os.Args) == 3 && os.Args[1] == "relay" {
		os.Exit(relay(os.Args[2], stdio{}))
	}
	root := repoRoot()
	cache := flag.String("cache", filepath.Join(root, ".cache", "vm"), "cache dir (kernel from setup.sh, initramfs parts)")
	binDir := flag.String("bin", filepath.Join(root, "bin"), "dir whose executables are copied to /usr/local/bin in the VM")
	testBin := flag.String("test-bin", "", "prebuilt integration test binary (default: build it with go test -c -tags integration ./integration/)")
	timeout := flag.Duration("timeout", 30*time.Minute, "kill the VM after this long and fail (the integration tests take about 16 minutes under TCG)")
	accel := flag.String("accel", "auto", "auto (use KVM only if a probe VM boots with it), tcg or kvm")
	mem := flag.Int("mem", 1024, "VM memory in MB")
	smp := flag.Int("smp", 2, "VM CPUs")
	radios := flag.Int("radios", 0, "shell mode: load mac80211_hwsim with this many radios before the prompt (0: do not load)")
	demoScript := flag.String("demo", filepath.Join(root, "integration", "vm", "demo.sh"), "demo script run in demo mode")
	benchRE := flag.String("bench", "^Benchmark(Air|Scale)$", "bench mode: -test.bench pattern")
	benchOut := flag.String("bench-out", "", "bench mode: where to save the results as JSON (default <cache>/bench.json)")
	var forwards []forward
	flag.Func("forward", "`HOSTPORT:GUESTPORT`: forward 127.0.0.1:HOSTPORT on the host to the VM's GUESTPORT (the VM gets an isolated network card, address 10.0.2.15); repeatable", func(v string) error {
		f, err := parseForward(v)
		forwards = append(forwards, f)
		return err
	})
	files := map[string]string{}
	flag.Func("file", "`HOST:GUEST`: copy the host file HOST to the path GUEST in the VM; repeatable", func(v string) error {
		h, g, ok := strings.Cut(v, ":")
		if !ok || h == "" || !strings.HasPrefix(g, "/") {
			return fmt.Errorf("want HOST:GUEST with an absolute GUEST path, e.g. model.yaml:/root/model.yaml")
		}
		if _, err := os.Stat(h); err != nil {
			return err
		}
		files[strings.TrimPrefix(g, "/")] = h
		return nil
	})
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run ./integration/vm [flags] test|demo|demo-vms|shell|bench|run|initramfs|container|image [-- args passed to the test binary, or run's command]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	mode := flag.Arg(0)
	extra := flag.Args()[1:]
	if len(extra) > 0 && extra[0] == "--" {
		extra = extra[1:]
	}
	switch mode {
	case "test", "demo", "demo-vms", "shell", "bench", "initramfs", "container", "image":
	case "run":
		if len(extra) == 0 {
			fatalf("run: give the command after --, e.g. run -- hwsim-medium --help")
		}
	default:
		flag.Usage()
		os.Exit(2)
	}
	// Absolute: the test binary is built with the repository root as its
	// working directory, wherever the tool was started.
	if abs, err := filepath.Abs(*cache); err == nil {
		*cache = abs
	}
	if err := os.MkdirAll(*cache, 0o755); err != nil {
		fatalf("%v", err)
	}
	if mode == "bench" && !flagSet("timeout") {
		*timeout = benchTimeout
	}
	if mode == "container" && !flagSet("mem") {
		*mem = containerMemMB
	}
	if mode == "demo-vms" && !flagSet("timeout") {
		*timeout = demoVMsTimeout
	}

	k, err := findKernel(*cache)
	if err != nil {
		fatalf("%v", err)
	}
	t0 := time.Now()
	base, err := buildBase(*cache, k)
	if err != nil {
		fatalf("initramfs base: %v", err)
	}

	ov := &overlay{binDir: *binDir, files: map[string][]byte{}, execs: map[string][]byte{}, hostFile: map[string]string{}}
	ov.execs["init"] = initScript
	ov.files["etc/vm/modules"] = []byte(strings.Join(bootModules, "\n") + "\n")
	for guest, host := range files {
		ov.hostFile[guest] = host
	}
	addRegdb(ov)
	addOpenSSLModules(ov)
	if err := addIwd(ov); err != nil {
		fatalf("iwd for the VM: %v", err)
	}
	run := "#!/usr/bin/bash\n# generated by integration/vm (mode " + mode + ")\n"
	if len(forwards) > 0 || mode == "demo-vms" {
		// The card of -forward (or demo-vms' guest forwards);
		// connections to the forwarded ports arrive at the guest's
		// default address.
		run += "modprobe virtio_net && ip link set eth0 up && ip addr add " + guestIP + "/24 dev eth0 || echo 'vm: network setup failed'\n"
	}
	if _, err := os.Stat(filepath.Join(*binDir, "hwsim-medium")); err == nil {
		run += "export HWSIM_MEDIUM=/usr/local/bin/hwsim-medium\n"
	}
	switch mode {
	case "test", "bench", "initramfs", "container", "image":
		tb := *testBin
		if tb == "" {
			tb = filepath.Join(*cache, "integration.test")
			t1 := time.Now()
			cmd := exec.Command("go", "test", "-c", "-tags", "integration", "-o", tb, "./integration/")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Run(); err != nil {
				fatalf("building the integration test binary: %v", err)
			}
			logf("built integration test binary in %.1fs", time.Since(t1).Seconds())
		}
		if mode == "image" {
			writeImage(*cache, tb, *binDir)
			return
		}
		if mode == "container" {
			args := append([]string{"-test.v", "-test.timeout=" + (*timeout - 90*time.Second).String()}, extra...)
			r, err := addContainer(ov, *cache, tb, *binDir, args)
			if err != nil {
				fatalf("container mode: %v", err)
			}
			run += r
			break
		}
		ov.testBin = tb
		args := append([]string{"-test.v", "-test.timeout=" + (*timeout - 30*time.Second).String()}, extra...)
		if mode == "bench" {
			// The rounds are the repetitions: each benchmark runs once.
			args = append([]string{"-test.run=^$", "-test.bench=" + *benchRE, "-test.benchtime=1x",
				"-test.timeout=" + (*timeout - 30*time.Second).String()}, extra...)
		}
		if mode == "test" {
			// Files for the host checks come back over the console
			// (hostcheck.go).
			run += "export HWSIM_VM_CONSOLE_FILES=1\n"
		}
		run += "cd /tmp\n/usr/local/bin/integration.test " + shellQuote(args) + "\n"
	case "run":
		run += shellQuote(extra) + "\n"
	case "demo":
		ov.hostFile["usr/local/bin/demo.sh"] = *demoScript
		ov.hostFile["usr/local/bin/demo-lib.sh"] = filepath.Join(filepath.Dir(*demoScript), "demo-lib.sh")
		run += "/usr/bin/bash /usr/local/bin/demo.sh " + shellQuote(extra) + "\n"
	case "demo-vms":
		// One initramfs for the three VMs: each learns its role and the
		// host's ports from the kernel command line.
		for _, f := range []string{"demo-vms.sh", "demo-lib.sh"} {
			ov.hostFile["usr/local/bin/"+f] = filepath.Join(root, "integration", "vm", f)
		}
		run += "/usr/bin/bash /usr/local/bin/demo-vms.sh\n"
	case "shell":
		if *radios > 0 {
			run += fmt.Sprintf("modprobe mac80211_hwsim radios=%d\n", *radios)
		}
		run += `cat <<'EOF'

==== hwsim-medium VM shell ====
Tools: hostapd wpa_supplicant iw ip ping iperf3 tcpdump modprobe; project binaries in /usr/local/bin.
Kernel-direct radios:  modprobe mac80211_hwsim radios=3 ; iw dev
Medium:                modprobe mac80211_hwsim radios=0 ; hwsim-medium --radios 5 &
Exit the shell (exit / Ctrl-D) to power the VM off.
EOF
`
		if rows, cols := termSize(); rows > 0 {
			run += fmt.Sprintf("stty rows %d cols %d 2>/dev/null\n", rows, cols)
		}
		run += "export PS1='[vm \\w]# '\nsetsid cttyhack /usr/bin/bash -i\n"
	}
	ov.execs["etc/vm/run.sh"] = []byte(run)
	ovPath := filepath.Join(*cache, "initramfs-overlay.cpio")
	if err := buildOverlay(ovPath, ov); err != nil {
		fatalf("initramfs overlay: %v", err)
	}
	initrd := filepath.Join(*cache, "initramfs.cpio")
	if err := concat(initrd, base, ovPath); err != nil {
		fatalf("%v", err)
	}
	logf("initramfs ready in %.1fs: %s", time.Since(t0).Seconds(), initrd)
	if mode == "initramfs" {
		return
	}

	acc := chooseAccel(*accel, *cache, k)
	if mode == "demo-vms" {
		self, err := os.Executable()
		if err != nil {
			fatalf("demo-vms: the path of this program, for QEMU to start its relay mode: %v", err)
		}
		// One CPU each unless -smp says otherwise: three VMs share this
		// machine's cores.
		cpus := 1
		if flagSet("smp") {
			cpus = *smp
		}
		os.Exit(runDemoVMs(demoVMsConfig{kernel: k.Vmlinuz, initrd: initrd, accel: acc, memMB: *mem, smp: cpus,
			timeout: *timeout, binDir: *binDir, self: self}))
	}
	res, err := boot(bootOpts{Kernel: k.Vmlinuz, Initrd: initrd, Accel: acc, MemMB: *mem, SMP: *smp,
		Timeout: *timeout, Interactive: mode == "shell", Forwards: forwards})
	if err != nil && res == nil {
		fatalf("%v", err)
	}
	logf("VM ran %.1fs (accel %s, boot to init %.1fs)", res.Elapsed.Seconds(), acc, res.BootTime.Seconds())
	status := res.Status
	switch {
	case res.Interrupted:
		logf("interrupted: the VM was stopped by a signal")
		status = 130
	case res.Lockup != "":
		logf("FAIL: the VM's kernel is stuck (%s); stopped rather than waiting for the %s timeout. "+
			"An overloaded host (other VMs on its cores) or a kernel bug: see the console above", res.Lockup, *timeout)
		status = 1
	case res.TimedOut:
		logf("FAIL: TIMEOUT: the VM did not finish within %s and was killed (raise with -timeout)", *timeout)
		status = 124
	case res.Panic:
		logf("FAIL: kernel panic in the VM (see console output above)")
		status = 1
	case !res.Marker:
		logf("FAIL: the VM stopped without printing VM-EXIT-STATUS (crash or init failure; see console above); qemu: %v", err)
		status = 1
	}
	if mode == "container" {
		status = containerVerdict(res.Lines, status)
	}
	if mode == "test" {
		lines := res.Lines
		if status == 0 || res.Marker {
			host, ok := runHostChecks(res.Lines, ov.testBin, filepath.Join(*cache, "vm-files"))
			lines = append(lines, host...)
			if !ok && status == 0 {
				status = 1
			}
		}
		s := summarize(lines)
		logf("%s", s.String())
		if status == 0 && s.Ran == 0 {
			logf("FAIL: no integration test ran")
			status = 1
		}
		if status == 0 && s.Failed > 0 {
			status = 1
		}
	}
	if mode == "bench" {
		out := *benchOut
		if out == "" {
			out = filepath.Join(*cache, "bench.json")
		}
		if !reportBench(res.Lines, out) && status == 0 {
			status = 1
		}
	}
	if status != 0 {
		logf("exit status %d", status)
	}
	os.Exit(status)
}

func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

func termSize() (int, int) {
	cmd := exec.Command("stty", "size")
	cmd.Stdin = os.Stdin
	out, err := cmd.Output()
	if err != nil {
		return 0, 0
	}
	var r, c int
	fmt.Sscanf(string(out), "%d %d", &r, &c)
	return r, c
}

type summary struct {
	Ran, Passed, Failed, Skipped int
	FailedNames                  []string
}

var resultRE = regexp.MustCompile(`--- (PASS|FAIL|SKIP): (\S+) \(`)

// summarize counts leaf test results (subtests count, their parents do
// not; with -test.count=N every run counts) from -test.v output.
func summarize(lines []string) summary {
	type result struct{ name, r string }
	var results []result
	names := map[string]bool{}
	for _, l := range lines {
		if m := resultRE.FindStringSubmatch(l); m != nil {
			results = append(results, result{m[2], m[1]})
			names[m[2]] = true
		}
	}
	hasChild := func(name, want string) bool {
		for _, o := range results {
			if strings.HasPrefix(o.name, name+"/") && (want == "" || o.r == want) {
				return true
			}
		}
		return false
	}
	var s summary
	failed := map[string]bool{}
	for _, res := range results {
		if hasChild(res.name, "") {
			// A parent counts only if it failed on its own (e.g. in setup
			// before any t.Run).
			if res.r != "FAIL" || hasChild(res.name, "FAIL") {
				continue
			}
		}
		s.Ran++
		switch res.r {
		case "PASS":
			s.Passed++
		case "FAIL":
			s.Failed++
			failed[res.name] = true
		case "SKIP":
			s.Skipped++
		}
	}
	for n := range failed {
		s.FailedNames = append(s.FailedNames, n)
	}
	sort.Strings(s.FailedNames)
	return s
}

func (s summary) String() string {
	r := fmt.Sprintf("integration summary: %d tests ran, %d passed, %d failed, %d skipped", s.Ran, s.Passed, s.Failed, s.Skipped)
	if len(s.FailedNames) > 0 {
		r += " (failed: " + strings.Join(s.FailedNames, ", ") + ")"
	}
	return r
}

// benchTimeout is bench mode's -timeout unless one is given: three rounds
// of the air scenario per configuration plus the scale scenario take
// 10-20 minutes under TCG.
const benchTimeout = 45 * time.Minute

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
