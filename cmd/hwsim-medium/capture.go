package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hwsim-medium/hwsim-medium/capture"
	"github.com/hwsim-medium/hwsim-medium/crypto"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/tap"
)

// captureStopTimeout bounds writing what a file capture still holds when
// the medium stops.
const captureStopTimeout = 10 * time.Second

// keysFlag is the repeatable --decrypt flag. The values are parsed after
// the command line, so that an error never repeats the secret (the flag
// package would quote the value).
type keysFlag struct {
	raw   []string
	keys  []crypto.Key
	specs []string // the keys described, for the log (never the secret)
}

func (k *keysFlag) String() string { return strings.Join(k.specs, ", ") }

// Set takes one value; parse checks it.
func (k *keysFlag) Set(s string) error {
	k.raw = append(k.raw, s)
	return nil
}

// parse reads every value given: SSID:passphrase, SSID:pmk=HEX or
// pmk=HEX.
func (k *keysFlag) parse(name string) error {
	for i, s := range k.raw {
		key, err := crypto.ParseKey(s)
		if err != nil {
			return fmt.Errorf("--%s (value %d of %d): %w", name, i+1, len(k.raw), err)
		}
		k.keys = append(k.keys, key)
		k.specs = append(k.specs, key.String())
	}
	k.raw = nil
	return nil
}

// addCaptureFlags defines --pcap and --decrypt on fs.
func addCaptureFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.pcap, "pcap", "", "write every transmission to the pcapng `FILE` while running (radiotap, and what each radio got in the packet comments; see docs/capture.md); it is complete when the medium stops")
	fs.Var(&o.decrypt, "decrypt", "decrypt the --pcap capture with the passphrase of network SSID (`SSID:PASS`; also SSID:pmk=HEX, or pmk=HEX for any network); repeatable, one per network or PMK. Frames it cannot decrypt stay as they were, with the reason in their comment")
}

// checkCaptureFlags parses the keys and checks the capture flags
// together.
func checkCaptureFlags(o *options) error {
	if err := o.decrypt.parse("decrypt"); err != nil {
		return err
	}
	if len(o.decrypt.keys) > 0 && o.pcap == "" {
		return errors.New("--decrypt needs --pcap FILE (for a live decrypted capture: vwifi-tool capture --decrypt SSID:PASS)")
	}
	return nil
}

// startFileCapture starts the --pcap capture on hub, into f (created from
// o.pcap). The returned stop writes what the capture still holds and
// closes f; it runs once, however often it is called.
func startFileCapture(hub *tap.Hub, f *os.File, o *options, log *slog.Logger) (stop func(), err error) {
	comment := "hwsim-medium " + api.Version + ": every transmission of the medium"
	if len(o.decrypt.keys) > 0 {
		comment += ", decrypted with the " + o.decrypt.String()
	}
	c, err := hub.Start(f, tap.Options{Name: o.pcap, Options: capture.Options{
		Keys: o.decrypt.keys, Application: "hwsim-medium " + api.Version, Comment: comment,
	}})
	if err != nil {
		return nil, fmt.Errorf("--pcap %s: %w", o.pcap, err)
	}
	return sync.OnceFunc(func() {
		ctx, cancel := context.WithTimeout(context.Background(), captureStopTimeout)
		defer cancel()
		err := c.Stop(ctx)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			log.Warn("the capture file may be incomplete", "file", o.pcap, "err", err)
			return
		}
		st := c.Stats()
		log.Info("capture written", "file", o.pcap, "records", st.Written, "dropped", st.Dropped, "decrypted", st.Decrypted)
	}), nil
}
