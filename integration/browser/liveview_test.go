//go:build browser

package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// The radios of the seed (docs/watch-five.yaml places them).
var seedRadios = []string{"vw0", "vw1", "vw2", "vw3", "vw4"}

// medium reaches the web view of one medium over HTTP.
type medium struct {
	base  string // http://127.0.0.1:PORT
	token string
}

// do sends a control request as the page does, and decodes its result.
func (m medium) do(t *testing.T, cmd string, args any, result any) {
	t.Helper()
	req := map[string]any{"v": 1, "cmd": cmd}
	if args != nil {
		req["args"] = args
	}
	body, _ := json.Marshal(req)
	hreq, err := http.NewRequest(http.MethodPost, m.base+"/api/control", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if m.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	defer resp.Body.Close()
	var r api.Response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: decoding the response (HTTP %d): %v", cmd, resp.StatusCode, err)
	}
	if !r.OK {
		t.Fatalf("%s: %s (%s)", cmd, r.Error, r.Code)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			t.Fatalf("%s: decoding the result: %v", cmd, err)
		}
	}
}

// get fetches a path with the token.
func (m medium) get(path string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, m.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	if m.token != "" {
		req.Header.Set("Authorization", "Bearer "+m.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// positions are the model's radios by name, through model.get.
func (m medium) positions(t *testing.T) map[string]api.ModelRadio {
	t.Helper()
	var mc api.ModelConfig
	m.do(t, api.CmdModelGet, nil, &mc)
	out := map[string]api.ModelRadio{}
	for _, r := range mc.Radios {
		out[r.Name] = r
	}
	return out
}

// linkState is one direction of a link as the page gets it.
type linkState struct {
	TX          string   `json:"tx"`
	RX          string   `json:"rx"`
	Frames      uint64   `json:"frames"`
	LinkBlocked bool     `json:"link_blocked"`
	Loss        *float64 `json:"loss"`
}

// links returns the page's links, by "tx>rx".
func (m medium) links(t *testing.T) map[string]linkState {
	t.Helper()
	code, body, err := m.get("/api/state")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /api/state: %d %v %s", code, err, body)
	}
	var st struct {
		Links []linkState `json:"links"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	out := map[string]linkState{}
	for _, l := range st.Links {
		out[l.TX+">"+l.RX] = l
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkLiveView opens the page of m in the browser and works it as a
// person would: finds the five radios, (if shot names a file, waits for
// traffic on trafficLink, selects it and saves a screenshot), drags vw4
// and checks that the model moved it where it was dropped, selects a
// radio, then sets a link's loss and blocks it.
func checkLiveView(t *testing.T, ctx context.Context, m medium, trafficLink, shot string) {
	url := m.base + "/"
	if m.token != "" {
		url += "?token=" + m.token
	}
	do(t, ctx, 60*time.Second, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`body[data-radios="5"]`)))
	for _, name := range seedRadios {
		do(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`g.radio[data-radio=%q]`, name))))
	}
	before := m.positions(t)

	// The map's scale, from two radios the model places.
	p0, p2 := radioCentre(t, ctx, "vw0"), radioCentre(t, ctx, "vw2")
	scale := dist(p0, p2) / math.Hypot(before["vw2"].X-before["vw0"].X, before["vw2"].Y-before["vw0"].Y)
	if !(scale > 1) {
		t.Fatalf("the map draws vw0 at %v and vw2 at %v: no scale", p0, p2)
	}
	if dx := (p2.X - p0.X) / scale; math.Abs(dx-(before["vw2"].X-before["vw0"].X)) > 0.5 {
		t.Errorf("vw2 is drawn %.1f m east of vw0, the model says %.1f m", dx, before["vw2"].X-before["vw0"].X)
	}

	if shot != "" {
		// A minute and a half of history for the time plot, and a
		// link selected.
		waitFor(t, 2*time.Minute, "traffic on "+trafficLink, func() bool { return m.links(t)[trafficLink].Frames > 20 })
		time.Sleep(90 * time.Second)
		ends := strings.Split(trafficLink, ">")
		a, b := radioCentre(t, ctx, ends[0]), radioCentre(t, ctx, ends[1])
		clickLink(t, ctx, a, b)
		time.Sleep(time.Second)
		screenshot(t, ctx, shot)
		eval[any](t, ctx, `document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))`)
	}

	// Drag vw4 left and down; screen y grows southwards.
	from := radioCentre(t, ctx, "vw4")
	to := point{from.X - 130, from.Y + 90}
	drag(t, ctx, from, to)
	want := [2]float64{before["vw4"].X - 130/scale, before["vw4"].Y - 90/scale}
	var got api.ModelRadio
	waitFor(t, 15*time.Second, "the model to move vw4", func() bool {
		got = m.positions(t)["vw4"]
		return got.X != before["vw4"].X || got.Y != before["vw4"].Y
	})
	tol := math.Max(0.2, 3/scale)
	if math.Abs(got.X-want[0]) > tol || math.Abs(got.Y-want[1]) > tol {
		t.Errorf("vw4 dropped at %.1f, %.1f m by the drag; the model has it at %.1f, %.1f m", want[0], want[1], got.X, got.Y)
	}
	if got.Z != before["vw4"].Z {
		t.Errorf("the drag changed vw4's height: %v -> %v", before["vw4"].Z, got.Z)
	}
	// The page may re-fit the map after the drop: vw4 must be drawn where
	// the model has it, relative to radios that stayed.
	after := m.positions(t)
	q0, q2 := radioCentre(t, ctx, "vw0"), radioCentre(t, ctx, "vw2")
	s2 := dist(q0, q2) / math.Hypot(after["vw2"].X-after["vw0"].X, after["vw2"].Y-after["vw0"].Y)
	drawn := point{q0.X + (after["vw4"].X-after["vw0"].X)*s2, q0.Y - (after["vw4"].Y-after["vw0"].Y)*s2}
	if p := radioCentre(t, ctx, "vw4"); dist(p, drawn) > 4 {
		t.Errorf("the page shows vw4 at %v, but the model's position is drawn at %v", p, drawn)
	}
	for _, name := range seedRadios[:4] {
		if now := m.positions(t)[name]; now.X != before[name].X || now.Y != before[name].Y {
			t.Errorf("%s moved too: %.1f,%.1f -> %.1f,%.1f", name, before[name].X, before[name].Y, now.X, now.Y)
		}
	}

	// Click a radio: its card.
	click(t, ctx, radioCentre(t, ctx, "vw2"))
	do(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`g.radio.sel[data-radio="vw2"]`)))
	if title := eval[string](t, ctx, `document.querySelector('#detail .title').textContent`); title != "vw2" {
		t.Errorf("clicking vw2 shows %q", title)
	}

	// Click the link vw1-vw2, set its loss, then block it.
	clickLink(t, ctx, radioCentre(t, ctx, "vw1"), radioCentre(t, ctx, "vw2"))
	do(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`#detail input[type=range]`)))
	if title := eval[string](t, ctx, `document.querySelector('#detail .title').textContent`); title != "vw1 ⇄ vw2" {
		t.Fatalf("clicking the link vw1-vw2 selected %q", title)
	}
	do(t, ctx, 5*time.Second, chromedp.SetValue(chromedp.CSS(`#detail input[type=range]`), "30"),
		chromedp.Click(chromedp.CSS(`#detail button[data-action="set-loss"]`)))
	waitFor(t, 10*time.Second, "loss 0.3 on vw1-vw2 both ways", func() bool {
		l := m.links(t)
		return l["vw1>vw2"].Loss != nil && *l["vw1>vw2"].Loss == 0.3 && l["vw2>vw1"].Loss != nil && *l["vw2>vw1"].Loss == 0.3
	})
	do(t, ctx, 5*time.Second, chromedp.Click(chromedp.CSS(`#detail button[data-action="block"]`)))
	waitFor(t, 10*time.Second, "vw1-vw2 blocked both ways", func() bool {
		l := m.links(t)
		return l["vw1>vw2"].LinkBlocked && l["vw2>vw1"].LinkBlocked
	})
	do(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`g.link.blocked[data-link="vw1|vw2"]`)))
}

// screenshotPath is where $name asks for a screenshot: a path relative to
// the repository's root (make's directory), "" for none.
func screenshotPath(name string) string {
	p := os.Getenv(name)
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join("..", "..", p)
}

// clickLink clicks the link between two radios drawn at a and b, a
// third of the way along (clear of both radios and of the label in the
// middle).
func clickLink(t *testing.T, ctx context.Context, a, b point) {
	t.Helper()
	click(t, ctx, point{a.X + (b.X-a.X)/3, a.Y + (b.Y-a.Y)/3})
}
