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
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

const usage = `Usage: hwsim-medium [flags]

hwsim-medium is the wireless medium for the kernel's mac80211_hwsim radios.
It creates --radios radios named like vwifi's (interface vwK on wiphy
vw_phyK, MAC 00:76:77:3K:00:00), registers as the medium of this network
namespace, and decides for every 802.11 frame who hears it. Radios created
by others (module parameter, other tools) are served too.

Run it as root, in the foreground; stop it with Ctrl-C or SIGTERM: it
removes the radios it created and the kernel goes back to delivering frames
itself. The interfaces can be moved with 'iw phy vw_phyK set netns name NS'.

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
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("hwsim-medium", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.radios, "radios", 0, "number of radios to create (vw0..vwN-1); 0 serves existing radios only")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.config, "c", "", "link model configuration: our YAML (.yaml/.yml) or wmediumd's .cfg (see docs/models.md); default: every radio hears every other at -50 dBm")
	fs.StringVar(&o.control, "control", control.DefaultPath, "path of the control socket that vwifi-tool talks to (root only); \"\" disables it")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file, for go tool pprof (written when the medium stops)")
	timing := fs.String("timing", "fast", "fast: deliver every frame at once (the default); airtime: simulate each frame's time on the air with CSMA/CA contention, collisions and interference (see docs/models.md)")
	if err := fs.Parse(args); err != nil {
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
	if os.Geteuid() != 0 {
		return errors.New("must run as root (creating radios and registering as the medium need CAP_NET_ADMIN): try sudo hwsim-medium")
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

	names, err := existingRadioNames(ctx, client)
	if err != nil {
		return err
	}
	mcfg.RadioName = names.lookup
	m := medium.New(mcfg)

	nl, err := hwsim.DialNL80211(ctx)
	if err != nil {
		return err
	}
	defer nl.Close()
	created, err := createRadios(ctx, client, nl, m, o.radios, log)
	// Radios are removed however we leave: explicitly here, and by the
	// kernel (destroy-on-close) if we are killed.
	defer deleteRadios(client, created, log)
	if err != nil {
		return err
	}

	events, err := hwsim.SubscribeRadioEvents(ctx)
	if err != nil {
		return err
	}
	defer events.Close()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.Run(gctx, sock) })
	g.Go(func() error { return followRadios(gctx, events, m, names, log) })
	if ln != nil {
		srv := &control.Server{Medium: m, Model: linkModel, Log: log.With("component", "control")}
		g.Go(func() error { return srv.Serve(gctx, ln) }) // logs "control socket ready"
	}
	log.Info("medium running", "radios", len(created))
	err = g.Wait()
	// Written before the radios are removed, which can take longer than
	// whoever stopped us waits.
	stopProfile()
	st := m.Status()
	ss := sock.Stats()
	log.Info("medium stopped", "frames", st.Stats.Frames, "overruns", ss.Overruns, "rejected", ss.Rejected, "skipped", ss.Skipped, "send_errors", ss.SendErrors, "unanswered", ss.Unanswered, "uptime", st.Uptime.Round(time.Second))
	return err
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

// dialLoading connects to mac80211_hwsim, loading the module with no radios
// of its own when the family is missing.
func dialLoading(ctx context.Context, log *slog.Logger) (*hwsim.Client, error) {
	c, err := hwsim.Dial(ctx)
	if !errors.Is(err, hwsim.ErrNoFamily) {
		return c, err
	}
	log.Info("mac80211_hwsim is not loaded: running modprobe mac80211_hwsim radios=0")
	out, merr := exec.CommandContext(ctx, "modprobe", "mac80211_hwsim", "radios=0").CombinedOutput()
	if merr != nil {
		return nil, fmt.Errorf("mac80211_hwsim is not loaded and 'modprobe mac80211_hwsim radios=0' failed: %v: %s (install your kernel's modules package, or load the module on the host of this container)",
			merr, strings.TrimSpace(string(out)))
	}
	c, err = hwsim.Dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("after loading mac80211_hwsim: %w", err)
	}
	return c, nil
}

// radioNames maps the default hwsim address of radios that others created
// to their wiphy names, so they show up under their names once they
// transmit. The medium reads it while followRadios adds to it.
type radioNames struct {
	mu sync.Mutex
	m  map[mac.Addr]string
}

func (n *radioNames) add(id uint32, name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.m[defaultHWAddr(id)] = name
}

func (n *radioNames) lookup(hw mac.Addr) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[hw]
}

func existingRadioNames(ctx context.Context, c *hwsim.Client) (*radioNames, error) {
	radios, err := c.Radios(ctx)
	if err != nil {
		return nil, err
	}
	names := &radioNames{m: map[mac.Addr]string{}}
	for _, r := range radios {
		names.add(r.ID, r.Name)
	}
	return names, nil
}

// createRadios creates n radios with the seed's names and a station
// interface each. It returns the ids of the radios it created, also on
// error, so the caller can remove them.
func createRadios(ctx context.Context, c *hwsim.Client, nl *hwsim.NL80211, m *medium.Medium, n int, log *slog.Logger) ([]uint32, error) {
	var ids []uint32
	for k := range n {
		wiphy, iface, addr := seedRadio(k)
		id, err := c.NewRadio(ctx, radioConfig(wiphy, addr))
		if err != nil {
			return ids, fmt.Errorf("%w (is another hwsim-medium running, or are old vw_phy radios left? 'iw list' shows them)", err)
		}
		ids = append(ids, id)
		m.AddRadio(medium.RadioConfig{Name: wiphy, Iface: iface, HWAddr: addr, Addrs: []mac.Addr{addr}})
		if _, err := nl.NewInterface(ctx, wiphy, iface, hwsim.IftypeStation); err != nil {
			return ids, err
		}
		log.Info("radio created", "wiphy", wiphy, "iface", iface, "addr", addr, "id", id)
	}
	return ids, nil
}

func deleteRadios(c *hwsim.Client, ids []uint32, log *slog.Logger) {
	// The run context is cancelled by now; removal gets its own deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, id := range ids {
		err := c.DelRadio(ctx, id)
		switch {
		case errors.Is(err, unix.ENODEV):
			// Moved to another network namespace, where DEL_RADIO from
			// here cannot reach it; destroy-on-close removes it when our
			// socket closes.
			log.Debug("radio is in another network namespace; the kernel removes it as we close", "id", id)
		case err != nil:
			log.Warn("could not remove radio", "id", id, "err", err)
		}
	}
	if len(ids) > 0 {
		log.Info("radios removed", "count", len(ids))
	}
}

// followRadios keeps the medium's radio list in step with radios others
// create and delete.
func followRadios(ctx context.Context, ev *hwsim.RadioEvents, m *medium.Medium, names *radioNames, log *slog.Logger) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-ev.Events():
			if !ok {
				if err := ev.Err(); err != nil && ctx.Err() == nil {
					return err
				}
				return nil
			}
			switch e.Kind {
			case hwsim.RadioAdded:
				names.add(e.ID, e.Name)
				log.Debug("radio announced", "id", e.ID, "name", e.Name)
			case hwsim.RadioRemoved:
				if m.RemoveRadio(e.Name) {
					log.Info("radio gone", "id", e.ID, "name", e.Name)
				}
			case hwsim.RadioEventsLost:
				log.Warn("missed radio announcements (event socket overflowed); radios others create may show under their addresses")
			}
		}
	}
}
