package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/watch"
)

// watchOptions are the flags of the web view and the metrics (--http).
type watchOptions struct {
	addr     string
	token    string
	readOnly bool
}

func addWatchFlags(fs *flag.FlagSet, o *watchOptions) {
	fs.Func("http", "serve Prometheus metrics (/metrics) and a live web view of the radios (/) on `ADDR` (host:port, e.g. 127.0.0.1:8080); off by default. The view can move radios and block links: an address other than loopback needs a token (--http-token, or one is generated and printed)", func(v string) error {
		if _, _, err := net.SplitHostPort(v); err != nil {
			return fmt.Errorf("want host:port, e.g. 127.0.0.1:8080")
		}
		o.addr = v
		return nil
	})
	fs.StringVar(&o.token, "http-token", "", "`TOKEN` the web view and /metrics require (open /?token=TOKEN, or send 'Authorization: Bearer TOKEN'); default: none on loopback, generated otherwise")
	fs.BoolVar(&o.readOnly, "http-read-only", false, "the web view shows the air but refuses every change")
}

// listenWatch claims the web view's address, before anything touches the
// kernel, so a taken port stops the medium early. It returns a nil
// listener without --http, and the token in force.
func listenWatch(o watchOptions, log *slog.Logger) (net.Listener, string, error) {
	if o.addr == "" {
		return nil, "", nil
	}
	token, generated, err := watchToken(o)
	if err != nil {
		return nil, "", err
	}
	ln, err := watch.Listen(o.addr, token)
	if err != nil {
		return nil, "", fmt.Errorf("--http: %w", err)
	}
	url := "http://" + ln.Addr().String() + "/"
	switch {
	case generated:
		url += "?token=" + token
		log.Info("web view: a token was generated because the address is not loopback (give --http-token to choose one)", "url", url)
	case token != "":
		url += "?token=TOKEN"
	}
	log.Info("web view and metrics listening", "url", url, "metrics", "http://"+ln.Addr().String()+"/metrics", "read_only", o.readOnly)
	return ln, token, nil
}

// watchToken returns the token in force: --http-token, else a new one
// for an address that is not loopback (generated reports that), else
// none.
func watchToken(o watchOptions) (token string, generated bool, err error) {
	if o.token != "" || watch.IsLoopback(o.addr) {
		return o.token, false, nil
	}
	token, err = watch.NewToken()
	return token, err == nil, err
}

// serveWatch serves the web view and the metrics of m until ctx ends.
// Changes go through srv, the control API's command table. mdl is the
// link model itself (nil without -c): srv's may be wrapped (the state
// file's store), which knows nothing of levels.
func serveWatch(ctx context.Context, ln net.Listener, token string, o watchOptions, m *medium.Medium, mdl control.Model, sock *hwsim.FrameSocket, srv *control.Server, log *slog.Logger) error {
	cfg := watch.Config{
		Medium: m, Control: srv, Sockets: sock.Stats,
		Token: token, ReadOnly: o.readOnly, Log: log,
	}
	// The link model, when one is loaded, says what each link hears.
	if lv, ok := mdl.(watch.Levels); ok {
		cfg.Levels = lv
	}
	w, err := watch.New(cfg)
	if err != nil {
		return err
	}
	return w.Serve(ctx, ln)
}
