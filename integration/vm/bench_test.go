package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCollectBench(t *testing.T) {
	out := `bench: round 1 ...
BENCH-TABLE-BEGIN air
| figure | kernel-direct |
|---|---|
BENCH-TABLE-END air
BENCH-JSON air {"rounds":3}
[   12.3] some kernel line
BENCH-JSON scale {"runs":[]}`
	b, err := collectBench(strings.Split(out, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.Kinds, ","); got != "air,scale" {
		t.Errorf("kinds %q", got)
	}
	if b.Tables["air"] != "| figure | kernel-direct |\n|---|---|" {
		t.Errorf("table %q", b.Tables["air"])
	}
	path := filepath.Join(t.TempDir(), "bench.json")
	if err := saveBench(path, b); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	var v map[string]map[string]any
	if err := json.Unmarshal(raw, &v); err != nil || v["air"]["rounds"] != 3.0 {
		t.Errorf("saved %s: %v", raw, err)
	}
	if _, err := collectBench([]string{`BENCH-JSON air {"rounds":`}); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestCollectBenchFiles(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		want    map[string]string
		wantErr bool
	}{
		{"chunks joined", []string{"BENCH-FILE a.prof aGVs", "noise", "BENCH-FILE a.prof bG8=\r", "BENCH-FILE-END a.prof"}, map[string]string{"a.prof": "hello"}, false},
		{"end without data", []string{"BENCH-FILE-END b.prof"}, nil, true},
		{"path as name", []string{"BENCH-FILE ../x aGk=", "BENCH-FILE-END ../x"}, nil, true},
		{"bad base64", []string{"BENCH-FILE c.prof !!", "BENCH-FILE-END c.prof"}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := collectBench(tc.lines)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			for name, want := range tc.want {
				if got := string(b.Files[name]); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}
