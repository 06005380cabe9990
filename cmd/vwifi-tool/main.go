// Command vwifi-tool controls a running hwsim-medium through its control
// socket. Without arguments, and with the -d/-s/-c flags, it behaves like
// the vwifi project's tool of the same name, word for word; its commands
// (radios, deny, block, stats, and move, txpower, velocity, link, model for
// the link model) do more. Run it with --help for the details.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
)

// Exit codes.
const (
	exitOK      = 0 // done; for the status check: the medium is live
	exitFailure = 1 // the medium refused, failed, or is not running
	exitUsage   = 2 // the command line is wrong
)

// timeout bounds a whole invocation.
const timeout = 10 * time.Second

// envSocket names the environment variable that overrides the socket path.
const envSocket = "HWSIM_MEDIUM_SOCKET"

const usage = `Usage:
  vwifi-tool [--socket PATH] [--json]                 show whether the medium is live
  vwifi-tool -d DST -s SRC [-d DST -s SRC ...]        load a denylist (replaces the old one)
  vwifi-tool -c                                       clear the denylist
  vwifi-tool [flags] COMMAND [ARGS]

vwifi-tool talks to a running hwsim-medium over its control socket. The
status check and the -d/-s/-c flags behave like the vwifi project's
vwifi-tool, output included; the commands below do more.

Seed-compatible use:
  (no arguments)  print "vwifi status : live" when a medium answers, or
                  "vwifi status : not loaded" (exit 1) when none does.
  -d DST          destination interface of a denylist pair
  -s SRC          source interface of a denylist pair: DST no longer
                  receives frames that SRC originated. Pairs are matched in
                  order (the first -d with the first -s, and so on); every
                  -d needs a -s. As with vwifi, the pairs given become the
                  whole denylist: rules not given are dropped. If a name is
                  unknown nothing changes.
  -c              clear the denylist ("-c 1" is accepted too; "-c 0" does
                  nothing). -c cannot be combined with -d/-s.

Commands:
  status                  the seed status line (as with no arguments)
  radios                  the radios: interface, wiphy, address, channel,
                          frames sent and received
  stats                   medium-wide and per-radio counters, and per-link
                          counters once frames flowed
  deny ls                 the denylist, one "DST denys SRC" per line
  deny add DST SRC ...    add pairs (all or none) to the denylist
  deny rm DST SRC ...     remove pairs (absent pairs are ignored)
  deny set DST SRC ...    make these pairs the whole denylist (as -d/-s)
  deny clear              empty the denylist (as -c)
  block TX RX [--both]    stop every frame TX sends from reaching RX (one
                          way; --both blocks RX to TX too). Unlike the
                          denylist this also cuts acknowledgements and
                          frames an AP relays for others.
  unblock TX RX [--both]  undo block
  version                 print vwifi-tool's version

Link-model commands (they need a medium started with -c FILE; see
docs/models.md):
  move RADIO X Y [Z]      place RADIO at (X, Y, Z) metres (Z defaults to
                          0); its motion, if any, continues from there. A
                          name the model does not know yet is placed
                          before the radio exists.
  txpower RADIO DBM       set RADIO's transmit power, in dBm
  velocity RADIO VX VY [VZ]
                          move RADIO at a constant velocity, in m/s, from
                          where it is now
  velocity RADIO stop     stop RADIO where it is now
  link TX RX [--both] snr DB
                          fix the SNR (dB) of frames TX sends to RX,
                          replacing propagation
  link TX RX [--both] loss P
                          fix the probability P (0 to 1) that one try of a
                          frame TX sends to RX is lost; snr and loss can
                          be given together
  link TX RX [--both] clear
                          remove the model's overrides of TX -> RX (also
                          a "blocked: true" of the configuration file;
                          'unblock' lifts blocks made with 'block')
  model                   the model: radios with position, transmit power
                          and motion, and the link overrides (--json: the
                          whole model, as the configuration format)

Radios are named by interface (vw1), wiphy (vw_phy1) or MAC address.
Negative numbers are arguments, not flags: vwifi-tool move vw1 -5 2.

Flags (anywhere on the line):
  --socket PATH   control socket (default $HWSIM_MEDIUM_SOCKET, else
                  /run/hwsim-medium.sock)
  --json          print the result as JSON on stdout instead of text
                  (errors stay text on stderr; a status check prints
                  {"status":"live",...} or {"status":"not loaded"})
  --both          with block, unblock and link: both directions
  -h, --help      print this help

The control socket is for root: run vwifi-tool with sudo.

Exit status:
  0  done; for the status check: the medium is live
  1  the medium is not running ("vwifi status : not loaded", as vwifi's
     tool exits), refused the request (unknown radio, permission), or
     could not be reached
  2  usage error (unknown flag or command, -d without -s, ...)
`

