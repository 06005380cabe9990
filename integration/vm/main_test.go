package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	out := `=== RUN   TestA
--- PASS: TestA (1.00s)
=== RUN   TestB
    --- PASS: TestB/kernel-direct (2.00s)
    --- SKIP: TestB/medium (0.00s)
--- PASS: TestB (2.00s)
    --- FAIL: TestC/kernel-direct (3.00s)
--- FAIL: TestC (3.00s)
--- FAIL: TestD (0.10s)
        --- 10.0.0.3 ping statistics ---
--- PASS: TestA (1.00s)
`
	s := summarize(strings.Split(out, "\n"))
	want := summary{Ran: 6, Passed: 3, Failed: 2, Skipped: 1, FailedNames: []string{"TestC/kernel-direct", "TestD"}}
	if s.String() != want.String() {
		t.Errorf("got %s\nwant %s", s, want)
	}
}

func TestCpioListsWithHostCpio(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("cpio not installed")
	}
	var buf bytes.Buffer
	c := newCpioWriter(&buf)
	c.Bytes("usr/local/bin/x", 0o755, []byte("hello"))
	c.Symlink("lib", "usr/lib")
	c.Mkdir("tmp", 0o1777)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("cpio", "-it", "--quiet")
	cmd.Stdin = &buf
	got, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "usr\nusr/local\nusr/local/bin\nusr/local/bin/x\nlib\ntmp\n"
	if string(got) != want {
		t.Errorf("cpio -it:\n%s\nwant:\n%s", got, want)
	}
}

func TestForwards(t *testing.T) {
	f, err := parseForward("18080:8080")
	if err != nil || f != (forward{Host: 18080, Guest: 8080}) {
		t.Errorf("parseForward: %+v %v", f, err)
	}
	for _, bad := range []string{"8080", "a:1", "0:80", "80:70000", ""} {
		if _, err := parseForward(bad); err == nil {
			t.Errorf("parseForward(%q) accepted", bad)
		}
	}
	if got := strings.Join(nicArgs(nil, nil), " "); got != "-nic none" {
		t.Errorf("no forwards: %s", got)
	}
	// Forwarded ports listen on the host's loopback only, and the guest
	// is isolated from the host and the outside.
	got := strings.Join(nicArgs([]forward{{18080, 8080}, {2222, 22}}, nil), " ")
	want := "-nic user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:18080-:8080,hostfwd=tcp:127.0.0.1:2222-:22"
	if got != want {
		t.Errorf("nicArgs:\n got %s\nwant %s", got, want)
	}
	// A guest forward keeps the card restricted; commas in its command
	// are doubled for QEMU's option syntax.
	got = strings.Join(nicArgs(nil, []guestFwd{{4222, "/x/hwsim-vm relay 127.0.0.1:4222,y"}}), " ")
	want = "-nic user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.4:4222-cmd:/x/hwsim-vm relay 127.0.0.1:4222,,y"
	if got != want {
		t.Errorf("nicArgs with a guest forward:\n got %s\nwant %s", got, want)
	}
}
