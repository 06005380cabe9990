package control

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// TestExecAnswersAsTheSocket proves that a request carried out in-process
// gets the response the socket gives, byte for byte, errors included,
// and changes the same model.
func TestExecAnswersAsTheSocket(t *testing.T) {
	mdl, _ := newModel(t)
	srv := &Server{Medium: newMediumWith(t, mdl), Model: mdl, Log: slog.New(slog.DiscardHandler), AllowUID: func(uint32) bool { return true }}
	path := sockPath(t)
	ln, err := Listen(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReader(c)
	viaSocket := func(line string) string {
		t.Helper()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		_, err := c.Write([]byte(line + "\n"))
		require.NoError(t, err)
		resp, err := r.ReadString('\n')
		require.NoError(t, err)
		return resp
	}

	// Each line is sent twice, so each must be idempotent.
	for _, line := range []string{
		`not json`,
		`{"v":1,"cmd":"nope"}`,
		`{"v":2,"cmd":"radios"}`,
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw1","x":"far"}}`,
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw9","x":1}}`,
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw1","x":12.5,"y":-3}}`,
		`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","both":true,"loss":0.25}}`,
		`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw0","loss":0.25}}`,
		`{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw2"}}`,
		`{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw2","src":"vw1"}]}}`,
		`{"v":1,"cmd":"radios"}`,
		`{"v":1,"cmd":"model.get"}`,
	} {
		sock := viaSocket(line)
		inproc, err := json.Marshal(srv.Exec([]byte(line), FullAccess))
		require.NoError(t, err)
		assert.Equal(t, sock, string(inproc)+"\n", line)
	}
	var got api.ModelConfig
	resp := srv.Exec([]byte(`{"v":1,"cmd":"model.get"}`), FullAccess)
	require.True(t, resp.OK)
	require.NoError(t, json.Unmarshal(resp.Result, &got))
	for _, r := range got.Radios {
		if r.Name == "vw1" {
			assert.Equal(t, [2]float64{12.5, -3}, [2]float64{r.X, r.Y}, "the move reached the model")
		}
	}
}

func TestExecReadOnlyRefusesChanges(t *testing.T) {
	mdl, _ := newModel(t)
	m := &recMedium{Medium: newMediumWith(t, mdl)}
	srv := &Server{Medium: m, Model: mdl}
	before := snapJSON(t, mdl)
	for _, cmd := range commandTable() {
		// Arguments that would be wrong: the refusal comes first.
		resp := srv.Exec([]byte(`{"v":1,"cmd":"`+cmd.name+`","args":{"bogus":1}}`), ReadOnly)
		if cmd.readOnly {
			assert.NotEqual(t, api.CodePermissionDenied, resp.Code, cmd.name)
			continue
		}
		assert.False(t, resp.OK, cmd.name)
		assert.Equal(t, api.CodePermissionDenied, resp.Code, cmd.name)
		assert.Contains(t, resp.Error, cmd.name)
	}
	resp := srv.Exec([]byte(`{"v":1,"cmd":"radio.move","args":{"radio":"vw1","x":5}}`), ReadOnly)
	assert.Equal(t, api.CodePermissionDenied, resp.Code)
	resp = srv.Exec([]byte(`{"v":1,"cmd":"radios"}`), ReadOnly)
	assert.True(t, resp.OK)
	assert.Empty(t, m.Changes())
	assert.Equal(t, before, snapJSON(t, mdl), "the model did not change")
}
