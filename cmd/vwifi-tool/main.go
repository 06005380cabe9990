// Command vwifi-tool controls a running hwsim-medium through its control
// socket. Without arguments, and with the -d/-s/-c flags, it behaves like
// the vwifi project's tool of the same name, word for word; its commands
// (radios, deny, block, stats; move, txpower, velocity, link, model for
// the link model; capture, a live pcapng capture, and decrypt, which
// needs no medium) do more. Run it with --help for the details.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// Exit codes.
const (
	exitOK      = 0 // done; for the status check: the medium is live
	exitFailure = 1 // the medium refused, failed, or is not running
	exitUsage   = 2 // the command line is wrong
)

// timeout bounds a whole invocation.
const timeout = 10 * time.Second

// main runs vwifi-tool and exits with its status.
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

// explain turns an error into what the user should read. An error the
// medium answered with is told apart by its code, never by its wording; a
// code vwifi-tool does not know is shown as the medium worded it.
func explain(err error, socket string) string {
	switch {
	case errors.Is(err, api.ErrNotRunning):
		return fmt.Sprintf("no medium is running: nothing answers on %s (start hwsim-medium, or give --socket)", socket)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("permission denied: cannot connect to %s: the control socket is for root; run with sudo", socket)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("the medium did not answer within %v: %v", timeout, err)
	}
	switch api.ErrorCode(err) {
	case api.CodeUnknownRadio:
		return err.Error() + " (see 'vwifi-tool radios')"
	case api.CodeUnknownCommand:
		return fmt.Sprintf("%v (the running hwsim-medium is older than vwifi-tool %s; use the same release of both)", err, api.Version)
	case api.CodeUnsupportedVersion:
		return fmt.Sprintf("%v (vwifi-tool %s speaks protocol version %d; use the same release of hwsim-medium and vwifi-tool)", err, api.Version, api.ProtocolVersion)
	}
	return err.Error()
}

// tool carries out one command line.
type tool struct {
	o      options
	stdout io.Writer
	stderr io.Writer
	c      *api.Client
}

// dispatch carries out the command line: the seed's flags, the status
// check, or a command.
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
	case "capture":
		return t.captureCmd(ctx, rest)
	case "decrypt":
		return t.decryptCmd(rest)
	case "version":
		if err := noArgs(); err != nil {
			return err
		}
		if o.json {
			return t.printJSON(map[string]string{"version": api.Version})
		}
		fmt.Fprintf(t.stdout, "vwifi-tool %s\n", api.Version)
		return nil
	case "help":
		fmt.Fprint(t.stdout, usage)
		return nil
	}
	return usagef("unknown command %q", cmd)
}

// connect dials the medium and checks it answers.
func (t *tool) connect(ctx context.Context) (api.Status, error) {
	c, err := api.Dial(ctx, t.o.socket)
	if err != nil {
		return api.Status{}, err
	}
	t.c = c
	st, err := c.Status(ctx)
	if err != nil {
		return api.Status{}, err
	}
	return st, nil
}
