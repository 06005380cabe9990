package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:4222", true},
		{"[::1]:4222", true},
		{"10.0.2.2:4222", false},
		{"0.0.0.0:4222", false},
		{"localhost:4222", false}, // names are not resolved: only addresses
		{"127.0.0.1", false},
	} {
		if err := checkLoopback(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}

// guestEnd is the guest's side of a relay: what it writes, and a pipe the
// relay answers into.
type guestEnd struct {
	io.Reader
	io.Writer
}

// TestRelay copies both ways between the guest side and a server on the
// loopback, and ends when the server closes.
func TestRelay(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "echo "+line)
	}()
	out, w := io.Pipe()
	guestIn, guestOut := io.Pipe()
	done := make(chan int)
	go func() { done <- relay(l.Addr().String(), guestEnd{guestIn, w}) }()
	go io.WriteString(guestOut, "hello vm1\n")
	got, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || got != "echo hello vm1\n" {
		t.Fatalf("the guest got %q, %v; want the server's echo", got, err)
	}
	select {
	case st := <-done:
		if st != 0 {
			t.Errorf("relay exit status %d", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not end when the server closed")
	}
	if st := relay("10.0.2.2:1", guestEnd{strings.NewReader(""), io.Discard}); st != 2 {
		t.Errorf("relay to an address beyond loopback: status %d, want 2 (refused)", st)
	}
}
