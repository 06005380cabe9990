// Package watch is hwsim-medium's window on the air, served over HTTP
// (hwsim-medium --http ADDR): Prometheus metrics at /metrics, and at / a
// live page that draws the radios at their model positions, the links
// between them coloured by SNR and sized by traffic, and lets people drag
// a radio or block a link.
//
// It is a package of its own because it is the daemon's only HTTP code
// and its only web assets: the server and its access checks (server.go,
// access.go), the Prometheus collector that reads the medium's own
// counters at scrape time (metrics.go), the state the page shows and its
// server-sent event stream (view.go, events.go), the endpoint through
// which the page changes the air (control.go), and the page itself,
// embedded (web/).
//
// The page changes nothing by itself: every change is a control request
// carried out by control.Server.Exec, the command table vwifi-tool's
// requests go through, so authority, validation and errors are the
// socket's. The HTTP side adds who may ask: loopback only unless a token
// is set (Listen refuses any other address without one), the token on
// every request when set, and a read-only mode. docs/metrics.md lists the
// metrics.
package watch
