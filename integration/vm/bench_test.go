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
