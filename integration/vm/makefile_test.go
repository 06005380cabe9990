package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fakeGo stands in for the go command in `make fuzz GO=...`: one package
// (in $FAKE_DIR) with one fuzz target, FuzzA, whose run ends as
// $FAKE_FUZZ says: "pass", "deadline" (Go's coordinator race: fails with
// "context deadline exceeded", writes nothing), "crash" (fails and writes
// an input), "broken" (fails, writes nothing, another message).
const fakeGo = `#!/bin/sh
case "$1 $2" in
"list ./...") echo example.com/fake ;;
"list -f") echo "$FAKE_DIR" ;;
"test -list") echo FuzzA; echo "ok example.com/fake" ;;
"test -run")
	echo "fuzz: elapsed: 5s, execs: 1000 (200/sec)"
	case "$FAKE_FUZZ" in
	pass) echo PASS ;;
	deadline) printf -- '--- FAIL: FuzzA (5.18s)\n    context deadline exceeded\nFAIL\n'; exit 1 ;;
	crash) mkdir -p "$FAKE_DIR/testdata/fuzz/FuzzA"; echo 'go test fuzz v1' >"$FAKE_DIR/testdata/fuzz/FuzzA/0123"
		printf -- '--- FAIL: FuzzA (1.00s)\n    panic: boom\n'; exit 1 ;;
	broken) echo 'fake.go:1: syntax error'; exit 1 ;;
	esac ;;
*) echo "fake go: unexpected $*" >&2; exit 3 ;;
esac
`

// make fuzz stops on a failing input and on any other failure, but not
// on Go's "context deadline exceeded" at the end of -fuzztime when no
// input was written (golang/go#75804, go1.26).
func TestMakeFuzzTellsFindingsFromTheCoordinatorRace(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	tests := []struct {
		fuzz string
		ok   bool
		says string
	}{
		{"pass", true, "==== example.com/fake FuzzA"},
		{"deadline", true, "not a finding"},
		{"crash", false, "FuzzA FAILED (new inputs in"},
		{"broken", false, "FuzzA FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.fuzz, func(t *testing.T) {
			dir := t.TempDir()
			goBin := filepath.Join(dir, "go")
			if err := os.WriteFile(goBin, []byte(fakeGo), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("make", "-C", "../..", "fuzz", "GO="+goBin, "FUZZTIME=5s")
			cmd.Env = append(os.Environ(), "FAKE_DIR="+dir, "FAKE_FUZZ="+tt.fuzz)
			out, err := cmd.CombinedOutput()
			if (err == nil) != tt.ok {
				t.Errorf("make fuzz: err %v, want ok %v\n%s", err, tt.ok, out)
			}
			if !strings.Contains(string(out), tt.says) {
				t.Errorf("make fuzz does not say %q:\n%s", tt.says, out)
			}
		})
	}
}

// Every make target that boots the VM hands the tool make's CACHE, so
// CACHE=... moves the kernel, the initramfs and the test binary together
// (the tool's own default is the repository's .cache/vm).
func TestMakeTargetsPassTheCache(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	const cache = "/nonexistent/hwsim-cache"
	// Every target that needs the VM tool built, as the Makefile says.
	mk, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range regexp.MustCompile(`(?m)^([a-z][a-z-]*):[^=\n]*\bvm-tool\b`).FindAllStringSubmatch(string(mk), -1) {
		targets = append(targets, m[1])
	}
	if len(targets) < 6 {
		t.Fatalf("found only %v needing the VM tool in the Makefile", targets)
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			// -n prints the recipes without running them.
			out, err := exec.Command("make", "-C", "../..", "-n", target, "CACHE="+cache).CombinedOutput()
			if err != nil {
				t.Fatalf("make -n %s: %v\n%s", target, err, out)
			}
			runs := 0
			for _, l := range strings.Split(string(out), "\n") {
				if !strings.Contains(l, cache+"/hwsim-vm") {
					continue
				}
				if strings.HasPrefix(strings.TrimSpace(l), "go build") {
					continue
				}
				runs++
				if !strings.Contains(l, "-cache "+cache) && !strings.Contains(l, "HWSIM_VM_CACHE="+cache) {
					t.Errorf("the VM tool runs without the cache:\n%s", l)
				}
			}
			if runs == 0 {
				t.Errorf("make -n %s runs no VM tool:\n%s", target, out)
			}
		})
	}
}
