package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hwsim-medium/hwsim-medium/air"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
)

// airOptions are the flags of a federated air (docs/federation.md).
type airOptions struct {
	join, name, member                            string
	user, passwordFile, creds, ca, cert, key      string
	serve, serveUsers, serveCert, serveKey, store string
	only                                          bool
}

// defaultAirStore is where an embedded server keeps the air's shared
// state: it survives a restart of the server, not a reboot.
const defaultAirStore = "/run/hwsim-medium/air"

func addAirFlags(fs *flag.FlagSet, o *airOptions) {
	fs.StringVar(&o.join, "join", "", "join the shared air served at this NATS URL (nats://HOST:4222; a cluster's servers comma-separated): radios of every member hear each other (docs/federation.md)")
	fs.StringVar(&o.name, "air", "default", "name of the air to join on that server (several airs can share one server)")
	fs.StringVar(&o.member, "member", "", "this medium's name in the air (default: the host name); every member needs its own")
	fs.StringVar(&o.user, "air-user", "", "user to authenticate to the air's server as (with --air-password-file)")
	fs.StringVar(&o.passwordFile, "air-password-file", "", "file holding the password of --air-user")
	fs.StringVar(&o.creds, "air-creds", "", "NATS credentials file (JWT and seed) to authenticate with instead")
	fs.StringVar(&o.ca, "air-ca", "", "CA certificate (PEM) that the air's TLS server must be signed by")
	fs.StringVar(&o.cert, "air-cert", "", "client certificate (PEM), for servers that ask for one (with --air-key)")
	fs.StringVar(&o.key, "air-key", "", "key of --air-cert (PEM)")
	fs.StringVar(&o.serve, "serve-air", "", "run an embedded NATS server for the air on HOST:PORT (e.g. 127.0.0.1:4222) and join it; beyond loopback it needs --serve-air-users")
	fs.StringVar(&o.serveUsers, "serve-air-users", "", "users file of the embedded server: one 'member password' per line, mode 0600; each member may publish only as itself")
	fs.StringVar(&o.serveCert, "serve-air-tls-cert", "", "serve the air over TLS with this certificate (PEM; with --serve-air-tls-key)")
	fs.StringVar(&o.serveKey, "serve-air-tls-key", "", "key of --serve-air-tls-cert (PEM)")
	fs.StringVar(&o.store, "serve-air-store", defaultAirStore, "directory where the embedded server keeps the air's shared state (denylist, blocks, model changes)")
	fs.BoolVar(&o.only, "air-only", false, "with --serve-air: serve the air and be no member (a host without mac80211_hwsim, e.g. the host of VMs that join it)")
}

// hostnameToken turns a host name into a member name: its first label,
// with anything a member name cannot hold replaced.
var notNameChar = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// checkAirFlags checks the air's flags against each other and the rest.
func checkAirFlags(o *options) error {
	a := &o.air
	if a.only && a.serve == "" {
		return errors.New("--air-only serves an air: give --serve-air HOST:PORT too")
	}
	if a.join != "" && a.serve != "" {
		return errors.New("--join and --serve-air: a medium that serves the air joins it itself; give one of them")
	}
	if !a.federated() {
		for _, f := range []struct{ name, v string }{{"--air-user", a.user}, {"--air-password-file", a.passwordFile}, {"--air-creds", a.creds},
			{"--serve-air-users", a.serveUsers}, {"--serve-air-tls-cert", a.serveCert}} {
			if f.v != "" {
				return fmt.Errorf("%s is for a federated air: give --join URL or --serve-air HOST:PORT too", f.name)
			}
		}
		return nil
	}
	if err := air.CheckName("air", a.name); err != nil {
		return fmt.Errorf("--air: %w", err)
	}
	// The server's permissions are per user: a member publishes under
	// its own name only, so its name is its user's.
	switch {
	case a.member == "" && a.user != "":
		a.member = a.user
	case a.member != "" && a.user != "" && a.member != a.user:
		return fmt.Errorf("--member %s and --air-user %s differ: the server lets a member publish only under its user's name; give the same name (or leave out --member)", a.member, a.user)
	}
	if a.member == "" {
		h, err := os.Hostname()
		if err != nil {
			h = "member"
		}
		h, _, _ = strings.Cut(h, ".")
		a.member = notNameChar.ReplaceAllString(h, "-")
		if len(a.member) > 64 {
			a.member = a.member[:64]
		}
	}
	if err := air.CheckName("member", a.member); err != nil {
		return fmt.Errorf("--member: %w", err)
	}
	if o.timing == medium.TimingAirtime && !a.only {
		return errors.New("--timing airtime does not federate yet: a federated air routes frames at once (--timing fast)")
	}
	return nil
}

