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
