//go:build browser

// Package browser drives the live web view (hwsim-medium --http) with a
// real, headless Chromium from the host, through chromedp: it finds the
// radios on the map, drags one, and checks through the control API that
// the link model moved it. `make test-browser` runs it; it needs Debian's
// chromium (integration/vm/setup.sh installs it).
//
// TestLiveViewVM runs the medium in the test VM, with the seed's access
// point, stations and IBSS pair and real traffic, and reaches it through a
// port QEMU forwards to the host's loopback. TestLiveViewHost runs the
// same checks against a medium on the host with the in-memory kernel
// connection (hwsim/hwsimtest), in seconds and without a VM.
//
// With WATCH_SCREENSHOT=FILE (relative to the repository's root) the VM
// test saves the page as a PNG: `WATCH_SCREENSHOT=docs/watch.png make
// test-browser` makes the README's. WATCH_SCREENSHOT_HOST does the same
// for the host test.
package browser
