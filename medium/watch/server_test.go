package watch

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

var jsonCT = map[string]string{"Content-Type": "application/json"}

// withHeaders returns h plus the pairs kv.
func withHeaders(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:1": true, "[::1]:8080": true, "localhost:80": true, "LOCALHOST:80": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.2:8080": false, "example.com:80": false, "127.0.0.1": false,
	} {
		assert.Equal(t, want, IsLoopback(addr), addr)
	}
}

func TestListenRefusesOtherAddressesWithoutToken(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0"} {
		_, err := Listen(addr, "")
		require.Error(t, err, addr)
		assert.ErrorIs(t, err, errNeedsToken)
		assert.Contains(t, err.Error(), "--http-token")
	}
	_, err := Listen("127.0.0.1", "")
	assert.ErrorContains(t, err, "host:port")
	ln, err := Listen("127.0.0.1:0", "")
	require.NoError(t, err)
	ln.Close()
}

func TestPageAndAssetsAreEmbedded(t *testing.T) {
	r := newRig(t, rigOpts{})
	code, body, hdr := r.request(t, "GET", "/", "", nil)
	require.Equal(t, 200, code)
	assert.Contains(t, hdr.Get("Content-Type"), "text/html")
	assert.Contains(t, hdr.Get("Content-Security-Policy"), "default-src 'self'", "nothing from elsewhere: the page works offline")
	assert.Equal(t, "DENY", hdr.Get("X-Frame-Options"))
	for _, asset := range []string{"static/app.js", "static/map.js", "static/plot.js", "static/format.js", "static/style.css"} {
		if strings.HasSuffix(asset, ".css") || asset == "static/app.js" {
			assert.Contains(t, body, asset, "the page loads %s", asset)
		}
		code, js, hdr := r.request(t, "GET", "/"+asset, "", nil)
		assert.Equal(t, 200, code, asset)
		assert.NotEmpty(t, js)
		// The SVG namespace is a name, not an address.
		js = strings.ReplaceAll(js, "http://www.w3.org/2000/svg", "")
		assert.NotContains(t, js, "http://", "%s fetches nothing from elsewhere", asset)
		assert.NotContains(t, js, "https://", "%s fetches nothing from elsewhere", asset)
		if strings.HasSuffix(asset, ".js") {
			assert.Contains(t, hdr.Get("Content-Type"), "javascript", asset)
		}
	}
	code, _, _ = r.request(t, "GET", "/nope", "", nil)
	assert.Equal(t, http.StatusNotFound, code)
}

