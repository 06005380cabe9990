package air

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// DialConfig says how a member reaches its air's NATS server.
type DialConfig struct {
	// URL is the server, or a comma-separated list of a cluster's
	// servers (nats://host:4222, tls://host:4222).
	URL string
	// Member names the connection, for the server's monitoring.
	Member string
	// User and PasswordFile authenticate with a user and the password in
	// a file (so it shows in no process list); CredsFile with a NATS
	// credentials file (JWT and seed) instead.
	User, PasswordFile, CredsFile string
	// CAFile verifies a TLS server; CertFile and KeyFile are a client
	// certificate, for servers that ask for one.
	CAFile, CertFile, KeyFile string
	// InProcess connects to an embedded server without a socket.
	InProcess nats.InProcessConnProvider
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

const (
	// dialTimeout bounds the first connection.
	dialTimeout = 5 * time.Second
	// reconnectWait is the pause between reconnection attempts; members
	// try for ever, so a restarted server finds them all back.
	reconnectWait = 250 * time.Millisecond
	// pingInterval and maxPingsOut notice a server that went away
	// without closing the connection in about 4 seconds.
	pingInterval = 2 * time.Second
	maxPingsOut  = 2
)

// Dial connects to the air's server. The connection reconnects by itself
// for as long as the member runs, and never echoes the member's own
// messages back to it.
func Dial(ctx context.Context, cfg DialConfig) (*nats.Conn, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []nats.Option{
		nats.Name("hwsim-medium " + cfg.Member),
		nats.NoEcho(),
		nats.Timeout(dialTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(reconnectWait),
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(maxPingsOut),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("air: lost the connection to the server; reconnecting (frames to other members are dropped meanwhile)", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("air: reconnected to the server", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Warn("air: the server reported an error", "subject", subj, "err", err)
		}),
	}
	if cfg.User != "" || cfg.PasswordFile != "" {
		if cfg.User == "" || cfg.PasswordFile == "" {
			return nil, errors.New("air: give a user and a password file together (--air-user, --air-password-file)")
		}
		pw, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("air: read the password file: %w", err)
		}
		opts = append(opts, nats.UserInfo(cfg.User, strings.TrimSpace(string(pw))))
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.CAFile))
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		if cfg.CertFile == "" || cfg.KeyFile == "" {
			return nil, errors.New("air: give a client certificate and its key together (--air-cert, --air-key)")
		}
		opts = append(opts, nats.ClientCert(cfg.CertFile, cfg.KeyFile))
	}
	if cfg.InProcess != nil {
		opts = append(opts, nats.InProcessServer(cfg.InProcess))
	}
	url := cfg.URL
	if url == "" {
		url = nats.DefaultURL
	}
	type result struct {
		nc  *nats.Conn
		err error
	}
	res := make(chan result, 1)
	go func() {
		nc, err := nats.Connect(url, opts...)
		res <- result{nc, err}
	}()
	select {
	case <-ctx.Done():
		go func() {
			if r := <-res; r.nc != nil {
				r.nc.Close()
			}
		}()
		return nil, fmt.Errorf("air: connect to %s: %w", redact(url), ctx.Err())
	case r := <-res:
		if r.err != nil {
			return nil, dialError(url, r.err)
		}
		log.Info("air: connected", "server", r.nc.ConnectedUrlRedacted())
		return r.nc, nil
	}
}

// dialError says what a failed first connection means for the user.
func dialError(url string, err error) error {
	switch {
	case errors.Is(err, nats.ErrAuthorization):
		return fmt.Errorf("air: the server at %s refused this member's credentials (--air-user, --air-password-file, --air-creds): %w", redact(url), err)
	case errors.Is(err, nats.ErrNoServers):
		return fmt.Errorf("air: no server answers at %s: is 'hwsim-medium --serve-air' (or nats-server) running there, and reachable from here? %w", redact(url), err)
	default:
		return fmt.Errorf("air: connect to %s: %w", redact(url), err)
	}
}

// redact hides a password in a URL's user information.
func redact(url string) string {
	var out []string
	for _, u := range strings.Split(url, ",") {
		if at := strings.LastIndexByte(u, '@'); at >= 0 {
			if s := strings.Index(u, "://"); s >= 0 && s < at {
				if c := strings.IndexByte(u[s+3:at], ':'); c >= 0 {
					u = u[:s+3+c] + ":***" + u[at:]
				}
			}
		}
		out = append(out, u)
	}
	return strings.Join(out, ",")
}
