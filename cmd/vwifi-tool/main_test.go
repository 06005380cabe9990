package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// tempSocket returns a socket path short enough for sun_path.
func tempSocket(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "vwt")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "medium.sock")
}

// startMedium serves a medium with radios vw0..vw2 on a temporary socket.
func startMedium(t *testing.T, allow func(uint32) bool) (*medium.Medium, string) {
	t.Helper()
	return serveMedium(t, allow, nil)
}

// serveMedium is startMedium for a medium whose link model is mdl (nil:
// none).
func serveMedium(t *testing.T, allow func(uint32) bool, mdl *model.Model) (*medium.Medium, string) {
	t.Helper()
	srv := &control.Server{AllowUID: allow}
	cfg := medium.Config{}
	if mdl != nil { // a nil *model.Model would be a non-nil control.Model
		cfg.Model, srv.Model = mdl, mdl
	}
	m := medium.New(cfg)
	srv.Medium = m
	for k := range byte(3) {
		m.AddRadio(medium.RadioConfig{
			Name:   fmt.Sprintf("vw_phy%d", k),
			Iface:  fmt.Sprintf("vw%d", k),
			HWAddr: mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0},
		})
	}
	if srv.AllowUID == nil {
		me := uint32(os.Getuid())
		srv.AllowUID = func(uid uint32) bool { return uid == me }
	}
	path := tempSocket(t)
	ln, err := control.Listen(path)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not stop")
		}
	})
	return m, path
}

