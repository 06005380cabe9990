package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// failingMedium fails to deny for a reason that is no one's input.
type failingMedium struct{ *medium.Medium }

func (failingMedium) Deny(...medium.DenyRule) error { return errors.New("the denylist is on fire") }

// serveWith serves srv on a temporary socket until the test ends.
func serveWith(t *testing.T, srv *Server) string {
	t.Helper()
	if srv.AllowUID == nil {
		me := uint32(os.Getuid())
		srv.AllowUID = func(uid uint32) bool { return uid == me }
	}
	path := sockPath(t)
	ln, err := Listen(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not stop")
		}
	})
	return path
}

// TestErrorCodes: the server answers every situation with its code.
func TestErrorCodes(t *testing.T) {
	mdl, _ := newModel(t)
	withModel := serveModel(t, nil, 0, mdl).path
	noModel := serve(t, nil, 0).path
	refusing := serve(t, func(uint32) bool { return false }, 0).path
	broken := serveWith(t, &Server{Medium: failingMedium{newMedium(t)}})
	busy := serve(t, nil, 0).path
	for range api.MaxConns {
		rc := dialRaw(t, busy)
		require.True(t, rc.send(`{"v":1,"cmd":"status"}`).OK) // holds a slot
	}

	tests := []struct {
		name, path, line string
		code             api.Code
		closed           bool // the server hangs up after answering
	}{
		{"not JSON", withModel, `status`, api.CodeBadRequest, false},
		{"empty line", withModel, ``, api.CodeBadRequest, false},
		{"no v", withModel, `{"cmd":"status"}`, api.CodeBadRequest, false},
		{"no cmd", withModel, `{"v":1}`, api.CodeBadRequest, false},
		{"unknown field", withModel, `{"v":1,"cmd":"status","x":1}`, api.CodeBadRequest, false},
		{"too long", withModel, `{"v":1,"cmd":"status","x":"` + strings.Repeat("x", api.MaxRequestSize) + `"}`, api.CodeBadRequest, true},
		{"other version", withModel, `{"v":2,"cmd":"status"}`, api.CodeUnsupportedVersion, false},
		{"unknown command", withModel, `{"v":1,"cmd":"radio.teleport"}`, api.CodeUnknownCommand, false},
		{"args undecodable", withModel, `{"v":1,"cmd":"deny.add","args":[]}`, api.CodeBadArgs, false},
		{"args missing", withModel, `{"v":1,"cmd":"link.block","args":{"tx":"vw0"}}`, api.CodeBadArgs, false},
		{"args out of range", withModel, `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","loss":2}}`, api.CodeBadArgs, false},
		{"model refuses", withModel, `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw_phy0","snr":2}}`, api.CodeBadArgs, false},
		{"unknown radio, denylist", withModel, `{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw9","src":"vw1"}]}}`, api.CodeUnknownRadio, false},
		{"unknown radio, block", withModel, `{"v":1,"cmd":"link.unblock","args":{"tx":"vw9","rx":"vw1"}}`, api.CodeUnknownRadio, false},
		{"unknown radio, model", withModel, `{"v":1,"cmd":"link.clear","args":{"tx":"vw0","rx":"vw9"}}`, api.CodeUnknownRadio, false},
		{"no model", noModel, `{"v":1,"cmd":"model.get"}`, api.CodeNoModel, false},
		{"no capture hub", noModel, `{"v":1,"cmd":"capture"}`, api.CodeUnavailable, false},
		{"not root", refusing, `{"v":1,"cmd":"status"}`, api.CodePermissionDenied, true},
		{"too many connections", busy, `{"v":1,"cmd":"status"}`, api.CodeBusy, true},
		{"medium fails", broken, `{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw0","src":"vw1"}]}}`, api.CodeInternal, false},
	}
	seen := map[api.Code]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := dialRaw(t, tt.path)
			// The server may hang up before it read all of a long line.
			go io.WriteString(rc.c, tt.line+"\n")
			resp := rc.recv()
			assert.False(t, resp.OK)
			assert.NotEmpty(t, resp.Error)
			assert.Equal(t, tt.code, resp.Code, resp.Error)
			seen[resp.Code] = true
			if tt.closed {
				_, err := rc.r.ReadByte()
				assert.Error(t, err, "connection should be closed")
			} else {
				assert.True(t, rc.send(`{"v":1,"cmd":"status"}`).OK, "connection should stay usable")
			}
		})
	}
	for _, c := range []api.Code{api.CodeBadRequest, api.CodeUnsupportedVersion, api.CodeUnknownCommand, api.CodeBadArgs,
		api.CodeUnknownRadio, api.CodeNoModel, api.CodePermissionDenied, api.CodeBusy, api.CodeUnavailable, api.CodeInternal} {
		assert.True(t, seen[c], "no situation produced %s", c)
	}
}

// TestClientErrorCode: the Client hands the code to the caller.
func TestClientErrorCode(t *testing.T) {
	r := serve(t, nil, 0)
	c := dial(t, r.path)
	ctx := ctx5(t)
	err := c.Block(ctx, "vw0", "vw9", false)
	var se *api.ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, api.CodeUnknownRadio, se.Code)
	assert.Equal(t, api.CodeUnknownRadio, api.ErrorCode(fmt.Errorf("block: %w", err)))
	assert.Equal(t, api.CodeNoModel, api.ErrorCode(c.Move(ctx, "vw0", 1, 2, 3)))
	assert.Equal(t, api.Code(""), api.ErrorCode(errors.New("not the medium's")))
	assert.Equal(t, api.Code(""), api.ErrorCode(nil))
}