// options is the parsed command line.
type options struct {
	socket   string
	json     bool
	help     bool
	both     bool
	dsts     []string // -d, in order
	srcs     []string // -s, in order
	clear    bool     // -c
	seedFlag bool     // any of -d, -s, -c given
	args     []string // command and its arguments
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// parseArgs parses flags anywhere on the line, getopt style for the seed's
// -d/-s/-c (also -dvw2), and --flag or -flag (also --flag=value) for ours.
func parseArgs(args []string) (options, error) {
	o := options{socket: os.Getenv(envSocket)}
	if o.socket == "" {
		o.socket = control.DefaultPath
	}
	value := func(i *int, flag string) (string, error) {
		if *i+1 >= len(args) {
			return "", usagef("%s needs a value", flag)
		}
		*i++
		return args[*i], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.args = append(o.args, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' || isNumber(a) {
			o.args = append(o.args, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		noValue := func() error {
			if hasVal {
				return usagef("%s takes no value", "--"+name)
			}
			return nil
		}
		var err error
		switch {
		case name == "socket":
			if !hasVal {
				val, err = value(&i, "--socket")
			}
			if err == nil && val == "" {
				err = usagef("--socket needs a path")
			}
			o.socket = val
		case name == "json":
			o.json, err = true, noValue()
		case name == "both":
			o.both, err = true, noValue()
		case name == "help" || a == "-h":
			o.help = true
		case a == "-d" || a == "-s":
			var v string
			if v, err = value(&i, a); err == nil {
				err = o.addPair(a[1], v)
			}
		case a == "-c":
			o.seedFlag, o.clear = true, true
			// The seed's README spells it "-c 1"; "-c 0" means "do not".
			if i+1 < len(args) && (args[i+1] == "0" || args[i+1] == "1") {
				i++
				o.clear = args[i] == "1"
			}
		case a[1] == 'd' || a[1] == 's': // getopt's -dvw2
			err = o.addPair(a[1], a[2:])
		default:
			err = usagef("unknown flag %s", a)
		}
		if err != nil {
			return o, err
		}
	}
	if o.help {
		return o, nil
	}
	if o.seedFlag {
		if len(o.args) > 0 {
			return o, usagef("the vwifi flags -d/-s/-c cannot be combined with the command %q", o.args[0])
		}
		if o.clear && len(o.dsts)+len(o.srcs) > 0 {
			return o, usagef("-c clears the denylist; it cannot be combined with -d/-s (to replace the denylist, give only -d/-s)")
		}
		switch {
		case len(o.dsts) > len(o.srcs):
			return o, usagef("-d %s has no matching -s: every -d DST needs a -s SRC", o.dsts[len(o.srcs)])
		case len(o.srcs) > len(o.dsts):
			return o, usagef("-s %s has no matching -d: every -s SRC needs a -d DST", o.srcs[len(o.dsts)])
		}
	}
	if o.both && (len(o.args) == 0 || (o.args[0] != "block" && o.args[0] != "unblock" && o.args[0] != "link")) {
		return o, usagef("--both applies to block, unblock and link only")
	}
	return o, nil
}

// isNumber says whether a, which starts with '-', is a negative number
// (an argument such as a coordinate) rather than a flag.
func isNumber(a string) bool {
	return len(a) > 1 && (a[1] >= '0' && a[1] <= '9' || a[1] == '.')
}

func (o *options) addPair(flag byte, name string) error {
	if name == "" {
		return usagef("-%c needs an interface name", flag)
	}
	o.seedFlag = true
	if flag == 'd' {
		o.dsts = append(o.dsts, name)
	} else {
		o.srcs = append(o.srcs, name)
	}
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "vwifi-tool: %v\nRun 'vwifi-tool --help' for usage.\n", err)
		return exitUsage
	}
	if o.help {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	t := &tool{o: o, stdout: stdout, stderr: stderr}
	err = t.dispatch(ctx)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "vwifi-tool: %v\nRun 'vwifi-tool --help' for usage.\n", err)
		return exitUsage
	case errors.Is(err, errReported):
		return exitFailure
	default:
		fmt.Fprintf(stderr, "vwifi-tool: %v\n", explain(err, o.socket))
		return exitFailure
	}
}

