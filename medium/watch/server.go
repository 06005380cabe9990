package watch

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// Medium is what the watch reads of the medium; *medium.Medium has it.
// Every method must be safe to call concurrently with the medium's work.
type Medium interface {
	Status() medium.Status
	Radios() []medium.RadioInfo
	Blocks() []medium.LinkBlock
	DecisionTimes() medium.DecisionTimes
}

// Controller carries out control requests in-process; *control.Server
// has it.
type Controller interface {
	Exec(line []byte, access control.Access) api.Response
}

// Levels says what a radio hears of another by the link model;
// *model.Model has it.
type Levels interface {
	Level(tx, rx medium.Peer, freq uint32) (model.Level, bool)
}

var (
	_ Medium     = (*medium.Medium)(nil)
	_ Controller = (*control.Server)(nil)
	_ Levels     = (*model.Model)(nil)
)

// DefaultInterval is how often the live page gets a new state.
const DefaultInterval = 500 * time.Millisecond

// maxStreams bounds the event streams served at once: each costs a
// snapshot of the medium per interval.
const maxStreams = 32

// Config configures a Server.
type Config struct {
	// Medium is the medium to watch.
	Medium Medium
	// Control carries out the page's changes, and reads the model's
	// positions (model.get).
	Control Controller
	// Levels gives each link's signal and SNR, and says that a link
	// model is loaded; nil means none: every radio hears every other at
	// medium.DefaultSignal, and the page places the radios on a circle.
	Levels Levels
	// Sockets returns the frame socket's counters; nil leaves them out
	// of the metrics.
	Sockets func() hwsim.SocketStats
	// Token, if set, is required on every request: as the bearer token
	// of an Authorization header, or the cookie the page gets when
	// opened as /?token=TOKEN. Empty means none, which Listen allows on
	// loopback addresses only.
	Token string
	// ReadOnly refuses every change: the page shows, but cannot move,
	// block or set anything.
	ReadOnly bool
	// Interval is how often the page gets a new state; 0 means
	// DefaultInterval.
	Interval time.Duration
	// Log receives the server's logs; nil discards them.
	Log *slog.Logger
}

// Server serves the metrics and the live page of one medium.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
	streams chan struct{} // one slot per event stream served
}

//go:embed web
var webFS embed.FS

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Medium == nil || cfg.Control == nil {
		return nil, errors.New("watch: a medium and a controller are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	s := &Server{cfg: cfg, log: cfg.Log, streams: make(chan struct{}, maxStreams)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	web, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, fmt.Errorf("watch: embedded page: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.HandleFunc("GET /api/state", s.serveState)
	mux.HandleFunc("GET /api/events", s.serveEvents)
	mux.HandleFunc("POST /api/control", s.serveControl)
	mux.HandleFunc("GET /{$}", s.servePage(web))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(web)))
	s.handler = s.guard(mux)
	return s, nil
}

// ServeHTTP implements http.Handler: every request passes the access
// checks first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Serve serves HTTP on ln until ctx ends, then shuts down: event streams
// end at once, other requests get a few seconds. It returns nil when ctx
// ends, or the error that stopped it.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Request contexts end with ctx, which ends event streams.
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("watch: serving http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-done
	s.log.Info("http server stopped", "addr", ln.Addr().String())
	return nil
}