func runTool(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

func rule(dst, src string) medium.DenyRule { return medium.DenyRule{Dst: dst, Src: src} }

// assertRun runs vwifi-tool on sock and checks its stdout (exact), stderr
// (a substring; "" means empty) and exit code.
func assertRun(t *testing.T, sock string, args []string, stdout, stderr string, code int) {
	t.Helper()
	gotOut, gotErr, gotCode := runTool(append([]string{"--socket", sock}, args...)...)
	assert.Equal(t, stdout, gotOut)
	if stderr == "" {
		assert.Empty(t, gotErr)
	} else {
		assert.Contains(t, gotErr, stderr)
	}
	assert.Equal(t, code, gotCode)
}

func TestSeedCompatible(t *testing.T) {
	m, sock := startMedium(t, nil)
	tests := []struct {
		name     string
		args     []string
		stdout   string
		stderr   string // substring; "" means empty
		code     int
		denylist []medium.DenyRule
		preDeny  []medium.DenyRule
	}{{
		name:     "status live",
		args:     nil,
		stdout:   "vwifi status : live\n",
		denylist: []medium.DenyRule{},
	}, {
		name: "deny one pair",
		args: []string{"-d", "vw2", "-s", "vw1"},
		stdout: "vwifi status : live\n" +
			"denylist:\n" +
			"vw2 denys vw1\n" +
			"Configuring denylist for vwifi...\n" +
			"Message from vwifi: vwifi has received your denylist\n",
		denylist: []medium.DenyRule{rule("vw2", "vw1")},
	}, {
		name: "pairs in order, replacing the old list",
		args: []string{"-d", "vw2", "-s", "vw1", "-d", "vw0", "-s", "vw2"},
		stdout: "vwifi status : live\n" +
			"denylist:\n" +
			"vw2 denys vw1\n" +
			"vw0 denys vw2\n" +
			"Configuring denylist for vwifi...\n" +
			"Message from vwifi: vwifi has received your denylist\n",
		preDeny:  []medium.DenyRule{rule("vw1", "vw0")},
		denylist: []medium.DenyRule{rule("vw0", "vw2"), rule("vw2", "vw1")},
	}, {
		name: "getopt style, -d and -s grouped",
		args: []string{"-dvw1", "-dvw2", "-svw0", "-s", "vw0"},
		stdout: "vwifi status : live\n" +
			"denylist:\n" +
			"vw1 denys vw0\n" +
			"vw2 denys vw0\n" +
			"Configuring denylist for vwifi...\n" +
			"Message from vwifi: vwifi has received your denylist\n",
		denylist: []medium.DenyRule{rule("vw1", "vw0"), rule("vw2", "vw0")},
	}, {
		name: "clear",
		args: []string{"-c"},
		stdout: "vwifi status : live\n" +
			"Unset denylist for vwifi...\n" +
			"Configuring denylist for vwifi...\n" +
			"Message from vwifi: vwifi has received your denylist\n",
		preDeny:  []medium.DenyRule{rule("vw1", "vw0")},
		denylist: []medium.DenyRule{},
	}, {
		name: "clear as the README spells it",
		args: []string{"-c", "1"},
		stdout: "vwifi status : live\n" +
			"Unset denylist for vwifi...\n" +
			"Configuring denylist for vwifi...\n" +
			"Message from vwifi: vwifi has received your denylist\n",
		preDeny:  []medium.DenyRule{rule("vw1", "vw0")},
		denylist: []medium.DenyRule{},
	}, {
		name: "unknown interface changes nothing",
		args: []string{"-d", "vw2", "-s", "vw1", "-d", "vw9", "-s", "vw1"},
		stdout: "vwifi status : live\n" +
			"denylist:\n" +
			"vw2 denys vw1\n" +
			"vw9 denys vw1\n" +
			"Configuring denylist for vwifi...\n",
		stderr:   `vwifi-tool: loading the denylist: medium: deny: destination "vw9": no such radio`,
		code:     1,
		preDeny:  []medium.DenyRule{rule("vw1", "vw0")},
		denylist: []medium.DenyRule{rule("vw1", "vw0")},
	}, {
		name:     "-d without -s",
		args:     []string{"-d", "vw2"},
		stderr:   "vwifi-tool: -d vw2 has no matching -s",
		code:     2,
		preDeny:  []medium.DenyRule{rule("vw1", "vw0")},
		denylist: []medium.DenyRule{rule("vw1", "vw0")},
	}, {
		name:     "-s without -d",
		args:     []string{"-d", "vw2", "-s", "vw1", "-s", "vw0"},
		stderr:   "vwifi-tool: -s vw0 has no matching -d",
		code:     2,
		denylist: []medium.DenyRule{},
	}, {
		name:     "-d with no value",
		args:     []string{"-s", "vw1", "-d"},
		stderr:   "vwifi-tool: -d needs a value",
		code:     2,
		denylist: []medium.DenyRule{},
	}, {
		name:     "-c with -d",
		args:     []string{"-c", "-d", "vw2", "-s", "vw1"},
		stderr:   "-c clears the denylist; it cannot be combined with -d/-s",
		code:     2,
		preDeny:  []medium.DenyRule{rule("vw1", "vw0")},
		denylist: []medium.DenyRule{rule("vw1", "vw0")},
	}, {
		name:     "unknown flag",
		args:     []string{"-x"},
		stderr:   "vwifi-tool: unknown flag -x\nRun 'vwifi-tool --help' for usage.\n",
		code:     2,
		denylist: []medium.DenyRule{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.ClearDenylist()
			require.NoError(t, m.Deny(tt.preDeny...))
			assertRun(t, sock, tt.args, tt.stdout, tt.stderr, tt.code)
			got := m.Denylist()
			assert.Equal(t, tt.denylist, got)
		})
	}
}

func TestNotLoaded(t *testing.T) {
	sock := tempSocket(t) // nothing listens here
	tests := []struct {
		args   []string
		stdout string
		stderr string
	}{
		{nil, "vwifi status : not loaded\n", ""},
		{[]string{"status"}, "vwifi status : not loaded\n", ""},
		{[]string{"-d", "vw2", "-s", "vw1"}, "vwifi status : not loaded\n", "vwifi-tool: no medium is running: nothing answers on " + sock},
		{[]string{"-c"}, "vwifi status : not loaded\n", "vwifi-tool: no medium is running"},
		{[]string{"radios"}, "", "vwifi-tool: no medium is running"},
		{[]string{"deny", "ls"}, "", "vwifi-tool: no medium is running"},
		{[]string{"--json"}, "{\n  \"status\": \"not loaded\"\n}\n", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			assertRun(t, sock, tt.args, tt.stdout, tt.stderr, 1)
		})
	}

	// A socket file left by a medium that died is "not loaded" too.
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	stdout, _, code := runTool("--socket", sock)
	assert.Equal(t, "vwifi status : not loaded\n", stdout)
	assert.Equal(t, 1, code)
}

