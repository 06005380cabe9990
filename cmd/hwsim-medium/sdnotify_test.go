package main

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSDNotify(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	require.NoError(t, sdNotify("READY=1"), "not run by systemd: nothing to do")

	path := filepath.Join(t.TempDir(), "notify")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	defer l.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	require.NoError(t, sdNotify("READY=1\nSTATUS=serving frames"))
	buf := make([]byte, 256)
	require.NoError(t, l.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, err := l.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "READY=1\nSTATUS=serving frames", string(buf[:n]))

	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "nobody"))
	assert.Error(t, sdNotify("READY=1"))
}
