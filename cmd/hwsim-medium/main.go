// Command hwsim-medium is the air between mac80211_hwsim radios: it creates
// radios named like the vwifi seed (vw0..vwN-1 on vw_phy0..), registers as
// their medium, and routes every frame they send.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
	"github.com/hwsim-medium/hwsim-medium/medium/persist"
	"github.com/hwsim-medium/hwsim-medium/medium/tap"
)

const usage = `Usage: hwsim-medium [flags]

hwsim-medium is the wireless medium for the kernel's mac80211_hwsim radios.
It creates --radios radios named like vwifi's (interface vwK on wiphy
vw_phyK, MAC 00:76:77:3K:00:00), registers as the medium of this network
namespace, and decides for every 802.11 frame who hears it. Radios created
by others (module parameter, other tools) are served too.

Run it as root, in the foreground (or as a systemd service:
contrib/systemd/hwsim-medium.service). Ctrl-C or SIGTERM removes the
radios it created, wherever they were moved, and its state file; with
--keep-radios it leaves both, for the next run. The interfaces can be
moved with 'iw phy vw_phyK set netns name NS'.

If hwsim-medium is killed or crashes, its radios stay, with their network
namespaces and associations, and the kernel delivers their frames itself.
Run the same command again: it re-attaches to the radios vwK it finds,
knows every other radio by name (in every network namespace), and
restores the denylist, the link blocks and the live link-model changes
from the state file (--state), which it rewrites after every change.

Media of several machines (or network namespaces) share one air over
NATS: one of them serves it (--serve-air 127.0.0.1:4222, or
--serve-air 0.0.0.0:4222 --serve-air-users FILE --air-only on a host
without mac80211_hwsim), the others join it (--join nats://HOST:4222
--member NAME). Every member's radios hear every other's, and
vwifi-tool on any member sees and changes the whole air
(docs/federation.md).

Flags:
`