func TestSocketFromEnvironment(t *testing.T) {
	_, sock := startMedium(t, nil)
	t.Setenv(envSocket, sock)
	stdout, stderr, code := runTool()
	assert.Equal(t, "vwifi status : live\n", stdout)
	assert.Empty(t, stderr)
	assert.Equal(t, 0, code)

	// --socket wins over the environment.
	stdout, _, code = runTool("--socket=" + tempSocket(t))
	assert.Equal(t, "vwifi status : not loaded\n", stdout)
	assert.Equal(t, 1, code)
}

func TestPermissionRefused(t *testing.T) {
	_, sock := startMedium(t, func(uint32) bool { return false })
	stdout, stderr, code := runTool("--socket", sock, "-d", "vw2", "-s", "vw1")
	assert.Empty(t, stdout)
	assert.Equal(t, "vwifi-tool: medium: permission denied: the control socket is for root; run with sudo\n", stderr)
	assert.Equal(t, 1, code)
}

func TestCommands(t *testing.T) {
	m, sock := startMedium(t, nil)
	tests := []struct {
		name     string
		args     []string
		stdout   string // exact unless prefix is set
		contains []string
		stderr   string
		code     int
		denylist []medium.DenyRule
	}{{
		name: "radios",
		args: []string{"radios"},
		stdout: "IFACE  WIPHY    ADDRESS            FREQ  TX  RX\n" +
			"vw0    vw_phy0  00:76:77:30:00:00  -     0   0\n" +
			"vw1    vw_phy1  00:76:77:31:00:00  -     0   0\n" +
			"vw2    vw_phy2  00:76:77:32:00:00  -     0   0\n",
	}, {
		name:   "deny ls empty",
		args:   []string{"deny", "ls"},
		stdout: "denylist is empty\n",
	}, {
		name:     "deny add",
		args:     []string{"deny", "add", "vw2", "vw1", "vw_phy0", "vw1"},
		stdout:   "denylist:\nvw0 denys vw1\nvw2 denys vw1\n",
		denylist: []medium.DenyRule{rule("vw0", "vw1"), rule("vw2", "vw1")},
	}, {
		name:     "deny ls",
		args:     []string{"deny", "ls"},
		stdout:   "vw0 denys vw1\nvw2 denys vw1\n",
		denylist: []medium.DenyRule{rule("vw0", "vw1"), rule("vw2", "vw1")},
	}, {
		name:     "deny add unknown",
		args:     []string{"deny", "add", "vw0", "vw2", "vw0", "wlan0"},
		stderr:   `vwifi-tool: deny add: medium: deny: source "wlan0": no such radio (see 'vwifi-tool radios')` + "\n",
		code:     1,
		denylist: []medium.DenyRule{rule("vw0", "vw1"), rule("vw2", "vw1")},
	}, {
		name:     "deny add odd",
		args:     []string{"deny", "add", "vw0"},
		stderr:   "vwifi-tool: deny add needs DST SRC pairs, got 1 name(s)",
		code:     2,
		denylist: []medium.DenyRule{rule("vw0", "vw1"), rule("vw2", "vw1")},
	}, {
		name:     "deny rm",
		args:     []string{"deny", "rm", "vw0", "vw1"},
		stdout:   "denylist:\nvw2 denys vw1\n",
		denylist: []medium.DenyRule{rule("vw2", "vw1")},
	}, {
		name:     "deny json",
		args:     []string{"deny", "ls", "--json"},
		stdout:   "{\n  \"rules\": [\n    {\n      \"dst\": \"vw2\",\n      \"src\": \"vw1\"\n    }\n  ]\n}\n",
		denylist: []medium.DenyRule{rule("vw2", "vw1")},
	}, {
		name:     "deny set",
		args:     []string{"deny", "set", "vw1", "vw2"},
		stdout:   "denylist:\nvw1 denys vw2\n",
		denylist: []medium.DenyRule{rule("vw1", "vw2")},
	}, {
		name:     "deny clear",
		args:     []string{"deny", "clear"},
		stdout:   "denylist is empty\n",
		denylist: []medium.DenyRule{},
	}, {
		name:   "deny bad subcommand",
		args:   []string{"deny", "purge"},
		stderr: `vwifi-tool: unknown deny subcommand "purge"`,
		code:   2,
	}, {
		name:   "block",
		args:   []string{"block", "vw0", "vw1"},
		stdout: "blocked vw0 -> vw1\n",
	}, {
		name:   "block both, flag first",
		args:   []string{"--both", "block", "vw0", "vw2"},
		stdout: "blocked vw0 <-> vw2\n",
	}, {
		name:   "unblock json",
		args:   []string{"unblock", "vw0", "vw2", "--both", "--json"},
		stdout: "{\n  \"tx\": \"vw0\",\n  \"rx\": \"vw2\",\n  \"both\": true,\n  \"blocked\": false\n}\n",
	}, {
		name:   "block unknown",
		args:   []string{"block", "vw0", "vw7"},
		stderr: `vwifi-tool: block vw0 vw7: medium: block: "vw7": no such radio`,
		code:   1,
	}, {
		name:   "block missing rx",
		args:   []string{"block", "vw0"},
		stderr: "vwifi-tool: block needs TX and RX",
		code:   2,
	}, {
		name:   "both without block",
		args:   []string{"radios", "--both"},
		stderr: "--both applies to block, unblock and link only",
		code:   2,
	}, {
		name:     "stats",
		args:     []string{"stats"},
		contains: []string{"medium:               hwsim-medium 0.1.0 (protocol 1)\n", "radios:               3\n", "frames:               0\n", "radios forgotten:     0", "RADIO  TX FRAMES", "vw2    0"},
	}, {
		name:     "status json",
		args:     []string{"--json"},
		contains: []string{`"status": "live"`, `"version": "0.1.0"`, `"radios": 3`, `"frames": 0`},
	}, {
		name:   "seed flags with a command",
		args:   []string{"-d", "vw1", "-s", "vw0", "radios"},
		stderr: `the vwifi flags -d/-s/-c cannot be combined with the command "radios"`,
		code:   2,
	}, {
		name:   "unknown command",
		args:   []string{"frobnicate"},
		stderr: `vwifi-tool: unknown command "frobnicate"`,
		code:   2,
	}, {
		name:   "version",
		args:   []string{"version"},
		stdout: "vwifi-tool 0.1.0\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := m.Denylist()
			stdout, stderr, code := runTool(append([]string{"--socket", sock}, tt.args...)...)
			if tt.contains != nil {
				for _, c := range tt.contains {
					assert.Contains(t, stdout, c)
				}
			} else {
				assert.Equal(t, tt.stdout, stdout)
			}
			if tt.stderr == "" {
				assert.Empty(t, stderr)
			} else {
				assert.Contains(t, stderr, tt.stderr)
			}
			assert.Equal(t, tt.code, code)
			want := tt.denylist
			if want == nil {
				want = before
			}
			assert.Equal(t, want, m.Denylist())
		})
	}
}