// TestEventStream reads the page's stream: a state at once, then one
// per interval with the counters growing.
func TestEventStream(t *testing.T) {
	r := newRig(t, rigOpts{model: true})
	req, err := http.NewRequest("GET", r.http.URL+"/api/events", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := make(chan view, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if e, ok := strings.CutPrefix(line, "event: "); ok {
				event = e
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok && event == "state" {
				var v view
				if json.Unmarshal([]byte(d), &v) == nil {
					events <- v
				}
			}
		}
		close(events)
	}()
	next := func() view {
		select {
		case v, ok := <-events:
			require.True(t, ok, "the stream ended")
			return v
		case <-time.After(5 * time.Second):
			t.Fatal("no state within 5s")
			return view{}
		}
	}
	v := next()
	require.Len(t, v.Radios, 3)
	assert.Equal(t, "log_distance", v.Model)
	assert.Equal(t, "vw1", v.Radios[1].Name)
	assert.True(t, v.Radios[1].Placed)
	assert.Equal(t, 20.0, v.Radios[1].X)
	assert.Len(t, v.Links, 6, "every ordered pair of three radios")
	r.send(t, ping(0, 1, 1), ping(0, 1, 2))
	for v.Frames < 2 {
		v = next()
	}
	var l linkView
	for _, x := range v.Links {
		if x.TX == "vw0" && x.RX == "vw1" {
			l = x
		}
	}
	assert.Equal(t, uint64(2), l.Frames)
	assert.True(t, l.Heard)
	assert.InDelta(t, l.Signal-l.SNR, -91, 1e-9, "the signal over the noise floor")
	assert.Empty(t, v.Radios[0].Role, "pings between peers (no DS bit) say no role")
}

// TestControlEndpoint runs the page's changes through the control API,
// with the socket's answers and the HTTP status of their code.
func TestControlEndpoint(t *testing.T) {
	r := newRig(t, rigOpts{model: true})
	tests := []struct {
		name     string
		body     string
		header   map[string]string
		status   int
		code     api.Code
		contains string
	}{
		{name: "move", body: `{"v":1,"cmd":"radio.move","args":{"radio":"vw2","x":7.5,"y":-2}}`, header: jsonCT, status: 200},
		{name: "link loss", body: `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","both":true,"loss":0.3}}`, header: jsonCT, status: 200},
		{name: "block", body: `{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw1","both":true}}`, header: jsonCT, status: 200},
		{name: "unknown radio", body: `{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw9"}}`, header: jsonCT, status: 404, code: api.CodeUnknownRadio, contains: "vw9"},
		{name: "bad args", body: `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","loss":3}}`, header: jsonCT, status: 400, code: api.CodeBadArgs, contains: "not a probability"},
		{name: "not json", body: `move vw1`, header: jsonCT, status: 400, code: api.CodeBadRequest},
		{name: "no content type", body: `{"v":1,"cmd":"radios"}`, status: 403, code: api.CodePermissionDenied, contains: "application/json"},
		{name: "form post", body: `{"v":1,"cmd":"radios"}`, header: map[string]string{"Content-Type": "text/plain"}, status: 403, code: api.CodePermissionDenied},
		{name: "cross origin", body: `{"v":1,"cmd":"radios"}`, header: withHeaders(jsonCT, "Origin", "http://evil.example"), status: 403, code: api.CodePermissionDenied, contains: "evil.example"},
		{name: "cross site", body: `{"v":1,"cmd":"radios"}`, header: withHeaders(jsonCT, "Sec-Fetch-Site", "cross-site"), status: 403, code: api.CodePermissionDenied},
		{name: "too long", body: `{"v":1,"cmd":"radios","args":"` + strings.Repeat("x", api.MaxRequestSize) + `"}`, header: jsonCT, status: 400, code: api.CodeBadRequest, contains: "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, _ := r.request(t, "POST", "/api/control", tc.body, tc.header)
			assert.Equal(t, tc.status, status, body)
			var resp api.Response
			require.NoError(t, json.Unmarshal([]byte(body), &resp), body)
			assert.Equal(t, tc.status == 200, resp.OK)
			assert.Equal(t, tc.code, resp.Code)
			assert.Contains(t, resp.Error, tc.contains)
		})
	}
	got := r.mdl.Snapshot()
	for _, rad := range got.Radios {
		if rad.Name == "vw2" {
			assert.Equal(t, [2]float64{7.5, -2}, [2]float64{rad.X, rad.Y}, "the move reached the model")
		}
	}
	require.Len(t, got.Links, 2)
	assert.Equal(t, 0.3, *got.Links[0].Loss)
	blocks := r.m.Blocks()
	assert.Len(t, blocks, 2, "blocked both ways")
	status, _, _ := r.request(t, "GET", "/api/control", "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, status)
}

func TestControlWithoutModel(t *testing.T) {
	r := newRig(t, rigOpts{})
	status, body, _ := r.request(t, "POST", "/api/control", `{"v":1,"cmd":"radio.move","args":{"radio":"vw1","x":1}}`, jsonCT)
	assert.Equal(t, http.StatusConflict, status)
	assert.Contains(t, body, `"code":"no_model"`)
	status, _, _ = r.request(t, "POST", "/api/control", `{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw1"}}`, jsonCT)
	assert.Equal(t, 200, status, "blocking needs no model")
}

func TestReadOnlyRefusesChanges(t *testing.T) {
	r := newRig(t, rigOpts{model: true, readOnly: true})
	before := r.mdl.Snapshot()
	for _, body := range []string{
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw2","x":7.5}}`,
		`{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw1"}}`,
		`{"v":1,"cmd":"deny.clear"}`,
	} {
		status, resp, _ := r.request(t, "POST", "/api/control", body, jsonCT)
		assert.Equal(t, http.StatusForbidden, status, body)
		assert.Contains(t, resp, `"code":"permission_denied"`)
	}
	status, _, _ := r.request(t, "POST", "/api/control", `{"v":1,"cmd":"radios"}`, jsonCT)
	assert.Equal(t, 200, status, "reading is allowed")
	assert.Equal(t, before, r.mdl.Snapshot())
	assert.Empty(t, r.m.Blocks())
	_, state, _ := r.request(t, "GET", "/api/state", "", nil)
	assert.Contains(t, state, `"read_only":true`, "the page knows, and hides its controls")
}

// TestHostMustBeLoopbackWithoutToken: without a token the server answers
// only for loopback names, so a site that rebinds its DNS name to
// 127.0.0.1 cannot drive it from a browser.
func TestHostMustBeLoopbackWithoutToken(t *testing.T) {
	r := newRig(t, rigOpts{model: true})
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "localhost": 200,
		"evil.example:8080": 403, "evil.example": 403, "192.168.1.5:8080": 403} {
		status, _, _ := r.request(t, "GET", "/api/state", "", map[string]string{"Host": host})
		assert.Equal(t, want, status, host)
	}
	status, _, _ := r.request(t, "POST", "/api/control", `{"v":1,"cmd":"radio.move","args":{"radio":"vw2","x":1}}`, withHeaders(jsonCT, "Host", "evil.example"))
	assert.Equal(t, 403, status)
}

