package air

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

const (
	// readyTimeout bounds the wait for the embedded server to take
	// connections; it starts in well under a second (JetStream recovery
	// of a small store included).
	readyTimeout = 10 * time.Second
	// readyPoll is how often the start checks for a fatal error.
	readyPoll = 50 * time.Millisecond
	// maxStoreMemory and maxStoreFile bound what JetStream may use: the
	// shared state of an air is a few thousand small keys.
	maxStoreMemory = 64 << 20
	maxStoreFile   = 1 << 30
)

// ServerConfig configures the embedded NATS server of hwsim-medium
// --serve-air.
type ServerConfig struct {
	// Listen is host:port to take client connections on, e.g.
	// 127.0.0.1:4222; port 0 picks a free port (see ClientURL).
	Listen string
	// UsersFile is the members' users file (ReadUsers); "" serves
	// without authentication, which is allowed only on loopback.
	UsersFile string
	// TLSCert and TLSKey, if set, are the PEM certificate and key to
	// serve TLS with.
	TLSCert, TLSKey string
	// StoreDir is where JetStream keeps the air's shared state, so that
	// it survives a restart of the server; created 0700 if missing.
	StoreDir string
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Server is an embedded NATS server with JetStream: one machine's air
// needs nothing else.
type Server struct {
	ns  *server.Server
	url string
}

// StartServer starts the server cfg describes and waits until it takes
// connections.
func StartServer(cfg ServerConfig) (*Server, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts, err := serverOptions(&cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.StoreDir, 0o700); err != nil {
		return nil, fmt.Errorf("air server: JetStream store: %w", err)
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("air server: %w", err)
	}
	fatal := make(chan string, 1)
	ns.SetLogger(natsLog{log: log, fatal: fatal}, false, false)
	go ns.Start()
	if err := waitReady(ns, fatal); err != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("air server on %s: %w", cfg.Listen, err)
	}
	s := &Server{ns: ns, url: clientURL(ns, opts)}
	log.Info("air server ready", "url", s.url, "tls", opts.TLSConfig != nil, "auth", opts.CustomClientAuthentication != nil, "store", cfg.StoreDir)
	return s, nil
}

// waitReady waits until ns takes connections, or says why it will not:
// a server that cannot listen (the port is taken) reports it as fatal.
func waitReady(ns *server.Server, fatal <-chan string) error {
	deadline := time.Now().Add(readyTimeout)
	for !ns.ReadyForConnections(readyPoll) {
		select {
		case msg := <-fatal:
			return errors.New(msg)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready to take connections after %v (see the log)", readyTimeout)
		}
	}
	return nil
}

// serverOptions checks cfg and makes the server's options of it.
func serverOptions(cfg *ServerConfig) (*server.Options, error) {
	host, portStr, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("--serve-air %q: want host:port, e.g. 127.0.0.1:4222: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("--serve-air %q: port %q is not a port number", cfg.Listen, portStr)
	}
	if port == 0 {
		port = server.RANDOM_PORT // 0 would be nats-server's default, 4222
	}
	if cfg.StoreDir == "" {
		return nil, errors.New("air server: no JetStream store directory given")
	}
	opts := &server.Options{
		Host:               host,
		Port:               port,
		NoSigs:             true, // the program handles its signals
		JetStream:          true,
		StoreDir:           cfg.StoreDir,
		JetStreamMaxMemory: maxStoreMemory,
		JetStreamMaxStore:  maxStoreFile,
	}
	if cfg.UsersFile == "" {
		if !loopback(host) {
			return nil, fmt.Errorf("--serve-air %s listens beyond this machine: give --serve-air-users FILE (see docs/federation.md)", cfg.Listen)
		}
	} else {
		members, err := ReadUsers(cfg.UsersFile)
		if err != nil {
			return nil, err
		}
		opts.CustomClientAuthentication = newMemberAuth(members)
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		if cfg.TLSCert == "" || cfg.TLSKey == "" {
			return nil, errors.New("air server: TLS needs both a certificate and its key")
		}
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey})
		if err != nil {
			return nil, fmt.Errorf("air server: TLS: %w", err)
		}
		opts.TLSConfig = tc
		opts.TLS = true
		opts.TLSTimeout = 5 // seconds: a TLS handshake over a slow VM link
	}
	return opts, nil
}

// loopback reports whether host reaches this machine only.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clientURL is the URL members connect to: the listening address, with
// a loopback address for a server that listens on every address.
func clientURL(ns *server.Server, opts *server.Options) string {
	host := opts.Host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	port := opts.Port
	if a, ok := ns.Addr().(*net.TCPAddr); ok {
		port = a.Port
	}
	return "nats://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// ClientURL returns the URL members connect to (nats://host:port).
func (s *Server) ClientURL() string { return s.url }

// InProcess returns what lets a member in this process connect without a
// socket: nats.Connect(s.ClientURL(), nats.InProcessServer(s.InProcess())).
// Such a connection needs no password, also with a users file, and may
// publish as any member: it is the server's own process.
func (s *Server) InProcess() nats.InProcessConnProvider { return s.ns }

// Shutdown stops the server and waits until it has stopped: its
// listeners closed, its goroutines gone and JetStream's store flushed.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// natsLog hands nats-server's logs to slog: its notices (start-up banner,
// listening addresses) are details, its warnings and errors are ours. The
// first fatal error also goes to fatal, for StartServer to return.
type natsLog struct {
	log   *slog.Logger
	fatal chan<- string
}

func (l natsLog) Noticef(format string, v ...any) {
	l.log.Debug("nats-server: " + fmt.Sprintf(format, v...))
}

func (l natsLog) Warnf(format string, v ...any) {
	l.log.Warn("nats-server: " + fmt.Sprintf(format, v...))
}

func (l natsLog) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.log.Error("nats-server: fatal: " + msg)
	select {
	case l.fatal <- msg:
	default:
	}
}

func (l natsLog) Errorf(format string, v ...any) {
	l.log.Error("nats-server: " + fmt.Sprintf(format, v...))
}

func (l natsLog) Debugf(format string, v ...any) {
	l.log.Debug("nats-server: " + fmt.Sprintf(format, v...))
}

func (l natsLog) Tracef(format string, v ...any) {}