func TestJSONOutputsDecode(t *testing.T) {
	_, sock := startMedium(t, nil)
	for _, args := range [][]string{
		{"--json"}, {"status", "--json"}, {"radios", "--json"}, {"stats", "--json"},
		{"deny", "ls", "--json"}, {"--json", "-d", "vw2", "-s", "vw1"}, {"--json", "-c"},
		{"--json", "block", "vw0", "vw1"}, {"--json", "version"},
	} {
		stdout, stderr, code := runTool(append([]string{"--socket", sock}, args...)...)
		assert.Equal(t, 0, code, "%v: %s", args, stderr)
		var v map[string]any
		assert.NoError(t, json.Unmarshal([]byte(stdout), &v), "%v: %q", args, stdout)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"-help"}} {
		stdout, stderr, code := runTool(args...)
		assert.Equal(t, 0, code)
		assert.Empty(t, stderr)
		for _, want := range []string{"vwifi status : live", "vwifi status : not loaded", "-d DST", "-s SRC", "-c ", "radios", "deny ls", "block TX RX [--both]", "move RADIO X Y [Z]", "txpower RADIO DBM", "velocity RADIO VX VY [VZ]", "velocity RADIO stop", "link TX RX [--both] snr DB", "link TX RX [--both] loss P", "link TX RX [--both] clear", "model ", "--json", "--socket PATH", "HWSIM_MEDIUM_SOCKET", "Exit status:", "2  usage error"} {
			assert.Contains(t, stdout, want, "%v", args)
		}
	}
}

