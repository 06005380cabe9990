package control

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// TestAFloodOfClientsCostsNoGoroutineEach: with every slot taken, 300
// more clients that send nothing are each told the medium is busy, while
// the medium spends at most maxRefusing goroutines on them; the clients it
// serves are not disturbed.
func TestAFloodOfClientsCostsNoGoroutineEach(t *testing.T) {
	r := serve(t, nil, 0)
	held := make([]*rawConn, 0, api.MaxConns)
	for range api.MaxConns {
		rc := dialRaw(t, r.path)
		require.True(t, rc.send(`{"v":1,"cmd":"status"}`).OK) // holds a slot
		held = append(held, rc)
	}
	base := runtime.NumGoroutine()
	var flood []*rawConn
	for range 300 {
		flood = append(flood, dialRaw(t, r.path))
	}
	// Every one of them is answered, without sending anything.
	for i, rc := range flood {
		resp := rc.recv()
		require.Equal(t, api.CodeBusy, resp.Code, "client %d", i)
	}
	if n := runtime.NumGoroutine(); n > base+maxRefusing+2 {
		t.Errorf("%d goroutines for 300 refused clients (%d before)", n-base, base)
	}
	// The served clients go on.
	for _, rc := range held[:3] {
		assert.True(t, rc.send(`{"v":1,"cmd":"deny.list"}`).OK)
	}
}

// TestNonRootFloodIsRefusedBeforeASlot: peers that may not use the socket
// never take a slot, so root still gets in while they wait to be refused.
func TestNonRootFloodIsRefusedBeforeASlot(t *testing.T) {
	var root atomic.Bool
	r := serve(t, func(uint32) bool { return root.Load() }, 0)
	var flood []*rawConn
	for range api.MaxConns + 10 {
		flood = append(flood, dialRaw(t, r.path)) // silent: refusal waits
	}
	// The first ones wait for a request that never comes; the rest are
	// answered at once.
	for _, rc := range flood[maxRefusing:] {
		assert.Equal(t, api.CodePermissionDenied, rc.recv().Code)
	}
	root.Store(true)
	rc := dialRaw(t, r.path)
	assert.True(t, rc.send(`{"v":1,"cmd":"status"}`).OK, "root is served during a flood of others")
	for _, rc := range flood[:maxRefusing] {
		assert.Equal(t, api.CodePermissionDenied, rc.recv().Code)
	}
}

// TestSlowClientIsCutOff: a client that trickles a request in, a byte at a
// time, has the idle timeout for the whole line, not per byte; the line is
// never carried out.
func TestSlowClientIsCutOff(t *testing.T) {
	r := serve(t, nil, 300*time.Millisecond)
	rc := dialRaw(t, r.path)
	line := `{"v":1,"cmd":"deny.clear"}` + "\n"
	start := time.Now()
	var err error
	for i := 0; i < len(line) && err == nil; i++ {
		_, err = rc.c.Write([]byte{line[i]})
		time.Sleep(50 * time.Millisecond)
	}
	// Cut off before the line was whole (26 bytes at 50 ms each).
	_, rerr := rc.r.ReadBytes('\n')
	assert.Error(t, rerr, "no answer to a line that was cut off")
	assert.Less(t, time.Since(start), 3*time.Second)
	assert.Empty(t, r.m.Changes())
}