// options are the parsed command line.
type options struct {
	radios   int
	logLevel slog.Level
	control  string
	config   string
	// cpuProfile is where a pprof CPU profile of the whole run goes.
	cpuProfile string
	timing     medium.Timing
	// pcap is the capture file, decrypt its keys (capture.go).
	pcap    string
	decrypt keysFlag
	http    watchOptions
	// state is the state file ("" for none); keepRadios leaves the radios
	// and the state file at a clean stop.
	state      string
	keepRadios bool
	// air federates the medium with others (air.go).
	air airOptions
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("hwsim-medium", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.radios, "radios", 0, "number of radios vw0..vwN-1: created, or re-attached when an earlier run left them; 0 serves existing radios only")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.config, "c", "", "link model configuration: our YAML (.yaml/.yml) or wmediumd's .cfg (see docs/models.md); default: every radio hears every other at -50 dBm")
	fs.StringVar(&o.control, "control", control.DefaultPath, "path of the control socket that vwifi-tool talks to (root only); \"\" disables it")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file, for go tool pprof (written when the medium stops)")
	addWatchFlags(fs, &o.http)
	fs.StringVar(&o.state, "state", persist.DefaultPath, "file where the denylist, link blocks and live link-model changes are kept, so that a medium started again after a crash restores them; \"\" keeps none")
	fs.BoolVar(&o.keepRadios, "keep-radios", false, "at a clean stop (Ctrl-C, SIGTERM), leave the radios and the state file for the next run instead of removing them")
	timing := fs.String("timing", "fast", "fast: deliver every frame at once (the default); airtime: simulate each frame's time on the air with CSMA/CA contention, collisions and interference (see docs/models.md)")
	addCaptureFlags(fs, &o)
	addAirFlags(fs, &o.air)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := checkCaptureFlags(&o); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	if o.radios < 0 || o.radios > maxRadios {
		return o, fmt.Errorf("--radios %d: must be between 0 and %d", o.radios, maxRadios)
	}
	if err := o.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return o, fmt.Errorf("--log-level %q: want debug, info, warn or error", *level)
	}
	t, err := medium.ParseTiming(*timing)
	if err != nil {
		return o, fmt.Errorf("--timing %q: must be fast or airtime", *timing)
	}
	o.timing = t
	if err := checkAirFlags(&o); err != nil {
		return o, err
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "hwsim-medium: %v\n", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: o.logLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, log); err != nil {
		fmt.Fprintf(os.Stderr, "hwsim-medium: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log *slog.Logger) error {
	stopProfile := func() {}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile, log)
		if err != nil {
			return err
		}
		stopProfile = stop
		defer stop()
	}
	// Bad input is reported before anything touches the kernel.
	mcfg := medium.Config{Logger: log, Timing: o.timing, Ifaces: medium.SystemIfaces}
	// linkModel stays a nil interface without -c, so the control API can
	// tell that no model is loaded.
	var linkModel control.Model
	if o.config != "" {
		mdl, err := loadModel(o.config, log)
		if err != nil {
			return err
		}
		mcfg.Model = mdl
		linkModel = mdl
	}
	// The air comes first too: its flags, credentials and server are
	// checked before the kernel is touched, and --air-only needs no
	// kernel at all.
	var an *airNode
	if o.air.federated() {
		var err error
		if an, err = startAir(ctx, &o.air, log); err != nil {
			return err
		}
		defer an.close()
		if o.air.only {
			return an.serveOnly(ctx)
		}
		mcfg.Bus = an.member
	}
	if err := checkRoot(os.Geteuid()); err != nil {
		return err
	}
	var pcap *os.File
	if o.pcap != "" {
		f, err := os.Create(o.pcap)
		if err != nil {
			return fmt.Errorf("--pcap: %w", err)
		}
		pcap = f
		defer f.Close() // closed by the capture's stop unless we fail first
	}
	client, err := dialLoading(ctx, log)
	if err != nil {
		return err
	}
	defer client.Close()

	sock, err := hwsim.OpenFrameSocket(client.FamilyID())
	if err != nil {
		return err
	}
	defer sock.Close()
	// Registered first, so that a second medium stops here without
	// touching anything. Frames wait in the socket until the air's state
	// is restored and the medium reads them: none passes a restored
	// denylist.
	if err := sock.Register(ctx); err != nil {
		if errors.Is(err, hwsim.ErrBusy) {
			return fmt.Errorf("%w: stop the other medium (another hwsim-medium or wmediumd) first", err)
		}
		return err
	}
	log.Info("registered as the mac80211_hwsim medium")

	// The control socket is claimed before any radio exists, so a second
	// medium stops here without touching anything.
	var ln net.Listener
	if o.control != "" {
		if ln, err = control.Listen(o.control); err != nil {
			return err
		}
		defer ln.Close()
	}
	webLn, webToken, err := listenWatch(o.http, log.With("component", "http"))
	if err != nil {
		return err
	}
	if webLn != nil {
		defer webLn.Close()
	}

	// Subscribed before the radios are listed, so that none created or
	// deleted in between goes unnoticed.
	events, err := hwsim.SubscribeRadioEvents(ctx)
	if err != nil {
		return err
	}
	defer events.Close()
	radios := newRadioTracker(log)
	mcfg.RadioName = radios.nameOf
	m := medium.New(mcfg)
	radios.m = m
	if an != nil {
		if err := an.join(ctx, m); err != nil {
			return err
		}
	}
	found, err := radios.look(ctx)
	if err != nil {
		return err
	}
	store := restoreState(o, m, linkModel, radios.wiphyOf, log)
	// The hub costs nothing until a capture starts: --pcap or vwifi-tool
	// capture.
	hub := tap.New(m, log.With("component", "capture"))
	stopCapture := func() {}
	if pcap != nil {
		if stopCapture, err = startFileCapture(hub, pcap, &o, log); err != nil {
			return err
		}
		// Called after the medium stops, below; this is for early
		// returns.
		defer stopCapture()
	}

	nl, err := hwsim.DialNL80211(ctx)
	if err != nil {
		return err
	}
	defer nl.Close()

	// The medium serves frames while it creates its radios.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(runCtx)
	g.Go(func() error { return m.Run(gctx, sock) })
	g.Go(func() error { return radios.follow(gctx, events) })
	var own owned
	if store != nil {
		own.inherits = store.Created()
	}
	if err := ensureRadios(gctx, client, nl, radios, o.radios, found, an.taken, &own, log); err != nil {
		cancel()
		g.Wait()
		// A failed start leaves nothing behind: only what it made.
		deleteRadios(client, own.created, log)
		return err
	}
	if store != nil {
		if err := store.SetCreated(own.all()); err != nil {
			log.Warn("the state file was not written: a medium started after a crash will not restore the air's state", "err", err)
		}
	}
	// One server for the control socket and the web view: the same
	// commands, checks and state file whichever front end changes the air.
	srv := &control.Server{Medium: m, Capture: hub, Log: log.With("component", "control"), Rescan: radios.lookAgain}
	if linkModel != nil {
		srv.Model = linkModel
	}
	if store != nil {
		srv.Medium = store.Medium(m)
		if linkModel != nil {
			srv.Model = store.Model(linkModel)
		}
	}
	if an != nil {
		// Changes made through any member apply to the whole air.
		med, mdl, shared, err := an.share(gctx, srv.Medium, srv.Model)
		if err != nil {
			cancel()
			g.Wait()
			return err
		}
		srv.Medium = med
		if mdl != nil {
			srv.Model = mdl
		}
		an.member.OnJoin(shared.Refresh)
		g.Go(func() error { return shared.Run(gctx) })
		g.Go(func() error { return an.member.Run(gctx) })
	}
	if ln != nil {
		g.Go(func() error { return srv.Serve(gctx, ln) }) // logs "control socket ready"
	}
	if webLn != nil {
		g.Go(func() error {
			return serveWatch(gctx, webLn, webToken, o.http, m, linkModel, sock, srv, log.With("component", "http"))
		})
	}
	log.Info("medium running", "radios", len(own.all()), "created", len(own.created), "re-attached", len(own.adopted))
	log.Info("if hwsim-medium is killed, its radios stay and the kernel delivers their frames itself; the same command re-attaches to them")
	if err := sdNotify("READY=1\nSTATUS=serving frames"); err != nil {
		log.Warn("could not tell systemd the medium is ready", "err", err)
	}
	err = g.Wait()
	_ = sdNotify("STOPPING=1")
	// Written before the radios are removed, which can take longer than
	// whoever stopped us waits.
	stopProfile()
	stopCapture()
	st := m.Status()
	ss := sock.Stats()
	log.Info("medium stopped", "frames", st.Stats.Frames, "overruns", ss.Overruns, "rejected", ss.Rejected, "skipped", ss.Skipped, "send_errors", ss.SendErrors, "unanswered", ss.Unanswered, "uptime", st.Uptime.Round(time.Second))
	if an != nil {
		bs, ms := m.BusStats(), an.member.Stats()
		log.Info("air member stopped", "frames_out", bs.FramesOut, "frames_in", bs.FramesIn, "acks_in", bs.AcksIn, "acks_out", bs.AcksOut,
			"ack_timeouts", bs.AckTimeouts, "rejected", bs.Rejected, "dropped", ms.Dropped, "publish_errors", ms.PublishErrors, "bad_messages", ms.BadMessages, "clashes", ms.Clashes)
	}
	switch {
	case err != nil:
		// Not a clean stop: the radios and the state stay, as after
		// a crash, for the next run to take over.
		log.Warn("stopping on an error; the radios and the state file stay for the next run", "state", o.state)
	case o.keepRadios:
		log.Info("radios kept (--keep-radios); run the same command to re-attach", "radios", len(own.all()))
	default:
		deleteRadios(client, own.all(), log)
		if store != nil {
			if rerr := store.Remove(); rerr != nil {
				log.Warn("could not remove the state file", "err", rerr)
			}
		}
	}
	return err
}

