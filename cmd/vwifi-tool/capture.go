package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/hwsim-medium/hwsim-medium/capture"
	"github.com/hwsim-medium/hwsim-medium/crypto"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// The capture and decrypt commands.

// addCaptureFlag records -w, --radio, --type, --decrypt or --psk.
func (o *options) addCaptureFlag(name, val string) error {
	flag := "--" + name
	switch name {
	case "w":
		flag = "-w"
		if o.write != "" {
			return usagef("-w given twice")
		}
		if val == "" {
			return usagef("-w needs a file name, or - for stdout")
		}
		o.write = val
	case "radio":
		if val == "" {
			return usagef("--radio needs a radio name")
		}
		o.radio = val
	case "type":
		for _, t := range strings.Split(val, ",") {
			if _, err := capture.ParseFrameType(t); err != nil {
				return usagef("--type: %v", err)
			}
			o.types = append(o.types, t)
		}
	case "decrypt":
		o.decrypt = append(o.decrypt, val)
	case "psk":
		o.psk = append(o.psk, val)
	}
	o.captured = append(o.captured, flag)
	return nil
}

// checkCaptureFlags refuses capture flags on other commands.
func (o *options) checkCaptureFlags() error {
	cmd := ""
	if len(o.args) > 0 {
		cmd = o.args[0]
	}
	for _, f := range o.captured {
		switch {
		case f == "--psk" && cmd != "decrypt":
			return usagef("--psk applies to decrypt only (a live capture takes --decrypt)")
		case f != "--psk" && cmd != "capture":
			if cmd == "decrypt" && f == "--decrypt" {
				return usagef("decrypt takes its keys as --psk SSID:PASS")
			}
			return usagef("%s applies to capture only", f)
		}
	}
	return nil
}

