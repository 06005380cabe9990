package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
)

// countingConn is the fake kernel with the counters FrameSocket keeps.
type countingConn struct {
	*hwsimtest.Conn
}

func (countingConn) Stats() hwsim.SocketStats {
	return hwsim.SocketStats{Overruns: 3, Malformed: 2, SendErrors: 5, Rejected: 7, Skipped: 11, Unanswered: 13, Sends: 17, Messages: 19}
}

// `vwifi-tool stats` shows the frame socket's counters of a running
// medium: overflows, undecodable messages and refused sends are not only
// in the medium's exit log line.
func TestStatsShowsTheSocketsCounters(t *testing.T) {
	m, sock := startMedium(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, countingConn{hwsimtest.NewConn()}) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool { return m.Status().Socket != nil }, 10*time.Second, time.Millisecond)
	stdout, stderr, code := runTool("--socket", sock, "stats")
	require.Equal(t, 0, code, stderr)
	words := strings.Join(strings.Fields(stdout), " ")
	for _, want := range []string{
		"socket overruns: 3", "socket malformed: 2", "socket send errors: 5", "deliveries refused: 7",
		"deliveries skipped: 11", "answers lost: 13 (waits for the kernel's answers", "sends: 17 (19 messages)",
	} {
		assert.Contains(t, words, want)
	}
}