// errReported is a failure already reported to the user.
var errReported = errors.New("reported")

// explain turns an error into what the user should read.
func explain(err error, socket string) string {
	var se *control.ServerError
	switch {
	case errors.Is(err, control.ErrNotRunning):
		return fmt.Sprintf("no medium is running: nothing answers on %s (start hwsim-medium, or give --socket)", socket)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("permission denied: cannot connect to %s: the control socket is for root; run with sudo", socket)
	case errors.As(err, &se) && strings.Contains(se.Message, medium.ErrUnknownRadio.Error()):
		return err.Error() + " (see 'vwifi-tool radios')"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the medium did not answer within %v: %v", timeout, err)
	}
	return err.Error()
}

// tool carries out one command line.
type tool struct {
	o      options
	stdout io.Writer
	stderr io.Writer
	c      *control.Client
}

func (t *tool) dispatch(ctx context.Context) error {
	defer func() {
		if t.c != nil {
			t.c.Close()
		}
	}()
	o := t.o
	if o.seedFlag {
		if o.clear {
			return t.seedClear(ctx)
		}
		if len(o.dsts) > 0 {
			return t.seedDeny(ctx)
		}
		// "-c 0" alone: nothing to do but the status check.
	}
	if len(o.args) == 0 {
		return t.seedStatus(ctx)
	}
	cmd, rest := o.args[0], o.args[1:]
	noArgs := func() error {
		if len(rest) > 0 {
			return usagef("%s takes no arguments", cmd)
		}
		return nil
	}
	switch cmd {
	case "status":
		if err := noArgs(); err != nil {
			return err
		}
		return t.seedStatus(ctx)
	case "radios":
		if err := noArgs(); err != nil {
			return err
		}
		return t.radios(ctx)
	case "stats":
		if err := noArgs(); err != nil {
			return err
		}
		return t.stats(ctx)
	case "deny":
		return t.deny(ctx, rest)
	case "block", "unblock":
		if len(rest) != 2 {
			return usagef("%s needs TX and RX: vwifi-tool %s TX RX [--both]", cmd, cmd)
		}
		return t.block(ctx, cmd == "block", rest[0], rest[1])
	case "move":
		return t.move(ctx, rest)
	case "txpower":
		return t.txPower(ctx, rest)
	case "velocity":
		return t.velocity(ctx, rest)
	case "link":
		return t.link(ctx, rest)
	case "model":
		if err := noArgs(); err != nil {
			return err
		}
		return t.model(ctx)
	case "version":
		if err := noArgs(); err != nil {
			return err
		}
		if o.json {
			return t.printJSON(map[string]string{"version": control.Version})
		}
		fmt.Fprintf(t.stdout, "vwifi-tool %s\n", control.Version)
		return nil
	case "help":
		fmt.Fprint(t.stdout, usage)
		return nil
	}
	return usagef("unknown command %q", cmd)
}

// connect dials the medium and checks it answers.
func (t *tool) connect(ctx context.Context) (control.Status, error) {
	c, err := control.Dial(ctx, t.o.socket)
	if err != nil {
		return control.Status{}, err
	}
	t.c = c
	st, err := c.Status(ctx)
	if err != nil {
		return control.Status{}, err
	}
	return st, nil
}

// statusJSON is the --json form of the status check: {"status":"live"}
// with the medium's status fields, or {"status":"not loaded"}.
func statusJSON(state string, st *control.Status) any {
	out := map[string]any{}
	if st != nil {
		b, _ := json.Marshal(st)
		json.Unmarshal(b, &out)
	}
	out["status"] = state
	return out
}

// seedLive connects and prints the seed's status line; when the medium is
// not running it prints "not loaded" and returns an ErrNotRunning error.
func (t *tool) seedLive(ctx context.Context) (control.Status, error) {
	st, err := t.connect(ctx)
	if errors.Is(err, control.ErrNotRunning) {
		if t.o.json {
			t.printJSON(statusJSON("not loaded", nil))
		} else {
			fmt.Fprintln(t.stdout, "vwifi status : not loaded")
		}
		return st, err
	}
	if err != nil {
		return st, err
	}
	if !t.o.json {
		fmt.Fprintln(t.stdout, "vwifi status : live")
	}
	return st, nil
}

