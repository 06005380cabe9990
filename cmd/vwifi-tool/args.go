package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// Argument parsing: the usage text and the command line.

// envSocket names the environment variable that overrides the socket path.
const envSocket = "HWSIM_MEDIUM_SOCKET"

// usage is the --help text.
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

Capture (docs/capture.md):
  capture [-w FILE|-] [--radio NAME] [--type mgmt|ctrl|data]
          [--decrypt SSID:PASS]
                          live capture of the air as pcapng (802.11 with
                          radiotap; what each radio got in the packet
                          comments) until Ctrl-C or the medium stops.
                          -w - (or no -w when stdout is not a terminal)
                          writes to stdout: vwifi-tool capture -w - |
                          tshark -r -. --radio keeps the radio's own
                          traffic (what it sent, what was addressed to it,
                          group frames it got); --type (repeatable, or
                          comma-separated) keeps frames of those types;
                          --decrypt (repeatable; also SSID:pmk=HEX and
                          pmk=HEX) decrypts WPA2/WPA3-Personal traffic of
                          stations whose 4-way handshake it sees
  decrypt --psk SSID:PASS IN OUT
                          decrypt a capture made anywhere (pcap or pcapng,
                          802.11 with or without radiotap; - for stdin or
                          stdout) into a pcapng file; --psk is repeatable
                          and takes the same keys as --decrypt. Needs no
                          medium

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

	// capture and decrypt (capture.go)
	write    string   // -w
	radio    string   // --radio
	types    []string // --type, each maybe comma-separated
	decrypt  []string // --decrypt, as given (parsed later, never echoed)
	psk      []string // --psk, as given
	captured []string // the capture and decrypt flags given, for checks
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

// Error returns the mistake.
func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// parseArgs parses flags anywhere on the line, getopt style for the seed's
// -d/-s/-c (also -dvw2), and --flag or -flag (also --flag=value) for ours.
func parseArgs(args []string) (options, error) {
	o := options{socket: os.Getenv(envSocket)}
	if o.socket == "" {
		o.socket = api.DefaultPath
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
		case a == "-w" || name == "radio" || name == "type" || name == "decrypt" || name == "psk":
			// Before the getopt-style -dVALUE below: -decrypt is ours.
			if !hasVal {
				val, err = value(&i, a)
			}
			if err == nil {
				err = o.addCaptureFlag(name, val)
			}
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
	if err := o.checkCaptureFlags(); err != nil {
		return o, err
	}
	return o, nil
}

// isNumber says whether a, which starts with '-', is a negative number
// (an argument such as a coordinate) rather than a flag.
func isNumber(a string) bool {
	return len(a) > 1 && (a[1] >= '0' && a[1] <= '9' || a[1] == '.')
}

// addPair records the value of -d or -s (flag 'd' or 's').
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

// parseNumber reads the finite number given as what.
func parseNumber(what, s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, usagef("%s %q is not a number", what, s)
	}
	return v, nil
}

// parsePoint reads two or three coordinates; a missing third is 0.
func parsePoint(what string, args []string) ([3]float64, error) {
	var p [3]float64
	for i, a := range args {
		v, err := parseNumber(fmt.Sprintf("%s %c", what, "xyz"[i]), a)
		if err != nil {
			return p, err
		}
		p[i] = v
	}
	return p, nil
}

// linkUsage is the link command's synopsis.
const linkUsage = "vwifi-tool link TX RX [--both] snr DB | loss P | clear"

// parseLinkSet reads "snr DB", "loss P" or both, in any order.
func parseLinkSet(a *api.LinkSetArgs, args []string) error {
	if len(args) == 0 || len(args)%2 != 0 {
		return usagef("link needs snr DB, loss P or clear: %s", linkUsage)
	}
	for i := 0; i < len(args); i += 2 {
		key, val := args[i], args[i+1]
		var dst **float64
		switch key {
		case "snr":
			dst = &a.SNR
		case "loss":
			dst = &a.Loss
		default:
			return usagef("link: unknown setting %q: %s", key, linkUsage)
		}
		if *dst != nil {
			return usagef("link: %s given twice", key)
		}
		v, err := parseNumber(key, val)
		if err != nil {
			return err
		}
		*dst = &v
	}
	return nil
}
