package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/crypto"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/persist"
)

func TestParseFlags(t *testing.T) {
	defaults := options{logLevel: slog.LevelInfo, control: control.DefaultPath, timing: medium.TimingFast, state: persist.DefaultPath,
		air: airOptions{name: "default", store: defaultAirStore}}
	tests := []struct {
		name    string
		args    []string
		want    func(o *options)
		wantErr string
	}{
		{name: "defaults", want: func(*options) {}},
		{name: "radios", args: []string{"--radios", "5"}, want: func(o *options) { o.radios = 5 }},
		{name: "airtime", args: []string{"--timing", "airtime"}, want: func(o *options) { o.timing = medium.TimingAirtime }},
		{name: "fast", args: []string{"--timing", "fast"}, want: func(*options) {}},
		{name: "cpuprofile", args: []string{"--cpuprofile", "/tmp/m.prof"}, want: func(o *options) { o.cpuProfile = "/tmp/m.prof" }},
		{name: "model and debug", args: []string{"-c", "m.yaml", "--log-level", "debug"}, want: func(o *options) { o.config, o.logLevel = "m.yaml", slog.LevelDebug }},
		{name: "pcap", args: []string{"--pcap", "/tmp/air.pcapng"}, want: func(o *options) { o.pcap = "/tmp/air.pcapng" }},
		{name: "pcap decrypted", args: []string{"--pcap", "a.pcapng", "--decrypt", "test:12345678", "--decrypt", "pmk=" + strings.Repeat("ab", 32)},
			want: func(o *options) {
				o.pcap = "a.pcapng"
				k1, _ := crypto.ParseKey("test:12345678")
				k2, _ := crypto.ParseKey("pmk=" + strings.Repeat("ab", 32))
				o.decrypt = keysFlag{keys: []crypto.Key{k1, k2}, specs: []string{`passphrase for SSID "test"`, "PMK"}}
			}},
		{name: "decrypt without pcap", args: []string{"--decrypt", "test:12345678"}, wantErr: "--decrypt needs --pcap FILE"},
		{name: "bad key", args: []string{"--pcap", "a", "--decrypt", "test:short"}, wantErr: `--decrypt (value 1 of 1): crypto: key for SSID "test": `},
		{name: "no state file", args: []string{"--state", ""}, want: func(o *options) { o.state = "" }},
		{name: "keep radios", args: []string{"--keep-radios", "--state", "/tmp/s.json"}, want: func(o *options) { o.keepRadios, o.state = true, "/tmp/s.json" }},
		{name: "bad timing", args: []string{"--timing", "slow"}, wantErr: `--timing "slow": must be fast or airtime`},
		{name: "bad level", args: []string{"--log-level", "loud"}, wantErr: `--log-level "loud": want debug, info, warn or error`},
		{name: "negative radios", args: []string{"--radios", "-1"}, wantErr: "--radios -1: must be between 0 and"},
		{name: "too many radios", args: []string{"--radios", "70000"}, wantErr: "--radios 70000: must be between 0 and 65536"},
		{name: "radios not a number", args: []string{"--radios", "five"}, wantErr: `invalid value "five" for flag -radios: parse error`},
		{name: "keep-radios with a value", args: []string{"--keep-radios=maybe"}, wantErr: `invalid boolean value "maybe" for -keep-radios`},
		{name: "stray argument", args: []string{"5"}, wantErr: `unexpected argument "5"`},
		{name: "unknown flag", args: []string{"--radio", "5"}, wantErr: "flag provided but not defined: -radio"},
		{name: "join", args: []string{"--join", "nats://10.0.2.2:4222", "--member", "vm1", "--air", "lab"},
			want: func(o *options) { o.air.join, o.air.member, o.air.name = "nats://10.0.2.2:4222", "vm1", "lab" }},
		{name: "serve the air only", args: []string{"--serve-air", "0.0.0.0:4222", "--serve-air-users", "/etc/u", "--air-only", "--member", "host"},
			want: func(o *options) {
				o.air.serve, o.air.serveUsers, o.air.only, o.air.member = "0.0.0.0:4222", "/etc/u", true, "host"
			}},
		{name: "air-only without a server", args: []string{"--air-only"}, wantErr: "--air-only serves an air: give --serve-air HOST:PORT too"},
		{name: "join and serve", args: []string{"--join", "nats://a:1", "--serve-air", "127.0.0.1:4222"}, wantErr: "give one of them"},
		{name: "credentials without an air", args: []string{"--air-user", "vm1"}, wantErr: "--air-user is for a federated air"},
		{name: "bad member name", args: []string{"--join", "nats://a:1", "--member", "vm 1"}, wantErr: `--member: member name "vm 1": use 1 to 64 letters`},
		{name: "bad air name", args: []string{"--join", "nats://a:1", "--member", "a", "--air", "x.y"}, wantErr: `--air: air name "x.y"`},
		{name: "member from the user", args: []string{"--join", "nats://a:1", "--air-user", "vm2", "--air-password-file", "/p"},
			want: func(o *options) {
				o.air.join, o.air.user, o.air.passwordFile, o.air.member = "nats://a:1", "vm2", "/p", "vm2"
			}},
		{name: "member is not the user", args: []string{"--join", "nats://a:1", "--air-user", "vm2", "--member", "vm3"}, wantErr: "--member vm3 and --air-user vm2 differ"},
		{name: "airtime does not federate", args: []string{"--join", "nats://a:1", "--member", "a", "--timing", "airtime"}, wantErr: "--timing airtime does not federate yet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			want := defaults
			tc.want(&want)
			assert.Equal(t, want, o)
		})
	}
}
