package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

var _ Medium = (*medium.Medium)(nil)

// newMedium returns a medium with radios vw0..vw2 named like the seed's.
func newMedium(t testing.TB) *medium.Medium { return newMediumWith(t, nil) }

// newMediumWith returns a medium with model mdl (nil: the default) and
// radios vw0..vw2 named like the seed's.
func newMediumWith(t testing.TB, mdl medium.Model) *medium.Medium {
	t.Helper()
	m := medium.New(medium.Config{Model: mdl, Clock: &stepClock{now: time.Unix(1000, 0)}})
	for k := range byte(3) {
		m.AddRadio(medium.RadioConfig{
			Name:   fmt.Sprintf("vw_phy%d", k),
			Iface:  fmt.Sprintf("vw%d", k),
			HWAddr: mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0},
		})
	}
	return m
}

// sockPath returns a socket path short enough for sun_path.
func sockPath(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctl")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "medium.sock")
}

// recMedium counts the calls that change a medium's state.
type recMedium struct {
	*medium.Medium
	mu      sync.Mutex
	changes []string
}

func (r *recMedium) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, s)
}

func (r *recMedium) Changes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.changes...)
}

func (r *recMedium) Deny(rules ...medium.DenyRule) error {
	err := r.Medium.Deny(rules...)
	if err == nil {
		r.note(fmt.Sprintf("deny %v", rules))
	}
	return err
}

func (r *recMedium) SetDenylist(rules ...medium.DenyRule) error {
	err := r.Medium.SetDenylist(rules...)
	if err == nil {
		r.note(fmt.Sprintf("set %v", rules))
	}
	return err
}

func (r *recMedium) Allow(rules ...medium.DenyRule) {
	r.Medium.Allow(rules...)
	r.note(fmt.Sprintf("allow %v", rules))
}

func (r *recMedium) ClearDenylist() {
	r.Medium.ClearDenylist()
	r.note("clear")
}

func (r *recMedium) Block(tx, rx string, blocked bool) error {
	err := r.Medium.Block(tx, rx, blocked)
	if err == nil {
		r.note(fmt.Sprintf("block %s %s %v", tx, rx, blocked))
	}
	return err
}

type rig struct {
	path string
	m    *recMedium
	stop func() error // cancels Serve and returns its result
}

// serve serves a fresh medium on a temporary socket; allow is the peer
// check (nil: allow the test's own user).
func serve(t testing.TB, allow func(uint32) bool, idle time.Duration) *rig {
	t.Helper()
	return serveModel(t, allow, idle, nil)
}