func TestTokenIsRequiredEverywhere(t *testing.T) {
	const token = "s3cret"
	r := newRig(t, rigOpts{model: true, token: token})
	move := `{"v":1,"cmd":"radio.move","args":{"radio":"vw2","x":4}}`
	for _, path := range []string{"/", "/metrics", "/api/state", "/api/events", "/static/app.js"} {
		status, body, hdr := r.request(t, "GET", path, "", nil)
		assert.Equal(t, http.StatusUnauthorized, status, path)
		assert.Contains(t, body, "token", path)
		assert.Contains(t, hdr.Get("WWW-Authenticate"), "Bearer")
	}
	status, _, _ := r.request(t, "POST", "/api/control", move, jsonCT)
	assert.Equal(t, http.StatusUnauthorized, status, "a change without the token")
	status, _, _ = r.request(t, "POST", "/api/control", move, withHeaders(jsonCT, "Authorization", "Bearer wrong"))
	assert.Equal(t, http.StatusUnauthorized, status, "a change with another token")
	status, _, _ = r.request(t, "GET", "/?token=wrong", "", nil)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, 60.0, modelX(r, "vw2"), "nothing moved")

	// With a token the Host may be any name: the token is the check.
	status, _, _ = r.request(t, "GET", "/metrics", "", map[string]string{"Authorization": "Bearer " + token, "Host": "medium.lab:8080"})
	assert.Equal(t, 200, status, "a scraper with the token")

	// The page is opened with ?token=, which becomes a cookie.
	status, _, hdr := r.request(t, "GET", "/?token="+token, "", nil)
	require.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/", hdr.Get("Location"), "the token leaves the address bar")
	cookie := hdr.Get("Set-Cookie")
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, cookie, "SameSite=Strict")
	name, value, _ := strings.Cut(strings.Split(cookie, ";")[0], "=")
	withCookie := map[string]string{"Cookie": name + "=" + value}
	status, _, _ = r.request(t, "GET", "/", "", withCookie)
	assert.Equal(t, 200, status)
	status, _, _ = r.request(t, "POST", "/api/control", move, withHeaders(jsonCT, "Cookie", name+"="+value))
	assert.Equal(t, 200, status)
	assert.Equal(t, 4.0, modelX(r, "vw2"), "the page moved vw2")
}

func modelX(r *rig, name string) float64 {
	for _, rad := range r.mdl.Snapshot().Radios {
		if rad.Name == name {
			return rad.X
		}
	}
	return -1
}

func TestChannel(t *testing.T) {
	for f, ch := range map[uint32]int{0: 0, 2412: 1, 2437: 6, 2472: 13, 2484: 14, 5180: 36, 5825: 165, 5955: 1, 6415: 93, 900: 0} {
		assert.Equal(t, ch, channel(f), f)
	}
}

// TestServeEndsStreamsOnShutdown: the page's open stream does not keep
// the medium from stopping.
func TestServeEndsStreamsOnShutdown(t *testing.T) {
	r := newRig(t, rigOpts{})
	ln, err := Listen("127.0.0.1:0", "")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/events")
	require.NoError(t, err)
	defer resp.Body.Close()
	first := make([]byte, 64)
	_, err = resp.Body.Read(first)
	require.NoError(t, err)
	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return with a stream open")
	}
	_, err = io.ReadAll(resp.Body)
	assert.NoError(t, err, "the stream ended cleanly")
}