// restoreState opens the state file and applies what it holds to the
// medium and the link model; nil when there is no state file (--state "").
// A state file it cannot read is moved aside, with a warning: the medium
// starts with a clean air rather than not at all.
func restoreState(o options, m *medium.Medium, mdl control.Model, wiphyOf func(string) (uint32, bool), log *slog.Logger) *persist.Store {
	if o.state == "" {
		return nil
	}
	store := persist.NewStore(o.state, m, log)
	store.SetWiphys(wiphyOf)
	if o.config != "" {
		if sum, err := persist.FileSHA256(o.config); err == nil {
			store.SetModel(o.config, sum)
		}
	}
	st, err := persist.Load(o.state)
	if err != nil {
		aside := o.state + ".unreadable"
		if rerr := os.Rename(o.state, aside); rerr == nil {
			log.Warn("the state file cannot be used and was moved aside; starting with a clean air", "err", err, "moved_to", aside)
		} else {
			log.Warn("the state file cannot be used; starting with a clean air", "err", err)
		}
		return store
	}
	if st == nil {
		return store
	}
	rep := store.Restore(st, m, mdl)
	for _, s := range rep.Skipped {
		log.Warn("not restored: "+s, "state", o.state)
	}
	log.Info("state restored", "file", o.state, "applied", rep.Applied, "skipped", len(rep.Skipped))
	return store
}

// startCPUProfile profiles the process until the returned function first
// runs.
func startCPUProfile(path string, log *slog.Logger) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: start profiling: %w", err)
	}
	return sync.OnceFunc(func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Warn("writing the CPU profile failed", "file", path, "err", err)
			return
		}
		log.Info("CPU profile written", "file", path)
	}), nil
}

// loadModel reads a link-model configuration file.
func loadModel(path string, log *slog.Logger) (*model.Model, error) {
	cfg, err := model.LoadConfig(path)
	if err != nil {
		return nil, fmt.Errorf("link model: %w", err)
	}
	for _, w := range cfg.Warnings {
		log.Warn("link model: "+w, "file", path)
	}
	mdl, err := model.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("link model %s: %w", path, err)
	}
	log.Info("link model loaded", "file", path)
	return mdl, nil
}
