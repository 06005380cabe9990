package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Host checks: some checks need tools that are too big for the VM image
// (tshark and its libraries: about 170 MB). A test in the VM sends the
// files to check over the console, gzipped and base64-encoded:
//
//	VM-FILE <name> <chunk>        (repeated)
//	VM-FILE-END <name>
//	VM-HOSTCHECK <TestName>
//
// and after the VM the tool saves the files in <cache>/vm-files and runs
// the named tests of the same integration test binary on the host, with
// HWSIM_VM_FILES pointing at them. Their results join the summary.

// vmFiles is what the tests in the VM sent for the host.
type vmFiles struct {
	Files  map[string][]byte
	Checks []string
}

// collectFiles reads the VM-FILE and VM-HOSTCHECK lines.
func collectFiles(lines []string) (*vmFiles, error) {
	out := &vmFiles{Files: map[string][]byte{}}
	chunks := map[string]*strings.Builder{}
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "VM-FILE "):
			name, chunk, _ := strings.Cut(strings.TrimPrefix(l, "VM-FILE "), " ")
			if chunks[name] == nil {
				chunks[name] = &strings.Builder{}
			}
			chunks[name].WriteString(chunk)
		case strings.HasPrefix(l, "VM-FILE-END "):
			name := strings.TrimSpace(strings.TrimPrefix(l, "VM-FILE-END "))
			b := chunks[name]
			if b == nil || name != filepath.Base(name) || name == "." || name == ".." {
				return out, fmt.Errorf("VM-FILE-END %q without data (or not a plain file name)", name)
			}
			data, err := gunzipBase64(b.String())
			if err != nil {
				return out, fmt.Errorf("VM-FILE %s (console noise inside it?): %w", name, err)
			}
			out.Files[name] = data
			delete(chunks, name)
		case strings.HasPrefix(l, "VM-HOSTCHECK "):
			name := strings.TrimSpace(strings.TrimPrefix(l, "VM-HOSTCHECK "))
			if !slices.Contains(out.Checks, name) {
				out.Checks = append(out.Checks, name)
			}
		}
	}
	return out, nil
}

func gunzipBase64(s string) ([]byte, error) {
	z, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// runHostChecks saves the files the VM sent into dir and runs the host
// checks it asked for with the test binary. It returns the checks'
// output lines (for the summary) and whether they ran and passed.
func runHostChecks(lines []string, testBin, dir string) ([]string, bool) {
	f, err := collectFiles(lines)
	if err != nil {
		logf("FAIL: %v", err)
		return nil, false
	}
	if len(f.Checks) == 0 {
		return nil, true
	}
	if err := os.RemoveAll(dir); err != nil {
		logf("FAIL: %v", err)
		return nil, false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		logf("FAIL: %v", err)
		return nil, false
	}
	for name, data := range f.Files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			logf("FAIL: saving %s: %v", name, err)
			return nil, false
		}
	}
	logf("host checks %s on %d files in %s", strings.Join(f.Checks, ", "), len(f.Files), dir)
	cmd := exec.Command(testBin, "-test.v", "-test.run", "^("+strings.Join(f.Checks, "|")+")$")
	cmd.Env = append(os.Environ(), "HWSIM_VM_FILES="+dir)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(os.Stdout, &out)
	cmd.Stderr = os.Stderr
	err = cmd.Run()
	res := strings.Split(out.String(), "\n")
	if err != nil {
		logf("FAIL: host checks: %v", err)
		return res, false
	}
	return res, true
}
