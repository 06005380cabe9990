package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildRootfs: the image holds the test binary, the project's
// executables (not other files) and the tools with their libraries at
// merged-/usr paths, modprobe is kmod, and every entry's directory comes
// before it (podman import creates nothing on its own).
func TestBuildRootfs(t *testing.T) {
	for _, tool := range imageTools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make vm-deps): %v", tool, err)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "hwsim-medium"), []byte("medium"), 0o755)
	os.WriteFile(filepath.Join(bin, "notes.txt"), []byte("not a program"), 0o644)
	testBin := filepath.Join(dir, "integration.test")
	os.WriteFile(testBin, []byte("tests"), 0o755)
	out := filepath.Join(dir, "rootfs.tar")
	if err := buildRootfs(out, testBin, bin); err != nil {
		t.Fatal(err)
	}

	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries := map[string]*tar.Header{}
	r := tar.NewReader(f)
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if d := path.Dir(name); d != "." && entries[d] == nil {
			t.Errorf("%s comes before its directory %s", name, d)
		}
		entries[name] = h
	}
	kmod := "/" + clean(canonicalTool(mustLook("kmod")))
	for _, c := range []struct {
		name     string
		typ      byte
		link     string
		execable bool
	}{
		{"usr/local/bin/integration.test", tar.TypeReg, "", true},
		{"usr/local/bin/hwsim-medium", tar.TypeReg, "", true},
		{"usr/sbin/modprobe", tar.TypeSymlink, kmod, false},
		{"bin", tar.TypeSymlink, "usr/bin", false},
		{"lib", tar.TypeSymlink, "usr/lib", false},
		{"var/run", tar.TypeSymlink, "../run", false},
		{"tmp", tar.TypeDir, "", false},
		{"etc/group", tar.TypeReg, "", false},
		{clean(canonicalTool(mustLook("hostapd"))), tar.TypeReg, "", true},
		{clean(canonicalTool(mustLook("wpa_supplicant"))), tar.TypeReg, "", true},
	} {
		h := entries[c.name]
		switch {
		case h == nil:
			t.Errorf("%s: missing from the image", c.name)
		case h.Typeflag != c.typ || h.Linkname != c.link:
			t.Errorf("%s: type %c link %q, want %c %q", c.name, h.Typeflag, h.Linkname, c.typ, c.link)
		case c.execable && h.Mode&0o111 == 0:
			t.Errorf("%s: mode %o, want executable", c.name, h.Mode)
		}
	}
	if entries["usr/local/bin/notes.txt"] != nil {
		t.Error("a non-executable file of the bin dir is in the image")
	}
	libs, err := ldd(mustLook("hostapd"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if entries[clean(canonical(l))] == nil {
			t.Errorf("hostapd's library %s is missing", clean(canonical(l)))
		}
	}
}

func TestContainerVerdict(t *testing.T) {
	pass := "    --- PASS: TestWPA2TwoStations/kernel-direct (20.00s)\n    --- PASS: TestWPA2TwoStations/medium (25.00s)\n--- PASS: TestWPA2TwoStations (45.00s)"
	for _, c := range []struct {
		name   string
		out    string
		status int
		want   int
	}{
		{"both providers pass", pass, 0, 0},
		{"the container's status wins", pass, 3, 3},
		{"nothing ran", "PASS", 0, 1},
		{"a failure", strings.Replace(pass, "PASS: TestWPA2TwoStations/medium", "FAIL: TestWPA2TwoStations/medium", 1), 0, 1},
		{"a skip", strings.Replace(pass, "PASS: TestWPA2TwoStations/medium", "SKIP: TestWPA2TwoStations/medium", 1), 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := containerVerdict(strings.Split(c.out, "\n"), c.status); got != c.want {
				t.Errorf("containerVerdict = %d, want %d", got, c.want)
			}
		})
	}
}

// TestContainerRunScriptParses: the generated script is valid bash, has
// no fmt leftovers and runs the test binary with the arguments given.
func TestContainerRunScriptParses(t *testing.T) {
	script := containerRunScript([]string{"-test.run", "^TestWPA2TwoStations$"})
	for _, bad := range []string{"%!", "%["} {
		if strings.Contains(script, bad) {
			t.Errorf("script has a formatting leftover %q:\n%s", bad, script)
		}
	}
	if !strings.Contains(script, "integration.test '-test.run' '^TestWPA2TwoStations$'") {
		t.Errorf("script does not run the test binary with the arguments:\n%s", script)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	cmd := exec.Command(bash, "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s\n%s", err, out, script)
	}
}