// serveModel is serve for a medium whose link model is mdl (nil: none).
func serveModel(t testing.TB, allow func(uint32) bool, idle time.Duration, mdl *model.Model) *rig {
	t.Helper()
	if allow == nil {
		me := uint32(os.Getuid())
		allow = func(uid uint32) bool { return uid == me }
	}
	path := sockPath(t)
	ln, err := Listen(path)
	require.NoError(t, err)
	srv := &Server{Log: slog.New(slog.DiscardHandler), AllowUID: allow, Idle: idle}
	r := &rig{path: path}
	if mdl != nil { // a nil *model.Model would be a non-nil Model
		srv.Model = mdl
		r.m = &recMedium{Medium: newMediumWith(t, mdl)}
	} else {
		r.m = &recMedium{Medium: newMedium(t)}
	}
	srv.Medium = r.m
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var result error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(5 * time.Second):
				result = errors.New("Serve did not return within 5s of cancel")
			}
		})
		return result
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func dial(t testing.TB, path string) *api.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := api.Dial(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func rule(dst, src string) api.DenyRule { return api.DenyRule{Dst: dst, Src: src} }

func TestCommandsRoundTrip(t *testing.T) {
	r := serve(t, nil, 0)
	c := dial(t, r.path) // one persistent connection for every command
	ctx := ctx5(t)

	tests := []struct {
		name    string
		do      func() (any, error)
		want    any
		changes []string // state changes the command makes
	}{{
		name: "status",
		do: func() (any, error) {
			st, err := c.Status(ctx)
			st.Uptime = 0 // checked below
			if st.Process == nil || st.Process.Goroutines == 0 || st.Process.HeapBytes == 0 {
				return st, fmt.Errorf("no process stats: %+v", st.Process)
			}
			st.Process = nil // they vary
			return st, err
		},
		want: api.Status{Version: api.Version, Protocol: 1, Radios: 3},
	}, {
		name: "radios",
		do: func() (any, error) {
			rs, err := c.Radios(ctx)
			var out []string
			for _, r := range rs {
				out = append(out, fmt.Sprintf("%d %s %s %s", r.ID, r.Iface, r.Name, r.HWAddr))
			}
			return out, err
		},
		want: []string{"0 vw0 vw_phy0 00:76:77:30:00:00", "1 vw1 vw_phy1 00:76:77:31:00:00", "2 vw2 vw_phy2 00:76:77:32:00:00"},
	}, {
		name: "deny.list empty",
		do:   func() (any, error) { return c.DenyList(ctx) },
		want: []api.DenyRule{},
	}, {
		name:    "deny.add",
		do:      func() (any, error) { return c.DenyAdd(ctx, rule("vw2", "vw1"), rule("vw_phy0", "vw1")) },
		want:    []api.DenyRule{rule("vw0", "vw1"), rule("vw2", "vw1")},
		changes: []string{"deny [{vw2 vw1} {vw_phy0 vw1}]"},
	}, {
		name: "deny.list",
		do:   func() (any, error) { return c.DenyList(ctx) },
		want: []api.DenyRule{rule("vw0", "vw1"), rule("vw2", "vw1")},
	}, {
		name:    "deny.remove",
		do:      func() (any, error) { return c.DenyRemove(ctx, rule("vw0", "vw1"), rule("vw1", "vw0")) },
		want:    []api.DenyRule{rule("vw2", "vw1")},
		changes: []string{"allow [{vw0 vw1} {vw1 vw0}]"},
	}, {
		name:    "deny.set replaces, keeping what stays",
		do:      func() (any, error) { return c.DenySet(ctx, rule("vw_phy2", "vw1"), rule("vw0", "vw2")) },
		want:    []api.DenyRule{rule("vw0", "vw2"), rule("vw2", "vw1")},
		changes: []string{"set [{vw_phy2 vw1} {vw0 vw2}]"},
	}, {
		name:    "deny.set drops old rules",
		do:      func() (any, error) { return c.DenySet(ctx, rule("vw1", "vw0")) },
		want:    []api.DenyRule{rule("vw1", "vw0")},
		changes: []string{"set [{vw1 vw0}]"},
	}, {
		name:    "deny.clear",
		do:      func() (any, error) { return nil, c.DenyClear(ctx) },
		changes: []string{"clear"},
	}, {
		name: "deny.list after clear",
		do:   func() (any, error) { return c.DenyList(ctx) },
		want: []api.DenyRule{},
	}, {
		name:    "link.block",
		do:      func() (any, error) { return nil, c.Block(ctx, "vw0", "vw1", false) },
		changes: []string{"block vw0 vw1 true"},
	}, {
		name:    "link.block both",
		do:      func() (any, error) { return nil, c.Block(ctx, "vw0", "vw2", true) },
		changes: []string{"block vw0 vw2 true", "block vw2 vw0 true"},
	}, {
		name:    "link.unblock",
		do:      func() (any, error) { return nil, c.Unblock(ctx, "vw0", "vw1", false) },
		changes: []string{"block vw0 vw1 false"},
	}, {
		name:    "link.unblock both",
		do:      func() (any, error) { return nil, c.Unblock(ctx, "vw_phy0", "00:76:77:32:00:00", true) },
		changes: []string{"block vw_phy0 00:76:77:32:00:00 false", "block 00:76:77:32:00:00 vw_phy0 false"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(r.m.Changes())
			got, err := tt.do()
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			var changes []string
			if after := r.m.Changes(); len(after) > before {
				changes = after[before:]
			}
			assert.Equal(t, tt.changes, changes)
		})
	}

	st, err := c.Status(ctx)
	require.NoError(t, err)
	assert.Greater(t, st.Uptime, 0.0)
	assert.Equal(t, time.Duration(st.Uptime*1e9), st.UptimeDuration())
}

func TestClientServerErrors(t *testing.T) {
	r := serve(t, nil, 0)
	c := dial(t, r.path)
	ctx := ctx5(t)
	_, err := c.DenyAdd(ctx, rule("vw2", "vw1"))
	require.NoError(t, err)
	base := r.m.Changes()

	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"unknown dst", func() error { _, err := c.DenyAdd(ctx, rule("vw9", "vw1")); return err }, `deny: destination "vw9": no such radio`},
		{"all or none", func() error { _, err := c.DenyAdd(ctx, rule("vw0", "vw1"), rule("vw0", "vw7")); return err }, `"vw7": no such radio`},
		{"missing src", func() error { _, err := c.DenyAdd(ctx, rule("vw2", "")); return err }, `rules[0]: missing "src"`},
		{"no rules", func() error { _, err := c.DenyAdd(ctx); return err }, `needs at least one`},
		{"set unknown", func() error { _, err := c.DenySet(ctx, rule("vw0", "nope")); return err }, `"nope": no such radio`},
		{"block unknown", func() error { return c.Block(ctx, "vw0", "vw5", true) }, `"vw5": no such radio`},
		{"block missing rx", func() error { return c.Block(ctx, "vw0", "", false) }, `missing "rx"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var se *api.ServerError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, se.Message, tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "medium: "), err.Error())
		})
	}
	rules, err := c.DenyList(ctx)
	require.NoError(t, err)
	assert.Equal(t, []api.DenyRule{rule("vw2", "vw1")}, rules)
	assert.Equal(t, base, r.m.Changes(), "failed requests changed the medium")
}

// rawConn talks the wire protocol by hand.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, path string) *rawConn {
	t.Helper()
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawConn) send(line string) api.Response {
	rc.t.Helper()
	_, err := io.WriteString(rc.c, line+"\n")
	require.NoError(rc.t, err)
	return rc.recv()
}

func (rc *rawConn) recv() api.Response {
	rc.t.Helper()
	line, err := rc.r.ReadBytes('\n')
	require.NoError(rc.t, err)
	var resp api.Response
	require.NoError(rc.t, json.Unmarshal(line, &resp), "response %q", line)
	return resp
}

func TestMalformedRequests(t *testing.T) {
	r := serve(t, nil, 0)
	c := dial(t, r.path)
	_, err := c.DenyAdd(ctx5(t), rule("vw2", "vw1"))
	require.NoError(t, err)
	base := r.m.Changes()
	rc := dialRaw(t, r.path) // all on one connection: errors do not end it

	tests := []struct {
		name, line, want string
		code             api.Code
	}{
		{"garbage bytes", "\x00\xff\xfe garbage \x01", "not a valid JSON request object", api.CodeBadRequest},
		{"not json", "status", "not a valid JSON request object", api.CodeBadRequest},
		{"empty line", "", "empty line", api.CodeBadRequest},
		{"array", `[1,2]`, "not a valid JSON request object", api.CodeBadRequest},
		{"null", `null`, `missing protocol version "v"`, api.CodeBadRequest},
		{"missing version", `{"cmd":"status"}`, `missing protocol version "v" (this medium speaks 1)`, api.CodeBadRequest},
		{"wrong version", `{"v":2,"cmd":"deny.clear"}`, "unsupported protocol version 2 (this medium speaks 1)", api.CodeUnsupportedVersion},
		{"version as string", `{"v":"1","cmd":"deny.clear"}`, "not a valid JSON request object", api.CodeBadRequest},
		{"missing cmd", `{"v":1}`, `missing "cmd"`, api.CodeBadRequest},
		{"unknown cmd", `{"v":1,"cmd":"deny.nuke"}`, `unknown command "deny.nuke" (known: status, radios, deny.add`, api.CodeUnknownCommand},
		{"unknown field", `{"v":1,"cmd":"deny.clear","force":true}`, `unknown field "force"`, api.CodeBadRequest},
		{"args on clear", `{"v":1,"cmd":"deny.clear","args":{"all":true}}`, `deny.clear: bad args`, api.CodeBadArgs},
		{"trailing data", `{"v":1,"cmd":"deny.clear"} {"v":1,"cmd":"deny.clear"}`, "trailing data", api.CodeBadRequest},
		{"truncated", `{"v":1,"cmd":"deny.clear"`, "not a valid JSON request object", api.CodeBadRequest},
		{"args not object", `{"v":1,"cmd":"deny.add","args":"vw2 vw1"}`, "deny.add: bad args", api.CodeBadArgs},
		{"missing rules", `{"v":1,"cmd":"deny.add","args":{}}`, "needs at least one", api.CodeBadArgs},
		{"set without rules", `{"v":1,"cmd":"deny.set","args":{}}`, `missing "rules"`, api.CodeBadArgs},
		{"missing src", `{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw0"}]}}`, `rules[0]: missing "src"`, api.CodeBadArgs},
		{"missing dst", `{"v":1,"cmd":"deny.remove","args":{"rules":[{"src":"vw0"}]}}`, `rules[0]: missing "dst"`, api.CodeBadArgs},
		{"unknown radio", `{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw0","src":"vw1"},{"dst":"vw9","src":"vw1"}]}}`, `destination "vw9": no such radio`, api.CodeUnknownRadio},
		{"set unknown radio", `{"v":1,"cmd":"deny.set","args":{"rules":[{"dst":"vw0","src":"wlan0"}]}}`, `source "wlan0": no such radio`, api.CodeUnknownRadio},
		{"rule typo", `{"v":1,"cmd":"deny.add","args":{"rules":[{"dest":"vw0","src":"vw1"}]}}`, `unknown field "dest"`, api.CodeBadArgs},
		{"block missing tx", `{"v":1,"cmd":"link.block","args":{"rx":"vw1"}}`, `missing "tx"`, api.CodeBadArgs},
		{"block unknown", `{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw8","both":true}}`, `"vw8": no such radio`, api.CodeUnknownRadio},
		{"both not bool", `{"v":1,"cmd":"link.unblock","args":{"tx":"vw0","rx":"vw1","both":"yes"}}`, "bad args", api.CodeBadArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rc.send(tt.line)
			assert.False(t, resp.OK)
			assert.Equal(t, 1, resp.V)
			assert.Contains(t, resp.Error, tt.want)
			assert.Equal(t, tt.code, resp.Code)
			assert.Empty(t, resp.Result)
		})
	}
	resp := rc.send(`{"v":1,"cmd":"deny.list"}`)
	require.True(t, resp.OK, resp.Error)
	assert.JSONEq(t, `{"rules":[{"dst":"vw2","src":"vw1"}]}`, string(resp.Result))
	assert.Equal(t, base, r.m.Changes(), "malformed requests changed the medium")
}

func TestOversizedRequest(t *testing.T) {
	r := serve(t, nil, 0)
	_, err := dial(t, r.path).DenyAdd(ctx5(t), rule("vw2", "vw1"))
	require.NoError(t, err)
	base := r.m.Changes()

	rc := dialRaw(t, r.path)
	big := `{"v":1,"cmd":"deny.clear","args":{"pad":"` + strings.Repeat("x", 2*api.MaxRequestSize) + `"}}` + "\n"
	go io.WriteString(rc.c, big) // may fail once the server hangs up
	resp := rc.recv()
	assert.False(t, resp.OK)
	assert.Contains(t, resp.Error, "request too long: a request line holds at most 65536 bytes")
	assert.Equal(t, api.CodeBadRequest, resp.Code)
	_, err = rc.r.ReadByte()
	assert.Error(t, err, "connection should be closed after an oversized request")
	assert.Equal(t, base, r.m.Changes())

	// A request exactly at the limit is served.
	rc2 := dialRaw(t, r.path)
	line := `{"v":1,"cmd":"status"}`
	line += strings.Repeat(" ", api.MaxRequestSize-len(line)-1)
	assert.True(t, rc2.send(line).OK)

	// The client refuses to send what the server would refuse.
	many := make([]api.DenyRule, 5000)
	for i := range many {
		many[i] = rule("vw0", "vw1")
	}
	_, err = dial(t, r.path).DenyAdd(ctx5(t), many...)
	assert.ErrorContains(t, err, "exceeds the limit")
}

func TestDisconnectMidRequest(t *testing.T) {
	r := serve(t, nil, 0)
	c := dial(t, r.path)
	_, err := c.DenyAdd(ctx5(t), rule("vw2", "vw1"))
	require.NoError(t, err)
	base := r.m.Changes()

	for _, partial := range []string{`{"v":1,"cmd":"deny.clear"}`, `{"v":1,"cmd":"deny.cl`, "\x00\x01"} {
		nc, err := net.Dial("unix", r.path)
		require.NoError(t, err)
		io.WriteString(nc, partial) // no newline: never complete
		nc.Close()
	}
	// And one that sends a request and leaves without reading the answer.
	nc, err := net.Dial("unix", r.path)
	require.NoError(t, err)
	io.WriteString(nc, `{"v":1,"cmd":"radios"}`+"\n")
	nc.Close()

	time.Sleep(50 * time.Millisecond)
	rules, err := c.DenyList(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, []api.DenyRule{rule("vw2", "vw1")}, rules)
	assert.Equal(t, base, r.m.Changes())
}

func TestIdleConnectionClosed(t *testing.T) {
	r := serve(t, nil, 100*time.Millisecond)
	rc := dialRaw(t, r.path)
	assert.True(t, rc.send(`{"v":1,"cmd":"status"}`).OK)
	io.WriteString(rc.c, `{"v":1,"cmd":`) // starts a request, never ends it
	start := time.Now()
	_, err := rc.r.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestNonRootPeerRefused(t *testing.T) {
	r := serve(t, func(uint32) bool { return false }, 0)

	c := dial(t, r.path)
	_, err := c.Status(ctx5(t))
	var se *api.ServerError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "permission denied: the control socket is for root; run with sudo", se.Message)
	assert.Equal(t, api.CodePermissionDenied, se.Code)

	rc := dialRaw(t, r.path)
	resp := rc.send(`{"v":1,"cmd":"deny.clear"}`)
	assert.False(t, resp.OK)
	assert.Contains(t, resp.Error, "permission denied")
	_, err = rc.r.ReadByte()
	assert.Error(t, err, "refused connection should be closed")
	assert.Empty(t, r.m.Changes())
}

func TestDefaultAllowsOnlyRoot(t *testing.T) {
	path := sockPath(t)
	ln, err := Listen(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := &recMedium{Medium: newMedium(t)}
	go Serve(ctx, ln, m, nil)
	c := dial(t, path)
	_, err = c.Status(ctx5(t))
	if os.Getuid() == 0 {
		assert.NoError(t, err)
	} else {
		assert.ErrorContains(t, err, "permission denied")
	}
}

func TestListen(t *testing.T) {
	t.Run("mode 0600 whatever the umask", func(t *testing.T) {
		path := sockPath(t)
		ln, err := Listen(path)
		require.NoError(t, err)
		defer ln.Close()
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, fs.ModeSocket|0o600, fi.Mode()&(fs.ModeType|fs.ModePerm))
	})
	t.Run("stale socket replaced", func(t *testing.T) {
		path := sockPath(t)
		old, err := net.Listen("unix", path)
		require.NoError(t, err)
		old.(*net.UnixListener).SetUnlinkOnClose(false)
		old.Close() // a medium that died: its file stays, nobody answers
		_, err = os.Stat(path)
		require.NoError(t, err)

		ln, err := Listen(path)
		require.NoError(t, err)
		defer ln.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go (&Server{Medium: newMedium(t), AllowUID: func(uint32) bool { return true }}).Serve(ctx, ln)
		_, err = dial(t, path).Status(ctx5(t))
		assert.NoError(t, err)
	})
	t.Run("live socket not stolen", func(t *testing.T) {
		r := serve(t, nil, 0)
		ln, err := Listen(r.path)
		if ln != nil {
			ln.Close()
		}
		require.Error(t, err)
		assert.Contains(t, err.Error(), "another medium is running")
		_, err = dial(t, r.path).Status(ctx5(t))
		assert.NoError(t, err, "the live medium must keep its socket")
	})
	t.Run("not a socket", func(t *testing.T) {
		path := sockPath(t)
		require.NoError(t, os.WriteFile(path, []byte("precious"), 0o644))
		_, err := Listen(path)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "is not a socket")
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "precious", string(b))
	})
	t.Run("symbolic links are not followed", func(t *testing.T) {
		precious := filepath.Join(t.TempDir(), "precious")
		require.NoError(t, os.WriteFile(precious, []byte("precious"), 0o644))
		live := serve(t, nil, 0)
		for name, target := range map[string]string{"to a file": precious, "to a live socket": live.path, "dangling": "/nonexistent/x"} {
			path := sockPath(t)
			require.NoError(t, os.Symlink(target, path))
			_, err := Listen(path)
			require.Error(t, err, name)
			assert.Contains(t, err.Error(), "is a symbolic link (to "+target+")", name)
			fi, err := os.Lstat(path)
			require.NoError(t, err, name)
			assert.Equal(t, fs.ModeSymlink, fi.Mode().Type(), "%s: the link is left alone", name)
		}
		b, err := os.ReadFile(precious)
		require.NoError(t, err)
		assert.Equal(t, "precious", string(b))
		_, err = dial(t, live.path).Status(ctx5(t))
		assert.NoError(t, err, "the live medium keeps its socket")
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := Listen(filepath.Join(sockPath(t), "nope", "x.sock"))
		assert.ErrorContains(t, err, "control: listen on")
	})
}

