//go:build browser

package browser

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// vmBootTimeout bounds the VM's boot and the seed's set-up (associations
// under TCG take tens of seconds).
const vmBootTimeout = 8 * time.Minute

// TestLiveViewVM works the page of a medium that runs in the test VM,
// with the seed's scenario and real traffic (seed.sh), through a port
// QEMU forwards to the host's loopback. HWSIM_VM is the VM tool (make
// test-browser builds it and sets it, and HWSIM_VM_CACHE to its cache).
func TestLiveViewVM(t *testing.T) {
	vm := os.Getenv("HWSIM_VM")
	if vm == "" {
		t.Skip("HWSIM_VM is not set: run make test-browser, which builds the VM tool")
	}
	port := freeHostPort(t)
	var b [16]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	model, _ := filepath.Abs("../../docs/watch-five.yaml")
	seed, _ := filepath.Abs("seed.sh")
	args := []string{"-timeout", "15m", "-forward", fmt.Sprintf("%d:8080", port),
		"-file", model + ":/root/five.yaml", "-file", seed + ":/root/seed.sh"}
	if c := os.Getenv("HWSIM_VM_CACHE"); c != "" {
		// make test-browser's CACHE: the VM tool's own default is the
		// repository's .cache/vm.
		args = append(args, "-cache", c)
	}
	args = append(args, "run", "--", "bash", "/root/seed.sh", "/root/five.yaml", token)
	cmd := exec.Command(vm, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the VM: %v", err)
	}
	console := &lines{}
	ready, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			console.add(sc.Text())
			if strings.Contains(sc.Text(), "WATCH-READY") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	t.Cleanup(func() {
		// The VM tool stops qemu on SIGTERM.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-ended:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
		}
		cmd.Wait()
		if t.Failed() {
			t.Logf("VM console, last lines:\n%s", console.tail(80))
		}
	})
	select {
	case <-ready:
	case <-ended:
		t.Fatal("the VM ended before the seed's scenario was up")
	case <-time.After(vmBootTimeout):
		t.Fatalf("the seed's scenario was not up within %s", vmBootTimeout)
	}
	t.Logf("the seed's scenario is up in the VM; its view is forwarded to 127.0.0.1:%d", port)
	checkLiveView(t, newBrowser(t), medium{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: token}, "vw1>vw0", screenshotPath("WATCH_SCREENSHOT"))
}

// freeHostPort returns a port of the host's loopback that nobody uses now.
func freeHostPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// lines keeps the VM's console.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (c *lines) add(s string) {
	c.mu.Lock()
	c.l = append(c.l, s)
	c.mu.Unlock()
}

func (c *lines) tail(n int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.l[max(0, len(c.l)-n):], "\n")
}