// startModel serves a medium with radios vw0..vw2 and a free-space link
// model whose clock stands still, so that positions stay put.
func startModel(t *testing.T) (*model.Model, string) {
	t.Helper()
	cfg := model.DefaultConfig()
	cfg.Propagation.Model = model.PropFreeSpace
	start := time.Unix(5000, 0)
	cfg.Now = func() time.Time { return start }
	mdl, err := model.New(cfg)
	require.NoError(t, err)
	_, sock := serveMedium(t, nil, mdl)
	return mdl, sock
}

func TestMoveNotesARadioStillToCome(t *testing.T) {
	_, sock := startModel(t)
	assertRun(t, sock, []string{"move", "vw1", "1", "1"}, "moved vw1 to (1, 1, 0) m\n", "", 0)
	assertRun(t, sock, []string{"move", "vw9", "1", "1"}, "moved vw9 to (1, 1, 0) m\n",
		"vwifi-tool: note: no radio is named vw9 yet; the model places it when one appears", 0)
}

func TestModelCommands(t *testing.T) {
	mdl, sock := startModel(t)
	tests := []struct {
		name   string
		args   []string
		stdout string
		stderr string // substring; "" means empty
		code   int
	}{{
		name:   "move",
		args:   []string{"move", "vw1", "10", "0"},
		stdout: "moved vw1 to (10, 0, 0) m\n",
	}, {
		name:   "move negative, by wiphy",
		args:   []string{"move", "vw_phy0", "-5", "2.5", "-.5"},
		stdout: "moved vw_phy0 to (-5, 2.5, -0.5) m\n",
	}, {
		name:   "move json",
		args:   []string{"--json", "move", "vw2", "1", "2", "3"},
		stdout: "{\n  \"radio\": \"vw2\",\n  \"x\": 1,\n  \"y\": 2,\n  \"z\": 3\n}\n",
	}, {
		name:   "move not a number",
		args:   []string{"move", "vw1", "ten", "0"},
		stderr: `vwifi-tool: position x "ten" is not a number`,
		code:   2,
	}, {
		name:   "move NaN",
		args:   []string{"move", "vw1", "0", "NaN"},
		stderr: `vwifi-tool: position y "NaN" is not a number`,
		code:   2,
	}, {
		name:   "move without y",
		args:   []string{"move", "vw1", "1"},
		stderr: "vwifi-tool: move needs a radio and a position: vwifi-tool move RADIO X Y [Z]",
		code:   2,
	}, {
		name:   "txpower",
		args:   []string{"txpower", "00:76:77:30:00:00", "-3"},
		stdout: "00:76:77:30:00:00 transmits at -3 dBm\n",
	}, {
		name:   "txpower unknown radio",
		args:   []string{"txpower", "vw9", "3"},
		stderr: `vwifi-tool: txpower vw9: medium: radio.txpower: model: "vw9": no such radio (see 'vwifi-tool radios')` + "\n",
		code:   1,
	}, {
		name:   "txpower without power",
		args:   []string{"txpower", "vw1"},
		stderr: "vwifi-tool: txpower needs a radio and a power",
		code:   2,
	}, {
		name:   "velocity",
		args:   []string{"velocity", "vw2", "1", "-0.5"},
		stdout: "vw2 moves at (1, -0.5, 0) m/s\n",
	}, {
		name:   "velocity stop",
		args:   []string{"velocity", "vw2", "stop"},
		stdout: "stopped vw2\n",
	}, {
		name:   "velocity of vw1",
		args:   []string{"velocity", "vw1", "0", "1", "0"},
		stdout: "vw1 moves at (0, 1, 0) m/s\n",
	}, {
		name:   "velocity without speed",
		args:   []string{"velocity", "vw2"},
		stderr: "vwifi-tool: velocity needs a radio and a velocity",
		code:   2,
	}, {
		name:   "link snr",
		args:   []string{"link", "vw0", "vw1", "snr", "20"},
		stdout: "set vw0 -> vw1: snr 20 dB\n",
	}, {
		name:   "link both, loss and snr",
		args:   []string{"link", "vw0", "vw2", "--both", "loss", "0.1", "snr", "25"},
		stdout: "set vw0 <-> vw2: snr 25 dB, loss 0.1\n",
	}, {
		name:   "link clear one way",
		args:   []string{"link", "vw2", "vw0", "clear"},
		stdout: "cleared vw2 -> vw0\n",
	}, {
		name:   "link json",
		args:   []string{"link", "vw1", "vw0", "loss", "1", "--json"},
		stdout: "{\n  \"tx\": \"vw1\",\n  \"rx\": \"vw0\",\n  \"loss\": 1\n}\n",
	}, {
		name:   "link loss out of range",
		args:   []string{"link", "vw0", "vw1", "loss", "1.5"},
		stderr: `vwifi-tool: link vw0 vw1: medium: link.set: bad args: "loss" 1.5 is not a probability (0 to 1)`,
		code:   1,
	}, {
		name:   "link to itself",
		args:   []string{"link", "vw0", "vw_phy0", "snr", "3"},
		stderr: "to itself",
		code:   1,
	}, {
		name:   "link without value",
		args:   []string{"link", "vw0", "vw1", "snr"},
		stderr: "vwifi-tool: link needs snr DB, loss P or clear: vwifi-tool link TX RX [--both] snr DB | loss P | clear",
		code:   2,
	}, {
		name:   "link snr twice",
		args:   []string{"link", "vw0", "vw1", "snr", "1", "snr", "2"},
		stderr: "vwifi-tool: link: snr given twice",
		code:   2,
	}, {
		name:   "link unknown setting",
		args:   []string{"link", "vw0", "vw1", "rate", "6"},
		stderr: `vwifi-tool: link: unknown setting "rate"`,
		code:   2,
	}, {
		name:   "both on velocity",
		args:   []string{"--both", "velocity", "vw1", "stop"},
		stderr: "--both applies to block, unblock and link only",
		code:   2,
	}, {
		name: "model",
		args: []string{"model"},
		stdout: "propagation: free_space\n\n" +
			"RADIO  ADDRESS            POSITION (m)     TX POWER  MOTION\n" +
			"vw0    00:76:77:30:00:00  (-5, 2.5, -0.5)  -3 dBm    -\n" +
			"vw1    00:76:77:31:00:00  (10, 0, 0)       20 dBm    (0, 1, 0) m/s\n" +
			"vw2    00:76:77:32:00:00  (1, 2, 3)        20 dBm    -\n" +
			"\n" +
			"FROM  TO   OVERRIDE\n" +
			"vw0   vw1  snr 20 dB\n" +
			"vw0   vw2  snr 25 dB, loss 0.1\n" +
			"vw1   vw0  loss 1\n",
	}, {
		name:   "model takes no arguments",
		args:   []string{"model", "vw0"},
		stderr: "vwifi-tool: model takes no arguments",
		code:   2,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertRun(t, sock, tt.args, tt.stdout, tt.stderr, tt.code)
		})
	}
	assert.Len(t, mdl.Snapshot().Radios, 3, "every name found a radio of the medium")
}

