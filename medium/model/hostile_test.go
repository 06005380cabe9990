package model

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// aliasBomb is nine lines of YAML whose aliases expand to 10^9 values.
const aliasBomb = `a: &a ["x","x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
radios: [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

// TestHostileConfigs: each configuration is refused at once, with one
// message that names the problem, and without using much memory.
func TestHostileConfigs(t *testing.T) {
	deep := "radios:\n" + strings.Repeat("- ", 200) + "x\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"alias bomb", aliasBomb, "aliases expand to more than 65536 values (an alias bomb?)"},
		{"deep nesting", deep, "nested too deeply"},
		{"flow nesting", "a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000), ""},
		{"nan", "noise_floor: .nan\n", "fm.yaml:1: noise_floor: .nan is not a finite number"},
		{"infinity", "radios:\n- name: vw0\n  position: [1, -.inf]\n", "-.inf is not a finite number"},
		{"not a mapping", "- 1\n- 2\n", "expected a group"},
		{"binary", "\x00\x01\x02\xff", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := ParseYAML("fm.yaml", []byte(tc.yaml))
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "fm.yaml" {
				t.Errorf("error %v does not name the file", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
			if took > 5*time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
}

func TestHugeConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 5 GiB on paper, nothing on disk.
	if err := f.Truncate(5 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = LoadConfig(path)
	if err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Fatalf("a 5 GiB file: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "m.json")); err == nil || !strings.Contains(err.Error(), "unknown configuration format") {
		t.Fatalf("a .json file: %v", err)
	}
}

func FuzzParseYAML(f *testing.F) {
	for _, name := range []string{"testdata/full.yaml", "testdata/mesh4.yaml"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(aliasBomb))
	f.Add([]byte("radios:\n- {name: vw0, position: [0, 0]}\n- {name: vw1, position: [.nan, 1]}\nlinks:\n- {from: vw0, to: vw1, snr: 3, both: true}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		start := time.Now()
		cfg, err := ParseYAML("fuzz.yaml", b)
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("took %s", took)
		}
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "fuzz.yaml" {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		// What parses builds a model or says why not, without panicking,
		// and the model answers.
		m, err := New(cfg)
		if err != nil {
			return
		}
		_ = m.Snapshot()
	})
}