func (t *tool) seedStatus(ctx context.Context) error {
	st, err := t.seedLive(ctx)
	if errors.Is(err, control.ErrNotRunning) {
		return errReported // "not loaded" says it all, as with vwifi
	}
	if err != nil {
		return err
	}
	if t.o.json {
		return t.printJSON(statusJSON("live", &st))
	}
	return nil
}

// The seed's own words.
const (
	msgConfiguring = "Configuring denylist for vwifi..."
	msgReceived    = "Message from vwifi: vwifi has received your denylist"
	msgUnset       = "Unset denylist for vwifi..."
)

// seedDeny is -d/-s: the pairs become the whole denylist.
func (t *tool) seedDeny(ctx context.Context) error {
	rules := make([]medium.DenyRule, len(t.o.dsts))
	for i := range rules {
		rules[i] = medium.DenyRule{Dst: t.o.dsts[i], Src: t.o.srcs[i]}
	}
	if _, err := t.seedLive(ctx); err != nil {
		return err
	}
	if !t.o.json {
		fmt.Fprintln(t.stdout, "denylist:")
		for _, r := range rules {
			fmt.Fprintf(t.stdout, "%s denys %s\n", r.Dst, r.Src)
		}
		fmt.Fprintln(t.stdout, msgConfiguring)
	}
	now, err := t.c.DenySet(ctx, rules...)
	if err != nil {
		return fmt.Errorf("loading the denylist: %w", err)
	}
	if t.o.json {
		return t.printJSON(map[string]any{"status": "live", "rules": now})
	}
	fmt.Fprintln(t.stdout, msgReceived)
	return nil
}

// seedClear is -c.
func (t *tool) seedClear(ctx context.Context) error {
	if _, err := t.seedLive(ctx); err != nil {
		return err
	}
	if !t.o.json {
		fmt.Fprintln(t.stdout, msgUnset)
		fmt.Fprintln(t.stdout, msgConfiguring)
	}
	if err := t.c.DenyClear(ctx); err != nil {
		return fmt.Errorf("clearing the denylist: %w", err)
	}
	if t.o.json {
		return t.printJSON(map[string]any{"status": "live", "rules": []medium.DenyRule{}})
	}
	fmt.Fprintln(t.stdout, msgReceived)
	return nil
}

// connectRadios connects and lists the radios (an empty list, never nil,
// so JSON shows []).
func (t *tool) connectRadios(ctx context.Context) (control.Status, []medium.RadioInfo, error) {
	st, err := t.connect(ctx)
	if err != nil {
		return st, nil, err
	}
	radios, err := t.c.Radios(ctx)
	if err != nil {
		return st, nil, fmt.Errorf("listing radios: %w", err)
	}
	if radios == nil {
		radios = []medium.RadioInfo{}
	}
	return st, radios, nil
}

func (t *tool) radios(ctx context.Context) error {
	_, radios, err := t.connectRadios(ctx)
	if err != nil {
		return err
	}
	if t.o.json {
		return t.printJSON(control.RadiosResult{Radios: radios})
	}
	if len(radios) == 0 {
		fmt.Fprintln(t.stdout, "no radios")
		return nil
	}
	w := tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "IFACE\tWIPHY\tADDRESS\tFREQ\tTX\tRX")
	for _, r := range radios {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\n", orDash(r.Iface), r.Name, r.HWAddr, freq(r.Freq), r.Stats.TxFrames, r.Stats.RxFrames)
	}
	return w.Flush()
}

