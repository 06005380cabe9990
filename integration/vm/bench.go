package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// benchOutput is what the benchmarks printed in the VM: per kind ("air",
// "scale") a markdown table between BENCH-TABLE-BEGIN/END lines and one
// BENCH-JSON line (see integration/bench_test.go); and files (CPU
// profiles) sent as base64 BENCH-FILE lines ended by BENCH-FILE-END.
type benchOutput struct {
	Kinds  []string
	Tables map[string]string
	JSON   map[string]json.RawMessage
	Files  map[string][]byte
}

func collectBench(lines []string) (*benchOutput, error) {
	out := &benchOutput{Tables: map[string]string{}, JSON: map[string]json.RawMessage{}, Files: map[string][]byte{}}
	var cur string
	var table []string
	chunks := map[string]*strings.Builder{}
	for _, l := range lines {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "BENCH-FILE "):
			name, chunk, _ := strings.Cut(strings.TrimPrefix(l, "BENCH-FILE "), " ")
			if chunks[name] == nil {
				chunks[name] = &strings.Builder{}
			}
			chunks[name].WriteString(chunk)
		case strings.HasPrefix(l, "BENCH-FILE-END "):
			name := strings.TrimSpace(strings.TrimPrefix(l, "BENCH-FILE-END "))
			data, err := fileData(name, chunks[name])
			if err != nil {
				return out, err
			}
			out.Files[name] = data
			delete(chunks, name)
		case strings.HasPrefix(l, "BENCH-TABLE-BEGIN "):
			cur, table = strings.TrimSpace(strings.TrimPrefix(l, "BENCH-TABLE-BEGIN ")), nil
		case strings.HasPrefix(l, "BENCH-TABLE-END ") && cur != "":
			out.Tables[cur] = strings.Join(table, "\n")
			cur = ""
		case cur != "":
			table = append(table, l)
		case strings.HasPrefix(l, "BENCH-JSON "):
			kind, js, ok := strings.Cut(strings.TrimPrefix(l, "BENCH-JSON "), " ")
			if !ok || !json.Valid([]byte(js)) {
				return out, fmt.Errorf("malformed BENCH-JSON line (console noise inside it?): %.200s", l)
			}
			if _, seen := out.JSON[kind]; !seen {
				out.Kinds = append(out.Kinds, kind)
			}
			out.JSON[kind] = json.RawMessage(js)
		}
	}
	return out, nil
}

// fileData decodes the base64 chunks of one BENCH-FILE.
func fileData(name string, b *strings.Builder) ([]byte, error) {
	if b == nil || name != filepath.Base(name) {
		return nil, fmt.Errorf("BENCH-FILE-END %q without data (or not a plain file name)", name)
	}
	data, err := base64.StdEncoding.DecodeString(b.String())
	if err != nil {
		return nil, fmt.Errorf("BENCH-FILE %s (console noise inside it?): %w", name, err)
	}
	return data, nil
}

// saveBench writes {"air": ..., "scale": ...} to path, indented.
func saveBench(path string, b *benchOutput) error {
	js, err := json.Marshal(b.JSON)
	if err != nil {
		return err
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, js, "", "  "); err != nil {
		return err
	}
	ind.WriteByte('\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, ind.Bytes(), 0o644)
}

// reportBench prints the tables on the host after the console noise and
// saves the JSON; it returns false if the VM printed no results.
func reportBench(lines []string, path string) bool {
	b, err := collectBench(lines)
	if err != nil {
		logf("FAIL: %v", err)
		return false
	}
	if len(b.Kinds) == 0 {
		logf("FAIL: the benchmarks printed no BENCH-JSON results")
		return false
	}
	fmt.Println()
	for _, k := range b.Kinds {
		if t, ok := b.Tables[k]; ok {
			fmt.Printf("==== %s ====\n%s\n\n", k, t)
		}
	}
	if err := saveBench(path, b); err != nil {
		logf("FAIL: saving %s: %v", path, err)
		return false
	}
	logf("benchmark results saved to %s", path)
	for name, data := range b.Files {
		f := filepath.Join(filepath.Dir(path), name)
		if err := os.WriteFile(f, data, 0o644); err != nil {
			logf("FAIL: saving %s: %v", f, err)
			return false
		}
		logf("saved %s (%d bytes)", f, len(data))
	}
	return true
}
