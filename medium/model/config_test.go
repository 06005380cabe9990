package model

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden loads every configuration in testdata and compares the Config
// it yields, as JSON, with testdata/NAME.golden.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.cfg")
	ymls, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, ymls...)
	if len(files) < 8 {
		t.Fatalf("only %d test configurations", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cfg, err := LoadConfig(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(cfg, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", filepath.Base(f)+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("config differs from %s (go test -update to accept):\n%s", golden, got)
			}
			if _, err := Load(f); err != nil {
				t.Fatalf("Load: %v", err)
			}
		})
	}
}

// TestConfigErrors checks that errors name the file, the line and the key.
func TestConfigErrors(t *testing.T) {
	const ids = "ifaces : { ids = [\"02:00:00:00:00:00\", \"02:00:00:00:01:00\"]; };\n"
	tests := []struct {
		name, file, src, want string
	}{
		// libconfig syntax.
		{"syntax", "a.cfg", "ifaces : {\n ids = [\"x\"\n};\n", "a.cfg:3: expected ',' or ']'"},
		{"unterminated string", "a.cfg", "ifaces = {\n ids = [\"02:00\n", "a.cfg:2: newline in string"},
		{"unterminated comment", "a.cfg", "/* hello\n\n", "a.cfg:1: unterminated /* comment"},
		{"missing brace", "a.cfg", "ifaces = {\n ids = [];\n", "a.cfg:3: missing '}'"},
		{"bad value", "a.cfg", "ifaces = {\n ids = [];\n count = 12abc;\n};\n", "a.cfg:3: bad value \"12abc\""},
		{"mixed array", "a.cfg", "x = [1,\n 2.0];\n", "a.cfg:2: array elements must all be of one type"},
		{"duplicate", "a.cfg", ids + "ifaces = {};\n", "a.cfg:2: duplicate setting \"ifaces\" (first on line 1)"},
		{"include", "a.cfg", "@include \"x.cfg\"\n", "a.cfg:1: @include"},
		// wmediumd keys and types.
		{"unknown top key", "b.cfg", ids + "\nmodle = { type = \"snr\"; };\n", "b.cfg:3: modle: unknown key"},
		{"unknown model key", "b.cfg", ids + "model = {\n type = \"snr\";\n linkz = ();\n};\n", "b.cfg:4: model.linkz: unknown key"},
		{"unknown iface key", "b.cfg", "ifaces = {\n ids = [];\n medium_array = ();\n};\n", "b.cfg:3: ifaces.medium_array: unknown key"},
		{"no ids", "b.cfg", "ifaces = { count = 2; };\n", "b.cfg:1: ifaces.ids: missing"},
		{"bad mac", "b.cfg", "ifaces = {\n ids = [\"02:00:00:00:00:00\", \"nope\"];\n};\n", "b.cfg:2: ifaces.ids[1]: \"nope\" is not a MAC address"},
		{"wrong type", "b.cfg", ids + "model = {\n type = 5;\n};\n", "b.cfg:3: model.type: expected a string, got integer 5"},
		{"unknown type", "b.cfg", ids + "model = {\n type = \"snrr\";\n};\n", "b.cfg:3: model.type: unknown model type \"snrr\""},
		{"link arity", "b.cfg", ids + "model = {\n type = \"snr\";\n links = (\n (0, 1, 10),\n (0, 1));\n};\n", "b.cfg:6: model.links[1]: expected (int, int, snr), got 2 elements"},
		{"link type", "b.cfg", ids + "model = {\n type = \"snr\";\n links = (\n (0, \"1\", 10));\n};\n", "b.cfg:5: model.links[0][1]: expected an integer, got string \"1\""},
		{"link range", "b.cfg", ids + "model = {\n type = \"snr\";\n links = (\n (0, 2, 10));\n};\n", "b.cfg:5: model.links[0]: index out of range: ifaces.ids has 2 entries"},
		{"prob range", "b.cfg", ids + "model = {\n type = \"prob\";\n links = (\n (0, 1, 1.5));\n};\n", "b.cfg:5: model.links[0]: 1.5 is not a probability"},
		{"default_prob", "b.cfg", ids + "model = {\n type = \"prob\";\n default_prob = 2.0;\n};\n", "b.cfg:4: model.default_prob: 2 is not a probability"},
		{"both link kinds", "b.cfg", "ifaces = {\n ids = [\"02:00:00:00:00:00\", \"02:00:00:00:01:00\"];\n links = ((0, 1, 5));\n};\nmodel = {\n type = \"snr\";\n};\n", "b.cfg:6: model.type: wmediumd ignores the model"},
		{"positions count", "b.cfg", ids + "model = {\n type = \"path_loss\";\n positions = ((0.0, 0.0));\n};\n", "b.cfg:4: model.positions: 1 positions for 2 ifaces.ids"},
		{"position arity", "b.cfg", ids + "model = {\n type = \"path_loss\";\n positions = ((0.0, 0.0),\n (1.0));\n tx_powers = (1.0, 2.0);\n model_name = \"free_space\";\n};\n", "b.cfg:5: model.positions[1]: expected 2 to 3 numbers, got 1"},
		{"no tx_powers", "b.cfg", ids + "model = {\n type = \"path_loss\";\n positions = ((0.0, 0.0), (1.0, 1.0));\n model_name = \"free_space\";\n};\n", "b.cfg:2: model.tx_powers: missing"},
		{"model_name", "b.cfg", ids + "model = {\n type = \"path_loss\";\n positions = ((0.0, 0.0), (1.0, 1.0));\n tx_powers = (1.0, 2.0);\n model_name = \"ether\";\n};\n", "b.cfg:6: model.model_name: unknown path loss model \"ether\""},
		{"exp missing", "b.cfg", ids + "model = {\n type = \"path_loss\";\n positions = ((0.0, 0.0), (1.0, 1.0));\n tx_powers = (1.0, 2.0);\n model_name = \"log_distance\";\n};\n", "b.cfg:2: model.path_loss_exp: missing"},
		{"key of other model", "b.cfg", ids + "model = {\n type = \"path_loss\";\n positions = ((0.0, 0.0), (1.0, 1.0));\n tx_powers = (1.0, 2.0);\n model_name = \"free_space\";\n path_loss_exp = 3.0;\n};\n", "b.cfg:7: model.path_loss_exp: unknown key"},
		// Our YAML.
		{"yaml syntax", "c.yaml", "a: 1\nb: 2\n c: 3\n", "c.yaml:3: mapping values are not allowed"},
		{"yaml tab", "c.yaml", "a: 1\nb:\n\t- 2\n", "c.yaml:3: found character that cannot start any token"},
		{"yaml unknown key", "c.yaml", "seed: 1\nnoise: -90\n", "c.yaml:2: noise: unknown key"},
		{"yaml unknown nested", "c.yaml", "radios:\n  - name: vw0\n    positon: [1, 2]\n", "c.yaml:3: radios[0].positon: unknown key"},
		{"yaml wrong type", "c.yaml", "sensitivity: low\n", "c.yaml:1: sensitivity: expected a number, got string \"low\""},
		{"yaml wrong nested type", "c.yaml", "propagation:\n  model: log_distance\n  exponent: [3]\n", "c.yaml:3: propagation.exponent: expected a number, got list"},
		{"yaml model", "c.yaml", "propagation:\n  model: ether\n", "c.yaml:2: propagation.model: unknown model \"ether\""},
		{"yaml vector", "c.yaml", "radios:\n  - name: vw0\n    position: [1, 2, 3, 4]\n", "c.yaml:3: radios[0].position: expected 2 to 3 numbers, got 4"},
		{"yaml vector elem", "c.yaml", "radios:\n  - name: vw0\n    position: [1, x]\n", "c.yaml:3: radios[0].position[1]: expected a number, got string \"x\""},
		{"yaml dup radio", "c.yaml", "radios:\n  - name: vw0\n  - name: vw0\n", "c.yaml:3: radios[1]: radio \"vw0\" already configured on line 2"},
		{"yaml dup key", "c.yaml", "seed: 1\nseed: 2\n", "c.yaml:2"},
		{"yaml link empty", "c.yaml", "links:\n  - {from: a, to: b}\n", "c.yaml:2: links[0]: a link sets snr, loss or blocked"},
		{"yaml link loss", "c.yaml", "links:\n  - from: a\n    to: b\n    loss: 3\n", "c.yaml:4: links[0].loss: 3 is not a probability"},
		{"yaml link self", "c.yaml", "links:\n  - {from: a, to: a, blocked: true}\n", "c.yaml:2: links[0]: link from \"a\" to itself"},
		{"yaml bool", "c.yaml", "links:\n  - {from: a, to: b, blocked: 1}\n", "c.yaml:2: links[0].blocked: expected a boolean, got integer 1"},
		{"yaml duration", "c.yaml", "radios:\n  - name: a\n    position: [0, 0]\n    velocity: [1, 0]\n    step: soon\n", "c.yaml:5: radios[0].step: expected a duration"},
		{"yaml waypoint", "c.yaml", "radios:\n  - name: a\n    waypoint:\n      min: [0, 0]\n      max: [10, 10]\n      speed: [2, 1]\n", "c.yaml:6: radios[0].waypoint.speed: want a positive speed"},
		{"yaml null", "c.yaml", "seed:\n", "c.yaml:1: seed: missing value"},
		{"yaml top list", "c.yaml", "- 1\n", "c.yaml:1: expected a group, got list"},
		{"yaml moving unplaced", "c.yaml", "radios:\n  - name: a\n    velocity: [1, 0]\n", "c.yaml:2: radios[0]: a moving radio needs a position"},
		{"extension", "d.toml", "", "d.toml: unknown configuration format \".toml\""},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
			if !strings.HasPrefix(msg, tt.want) {
				t.Errorf("error\n  %s\nwant prefix\n  %s", msg, tt.want)
			}
			var ce *ConfigError
			if strings.Contains(tt.want, ".cfg:") || strings.Contains(tt.want, ".yaml:") {
				if !errors.As(err, &ce) || ce.Line == 0 {
					t.Errorf("%v: not a ConfigError with a line", err)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	if _, err := Load("testdata/nonexistent.cfg"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

func TestWmediumdMapping(t *testing.T) {
	cfg, err := LoadConfig("testdata/ifaces_links.cfg")
	if err != nil {
		t.Fatal(err)
	}
	// One-direction links are mirrored; both directions given stay
	// asymmetric.
	snr := map[[2]string]float64{}
	for _, l := range cfg.Links {
		snr[[2]string{l.From, l.To}] = *l.SNR
	}
	a, b, c := "02:00:00:00:00:00", "02:00:00:00:01:00", "02:00:00:00:02:00"
	want := map[[2]string]float64{{a, b}: 0, {b, a}: 0, {a, c}: 0, {c, a}: 10, {b, c}: 30, {c, b}: 30}
	if len(snr) != len(want) {
		t.Fatalf("links %v, want %v", snr, want)
	}
	for k, v := range want {
		if got, ok := snr[k]; !ok || got != v {
			t.Errorf("%v: %v, want %v", k, got, v)
		}
	}
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "enable_interference") {
		t.Errorf("warnings %q", cfg.Warnings)
	}

	cfg, err = LoadConfig("testdata/path_loss.cfg")
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Radios[1]
	if !r.Placed || r.X != 0 || r.Y != 40 || r.TxPower != 15 || r.Mobility.Step.Seconds() != 3 || r.Mobility.Velocity[1] != 10.0/3 {
		t.Errorf("radio 1 = %+v", r)
	}
	if p := cfg.Propagation; p.Model != PropLogDistance || p.Exponent != 3.5 || p.ExtraLoss != 0 {
		t.Errorf("propagation %+v", p)
	}
}