func (t *tool) stats(ctx context.Context) error {
	st, radios, err := t.connectRadios(ctx)
	if err != nil {
		return err
	}
	if t.o.json {
		return t.printJSON(map[string]any{"status": st, "radios": radios})
	}
	w := tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "medium:\thwsim-medium %s (protocol %d)\n", st.Version, st.Protocol)
	fmt.Fprintf(w, "uptime:\t%s\n", st.UptimeDuration().Truncate(time.Second))
	fmt.Fprintf(w, "radios:\t%d\n", st.Radios)
	fmt.Fprintf(w, "frames:\t%d\n", st.Stats.Frames)
	fmt.Fprintf(w, "malformed:\t%d\n", st.Stats.Malformed)
	fmt.Fprintf(w, "send errors:\t%d\n", st.Stats.SendErrors)
	if err := w.Flush(); err != nil {
		return err
	}
	if len(radios) == 0 {
		return nil
	}
	fmt.Fprintln(t.stdout)
	w = tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "RADIO\tTX FRAMES\tTX BYTES\tRX FRAMES\tRX BYTES\tACKED\tNOT ACKED")
	var links []string
	for _, r := range radios {
		s := r.Stats
		name := displayName(r)
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", name, s.TxFrames, s.TxBytes, s.RxFrames, s.RxBytes, s.Acked, s.NotAcked)
		for _, l := range r.Links {
			links = append(links, fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\n", name, l.To, l.Frames, l.Bytes, l.Blocked, l.Lost))
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(links) == 0 {
		return nil
	}
	fmt.Fprintln(t.stdout)
	w = tabwriter.NewWriter(t.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "FROM\tTO\tFRAMES\tBYTES\tBLOCKED\tLOST")
	for _, l := range links {
		fmt.Fprint(w, l)
	}
	return w.Flush()
}

func (t *tool) deny(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("deny needs a subcommand: ls, add, rm, set or clear")
	}
	sub, rest := args[0], args[1:]
	var rules []medium.DenyRule
	switch sub {
	case "ls", "list", "clear":
		if len(rest) > 0 {
			return usagef("deny %s takes no arguments", sub)
		}
	case "add", "rm", "remove", "set":
		if len(rest) == 0 || len(rest)%2 != 0 {
			return usagef("deny %s needs DST SRC pairs, got %d name(s)", sub, len(rest))
		}
		for i := 0; i < len(rest); i += 2 {
			rules = append(rules, medium.DenyRule{Dst: rest[i], Src: rest[i+1]})
		}
	default:
		return usagef("unknown deny subcommand %q: want ls, add, rm, set or clear", sub)
	}
	if _, err := t.connect(ctx); err != nil {
		return err
	}
	var now []medium.DenyRule
	var err error
	switch sub {
	case "ls", "list":
		now, err = t.c.DenyList(ctx)
	case "clear":
		err = t.c.DenyClear(ctx)
	case "add":
		now, err = t.c.DenyAdd(ctx, rules...)
	case "rm", "remove":
		now, err = t.c.DenyRemove(ctx, rules...)
	case "set":
		now, err = t.c.DenySet(ctx, rules...)
	}
	if err != nil {
		return fmt.Errorf("deny %s: %w", sub, err)
	}
	if now == nil {
		now = []medium.DenyRule{}
	}
	if t.o.json {
		return t.printJSON(control.DenylistResult{Rules: now})
	}
	if len(now) == 0 {
		fmt.Fprintln(t.stdout, "denylist is empty")
		return nil
	}
	if sub != "ls" && sub != "list" {
		fmt.Fprintln(t.stdout, "denylist:")
	}
	for _, r := range now {
		fmt.Fprintf(t.stdout, "%s denys %s\n", r.Dst, r.Src)
	}
	return nil
}

func (t *tool) block(ctx context.Context, blocked bool, tx, rx string) error {
	if _, err := t.connect(ctx); err != nil {
		return err
	}
	verb, call := "blocked", t.c.Block
	if !blocked {
		verb, call = "unblocked", t.c.Unblock
	}
	if err := call(ctx, tx, rx, t.o.both); err != nil {
		return fmt.Errorf("%s %s %s: %w", strings.TrimSuffix(verb, "ed"), tx, rx, err)
	}
	if t.o.json {
		return t.printJSON(control.LinkResult{TX: tx, RX: rx, Both: t.o.both, Blocked: blocked})
	}
	arrow := "->"
	if t.o.both {
		arrow = "<->"
	}
	fmt.Fprintf(t.stdout, "%s %s %s %s\n", verb, tx, arrow, rx)
	return nil
}

func (t *tool) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JSON output: %w", err)
	}
	_, err = fmt.Fprintf(t.stdout, "%s\n", b)
	return err
}

func displayName(r medium.RadioInfo) string {
	if r.Iface != "" {
		return r.Iface
	}
	return r.Name
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func freq(mhz uint32) string {
	if mhz == 0 {
		return "-"
	}
	return fmt.Sprintf("%d", mhz)
}
