package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// relayDialTimeout bounds the connection to the host's server; the
// guest's client retries on its own.
const relayDialTimeout = 5 * time.Second

// relayDrain is how long the relay still passes the server's answer on
// after the guest closed its side.
const relayDrain = 5 * time.Second

// relay is the relay mode (hwsim-vm relay 127.0.0.1:PORT): QEMU starts it
// for each connection the guest opens to a guest forward (guestfwd
// ...-cmd:), with the connection as stdin, stdout and stderr, and it
// copies the bytes between them and a TCP connection to addr on the
// host's loopback. So the guest reaches exactly that port and nothing
// else: the card stays restricted (restrict=on), and no netcat is
// needed. It prints nothing (its stderr is the guest's connection too)
// and returns the exit status. guest is the guest's side (os.Stdin and
// os.Stdout).
func relay(addr string, guest io.ReadWriter) int {
	if err := checkLoopback(addr); err != nil {
		return 2
	}
	c, err := net.DialTimeout("tcp", addr, relayDialTimeout)
	if err != nil {
		return 1
	}
	defer c.Close()
	fromGuest := make(chan struct{})
	fromHost := make(chan struct{})
	go func() {
		io.Copy(c, guest)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		close(fromGuest)
	}()
	go func() {
		io.Copy(guest, c)
		close(fromHost)
	}()
	select {
	case <-fromHost:
		// The server closed: the guest sees its connection end when
		// we exit.
	case <-fromGuest:
		// The guest closed (or QEMU ended): let the server's last
		// bytes through, but do not wait for a server that keeps the
		// connection open.
		select {
		case <-fromHost:
		case <-time.After(relayDrain):
		}
	}
	return 0
}

// checkLoopback accepts HOST:PORT only on the host's loopback: the
// relay must not become the guest's way to anything else.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("relay %q: want HOST:PORT: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("relay %q: the relay reaches the host's loopback only (127.0.0.1:PORT)", addr)
	}
	return nil
}

// stdio is the relay's guest side: QEMU's end of the connection as stdin
// and stdout.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