// federated reports whether the medium takes part in an air.
func (a *airOptions) federated() bool { return a.join != "" || a.serve != "" }

// airNode is this process's part of a federated air: the embedded server
// it serves, if any, and its membership, if it is a member.
type airNode struct {
	srv    *air.Server
	nc     *nats.Conn
	member *air.Member
	o      *airOptions
	log    *slog.Logger
}

// startAir starts the embedded server (--serve-air) and connects the
// member, before anything touches the kernel: bad flags and an
// unreachable server are reported first.
func startAir(ctx context.Context, o *airOptions, log *slog.Logger) (*airNode, error) {
	n := &airNode{o: o, log: log.With("component", "air")}
	if o.serve != "" {
		srv, err := air.StartServer(air.ServerConfig{Listen: o.serve, UsersFile: o.serveUsers, TLSCert: o.serveCert, TLSKey: o.serveKey,
			StoreDir: o.store, Logger: log.With("component", "air-server")})
		if err != nil {
			return nil, err
		}
		n.srv = srv
		if o.only {
			return n, nil
		}
	}
	dc := air.DialConfig{URL: o.join, Member: o.member, User: o.user, PasswordFile: o.passwordFile, CredsFile: o.creds,
		CAFile: o.ca, CertFile: o.cert, KeyFile: o.key, Logger: n.log}
	if n.srv != nil {
		// The medium that serves the air joins it without a socket and
		// without a password: it is the server's own process.
		dc = air.DialConfig{URL: n.srv.ClientURL(), Member: o.member, InProcess: n.srv.InProcess(), Logger: n.log}
	}
	nc, err := air.Dial(ctx, dc)
	if err != nil {
		n.close()
		return nil, err
	}
	n.nc = nc
	mb, err := air.NewMember(air.MemberConfig{Air: o.name, Name: o.member, Conn: nc, Logger: n.log})
	if err != nil {
		n.close()
		return nil, err
	}
	n.member = mb
	return n, nil
}

// join makes m a member: it hears the other members' radios from now on,
// and learns for a heartbeat and a half which radios they serve, so that
// this member's new radios take names nobody has.
func (n *airNode) join(ctx context.Context, m *medium.Medium) error {
	n.member.Attach(m)
	if err := n.member.Start(ctx); err != nil {
		return err
	}
	n.member.Listen(ctx)
	n.log.Info("joined the air", "air", n.o.name, "member", n.o.member, "server", n.nc.ConnectedUrlRedacted())
	return nil
}

// share makes the control API's changes air-wide: they go to the air's
// key-value bucket after they apply here, and those of other members come
// back from it (applied through apply and applyModel, which save them in
// the state file). It returns the wrapped medium and model and the
// Shared to run.
func (n *airNode) share(ctx context.Context, apply control.Medium, applyModel control.Model) (control.Medium, control.Model, *air.Shared, error) {
	js, err := jetstream.New(n.nc)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("air %s: JetStream: %w", n.o.name, err)
	}
	sh, err := air.NewShared(ctx, js, n.o.name, apply, applyModel, n.log)
	if err != nil {
		if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrJetStreamNotEnabled) {
			return nil, nil, nil, fmt.Errorf("%w: the air's server has no JetStream, which keeps the air's shared state: start nats-server with -js (hwsim-medium --serve-air has it)", err)
		}
		return nil, nil, nil, err
	}
	med := sh.Medium(apply)
	var mdl control.Model
	if applyModel != nil {
		mdl = sh.Model(applyModel)
	}
	return med, mdl, sh, nil
}

// serveOnly runs the embedded server alone until ctx ends (--air-only).
func (n *airNode) serveOnly(ctx context.Context) error {
	n.log.Info("serving the air only (--air-only): members join with --join", "url", n.srv.ClientURL())
	if err := sdNotify("READY=1\nSTATUS=serving the air"); err != nil {
		n.log.Warn("could not tell systemd the server is ready", "err", err)
	}
	<-ctx.Done()
	return nil
}

// close disconnects and stops the server; nothing is left behind.
func (n *airNode) close() {
	if n == nil {
		return
	}
	if n.nc != nil {
		n.nc.Close()
	}
	if n.srv != nil {
		n.srv.Shutdown()
	}
}

// taken reports whether another member serves the radio called wiphy.
func (n *airNode) taken(wiphy string) bool {
	if n == nil || n.member == nil {
		return false
	}
	_, ok := n.member.Taken(wiphy)
	return ok
}
