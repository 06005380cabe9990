//go:build browser

package browser

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser window: wide enough for the map and the side panel.
const winW, winH = 1440, 900

// chromium returns the path of the browser: $CHROMIUM, else Debian's.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium found: install Debian's chromium (make vm-deps does) or set CHROMIUM")
	return ""
}

// testLog passes the page's console to the test log while the test runs.
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (l *testLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf("browser: "+format, args...)
	}
}

// newBrowser starts a headless Chromium for the test and returns its
// context; the browser is gone when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.WindowSize(winW, winH),
		// Root in a container has no user namespaces for the sandbox.
		chromedp.NoSandbox,
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.Flag("hide-scrollbars", true),
	)
	lg := &testLog{t: t}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(lg.logf),
		chromedp.WithBrowserOption(chromedp.WithConsolef(lg.logf)))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		lg.mu.Lock()
		lg.done = true
		lg.mu.Unlock()
	})
	// Start the browser now, so its start-up does not eat the first
	// step's deadline.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(winW, winH)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// do runs chromedp steps with a deadline.
func do(t *testing.T, ctx context.Context, d time.Duration, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression on the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("browser: evaluating %s: %v", js, err)
	}
	return v
}

// point is a position on the page, in CSS pixels.
type point struct{ X, Y float64 }

// radioCentre returns the centre of radio name's disc on the page.
func radioCentre(t *testing.T, ctx context.Context, name string) point {
	t.Helper()
	return eval[point](t, ctx, fmt.Sprintf(`(() => { const r = document.querySelector('g.radio[data-radio=%q] circle.node').getBoundingClientRect(); return {X: r.x + r.width / 2, Y: r.y + r.height / 2}; })()`, name))
}

// drag presses the left button at from, moves to to in steps, and
// releases it, as a hand on a mouse does.
func drag(t *testing.T, ctx context.Context, from, to point) {
	t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, from.X, from.Y),
		chromedp.MouseEvent(chromedp.MousePressed, from.X, from.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
	}
	const n = 12
	for i := 1; i <= n; i++ {
		f := float64(i) / n
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, from.X+(to.X-from.X)*f, from.Y+(to.Y-from.Y)*f, chromedp.ButtonLeft),
			chromedp.Sleep(15*time.Millisecond))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, to.X, to.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	do(t, ctx, 20*time.Second, steps...)
}

// click clicks at p.
func click(t *testing.T, ctx context.Context, p point) {
	t.Helper()
	do(t, ctx, 10*time.Second, chromedp.MouseClickXY(p.X, p.Y))
}

// screenshot saves the page as a PNG.
func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot saved: %s", path)
}

func dist(a, b point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