func TestServeStopsOnCancel(t *testing.T) {
	r := serve(t, nil, 0)
	c := dial(t, r.path)
	_, err := c.Status(ctx5(t))
	require.NoError(t, err)
	idle := dialRaw(t, r.path) // a connection in the middle of nothing

	require.NoError(t, r.stop())
	_, err = os.Stat(r.path)
	assert.ErrorIs(t, err, fs.ErrNotExist, "socket file should be removed")
	_, err = idle.r.ReadByte()
	assert.Error(t, err, "open connections should be closed")
	_, err = c.Status(ctx5(t))
	assert.Error(t, err)

	_, err = api.Dial(ctx5(t), r.path)
	assert.ErrorIs(t, err, api.ErrNotRunning)
}

func TestConcurrentClients(t *testing.T) {
	r := serve(t, nil, 0)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c, err := api.Dial(ctx, r.path)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			for j := range 20 {
				dst := fmt.Sprintf("vw%d", (i+j)%3)
				if _, err := c.DenyAdd(ctx, rule(dst, "vw1")); err != nil && dst != "vw1" {
					errs <- err
				}
				if _, err := c.Radios(ctx); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestTooManyConnections(t *testing.T) {
	r := serve(t, nil, 0)
	for range api.MaxConns {
		rc := dialRaw(t, r.path)
		require.True(t, rc.send(`{"v":1,"cmd":"status"}`).OK) // holds a slot
	}
	rc := dialRaw(t, r.path)
	resp := rc.send(`{"v":1,"cmd":"deny.clear"}`)
	assert.False(t, resp.OK)
	assert.Contains(t, resp.Error, "too many control connections (at most 32)")
	assert.Equal(t, api.CodeBusy, resp.Code)
	assert.Empty(t, r.m.Changes())
}

// stepClock is a medium.Clock whose time moves 1.5 s at every reading, so
// uptimes are known.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(1500 * time.Millisecond)
	return c.now
}

// NewTimer is the system's: the fast path the tests run sets no timers.
func (c *stepClock) NewTimer(d time.Duration) medium.Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ t *time.Timer }

func (s sysTimer) C() <-chan time.Time   { return s.t.C }
func (s sysTimer) Reset(d time.Duration) { s.t.Reset(d) }
func (s sysTimer) Stop()                 { s.t.Stop() }