// parseKeys parses the keys of a repeatable flag. The error names the
// flag and what is wrong, never the secret.
func parseKeys(flag string, specs []string) ([]crypto.Key, error) {
	var keys []crypto.Key
	for i, s := range specs {
		k, err := crypto.ParseKey(s)
		if err != nil {
			return nil, usagef("%s (value %d of %d): %v", flag, i+1, len(specs), err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// captureCmd is the capture command: it streams the medium's live capture
// to -w until interrupted or the medium stops. ctx bounds the request;
// the stream runs until Ctrl-C or SIGTERM.
func (t *tool) captureCmd(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return usagef("capture takes no arguments but its flags (got %q)", args[0])
	}
	o := t.o
	if _, err := parseKeys("--decrypt", o.decrypt); err != nil {
		return err // checked here, so a typo never reaches the medium
	}
	out, name := t.stdout, "stdout"
	switch o.write {
	case "":
		if isTerminal(t.stdout) {
			return usagef("capture writes pcapng, not text: give -w FILE, or -w - and pipe it (vwifi-tool capture -w - | tshark -r -)")
		}
	case "-":
	default:
		f, err := os.Create(o.write)
		if err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		defer f.Close()
		out, name = f, o.write
	}
	if _, err := t.connect(ctx); err != nil {
		return err
	}
	stream, res, err := t.c.Capture(ctx, api.CaptureArgs{Radio: o.radio, Types: o.types, Decrypt: o.decrypt})
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	defer stream.Close()
	sig, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Ctrl-C closes the stream, which ends the copy below.
	context.AfterFunc(sig, func() { stream.Close() })
	what := "everything"
	if d := describeResult(res); d != "" {
		what = d
	}
	fmt.Fprintf(t.stderr, "vwifi-tool: capturing %s to %s; Ctrl-C to stop\n", what, name)
	st, err := copyBlocks(out, stream)
	interrupted := sig.Err() != nil
	if err != nil && !interrupted {
		return fmt.Errorf("capture: %w (%d records written to %s)", err, st.records, name)
	}
	if f, ok := out.(*os.File); ok && f != os.Stdout {
		if err := f.Close(); err != nil {
			return fmt.Errorf("capture: %w", err)
		}
	}
	why := "the medium ended the capture"
	if interrupted {
		why = "stopped"
	}
	fmt.Fprintf(t.stderr, "vwifi-tool: %s: %d records written to %s, %d dropped by the medium (the capture was read too slowly)\n",
		why, st.records, name, st.dropped)
	return nil
}

// describeResult says what a capture keeps.
func describeResult(r api.CaptureResult) string {
	var parts []string
	if r.Radio != "" {
		parts = append(parts, "the traffic of "+r.Radio)
	}
	if len(r.Types) > 0 {
		parts = append(parts, strings.Join(r.Types, " and ")+" frames")
	}
	if len(r.Keys) > 0 {
		parts = append(parts, "decrypted with the "+strings.Join(r.Keys, ", "))
	}
	return strings.Join(parts, ", ")
}

// decryptCmd is the decrypt command: a capture file, decrypted, to
// another; it needs no medium.
func (t *tool) decryptCmd(args []string) error {
	if len(args) != 2 {
		return usagef("decrypt needs IN and OUT: vwifi-tool decrypt --psk SSID:PASS IN OUT (- for stdin, stdout)")
	}
	keys, err := parseKeys("--psk", t.o.psk)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return usagef("decrypt needs at least one --psk SSID:PASS (or --psk SSID:pmk=HEX, --psk pmk=HEX)")
	}
	inName, outName := args[0], args[1]
	var in io.Reader = os.Stdin
	if inName != "-" {
		f, err := os.Open(inName)
		if err != nil {
			return fmt.Errorf("decrypt: %w", err)
		}
		defer f.Close()
		in = f
		if outName != "-" {
			if fo, err := os.Stat(outName); err == nil {
				if fi, err := f.Stat(); err == nil && os.SameFile(fi, fo) {
					return usagef("decrypt: IN and OUT are the same file; write the decrypted capture elsewhere")
				}
			}
		}
	}
	if t.o.json && outName == "-" {
		return usagef("--json prints the counts on stdout, which carries the capture with OUT -: give an OUT file")
	}
	st, err := decryptTo(in, outName, t.stdout, keys)
	if err != nil {
		return fmt.Errorf("decrypt %s: %w", inName, err)
	}
	if t.o.json {
		return t.printJSON(map[string]uint64{"packets": st.Packets, "decrypted": st.Decrypted, "not_decrypted": st.Undecrypted, "skipped": st.Skipped})
	}
	fmt.Fprintf(t.stderr, "vwifi-tool: decrypt: %d packets, %d decrypted, %d left encrypted (the reasons are in their comments), %d not 802.11 or unreadable\n",
		st.Packets, st.Decrypted, st.Undecrypted, st.Skipped)
	if st.Decrypted == 0 && st.Undecrypted > 0 {
		fmt.Fprintln(t.stderr, "vwifi-tool: nothing could be decrypted: check the SSID and passphrase, and that the capture holds the stations' 4-way handshakes (capture from before they connect)")
	}
	return nil
}

// decryptTo decrypts in into the file outName (through a temporary file
// renamed at the end, so a failure leaves no half capture) or, for "-",
// into stdout.
func decryptTo(in io.Reader, outName string, stdout io.Writer, keys []crypto.Key) (capture.FileStats, error) {
	if outName == "-" {
		w := bufio.NewWriter(stdout)
		st, err := capture.DecryptFile(in, w, keys)
		if err == nil {
			err = w.Flush()
		}
		return st, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(outName), "."+filepath.Base(outName)+".*")
	if err != nil {
		return capture.FileStats{}, err
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	w := bufio.NewWriter(tmp)
	st, err := capture.DecryptFile(in, w, keys)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), outName)
	}
	return st, err
}

// errCorrupt says the capture stream does not frame as pcapng blocks.
var errCorrupt = errors.New("the capture stream is not pcapng")
