package main

import (
	"fmt"
	"net"
	"os"
)

// sdNotify tells systemd about the service's state (sd_notify(3)): state
// is one or more VAR=value lines such as "READY=1". Without
// $NOTIFY_SOCKET (not run by systemd with Type=notify) it does nothing.
// The protocol is one datagram to a unix socket; an abstract socket's
// name starts with '@', which package net understands.
func sdNotify(state string) error {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return nil
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	defer c.Close()
	if _, err := c.Write([]byte(state)); err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	return nil
}