func TestModelCommandsWithoutModel(t *testing.T) {
	_, sock := startMedium(t, nil)
	for _, args := range [][]string{
		{"move", "vw0", "1", "2"}, {"txpower", "vw0", "3"}, {"velocity", "vw0", "stop"},
		{"link", "vw0", "vw1", "snr", "3"}, {"link", "vw0", "vw1", "clear"}, {"model"},
	} {
		stdout, stderr, code := runTool(append([]string{"--socket", sock}, args...)...)
		assert.Empty(t, stdout, "%v", args)
		assert.Contains(t, stderr, ": medium: no link model is loaded: start hwsim-medium with -c FILE (see docs/models.md)\n", "%v", args)
		assert.Equal(t, 1, code, "%v", args)
	}
	_, stderr, code := runTool("--socket", tempSocket(t), "model")
	assert.Contains(t, stderr, "vwifi-tool: no medium is running")
	assert.Equal(t, 1, code)
}

func TestModelEmptyAndJSON(t *testing.T) {
	_, sock := startModel(t)
	stdout, stderr, code := runTool("--socket", sock, "model")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "propagation: free_space\n\n"+
		"RADIO  ADDRESS            POSITION (m)  TX POWER  MOTION\n"+
		"vw0    00:76:77:30:00:00  unplaced      20 dBm    -\n"+
		"vw1    00:76:77:31:00:00  unplaced      20 dBm    -\n"+
		"vw2    00:76:77:32:00:00  unplaced      20 dBm    -\n"+
		"\nno link overrides\n", stdout)

	stdout, stderr, code = runTool("--socket", sock, "model", "--json")
	require.Equal(t, 0, code, stderr)
	var cfg model.Config
	require.NoError(t, json.Unmarshal([]byte(stdout), &cfg))
	assert.Equal(t, model.PropFreeSpace, cfg.Propagation.Model)
	require.Len(t, cfg.Radios, 3)
	assert.Equal(t, []string{"vw1", "vw_phy1"}, cfg.Radios[1].Aliases)
}

func TestMotionText(t *testing.T) {
	tests := []struct {
		mob  api.Mobility
		want string
	}{
		{api.Mobility{}, "-"},
		{api.Mobility{Velocity: [3]float64{1, 0.5, 0}}, "(1, 0.5, 0) m/s"},
		{api.Mobility{Velocity: [3]float64{0, 0, 2}, Step: 3 * time.Second}, "(0, 0, 2) m/s in 3s steps"},
		{api.Mobility{Waypoint: &api.Waypoint{Max: [3]float64{100, 50, 0}, MinSpeed: 0.5, MaxSpeed: 2, Pause: 2 * time.Second}}, "waypoints in (0, 0, 0)-(100, 50, 0), 0.5-2 m/s, pause 2s"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, motion(tt.mob))
	}
	assert.Equal(t, "(1.23, 0, -4)", point([3]float64{1.234, -0.001, -4}))
}
