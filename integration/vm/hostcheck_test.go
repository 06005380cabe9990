package main

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"testing"
)

func gzipBase64(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestCollectFiles(t *testing.T) {
	enc := gzipBase64("hello, pcapng")
	half := len(enc) / 2
	tests := []struct {
		name    string
		lines   []string
		want    map[string]string
		checks  []string
		wantErr bool
	}{
		{"chunks joined, checks once", []string{"VM-FILE a.pcapng " + enc[:half], "noise", "VM-FILE a.pcapng " + enc[half:] + "\r",
			"VM-FILE-END a.pcapng", "VM-HOSTCHECK TestX", "VM-HOSTCHECK TestX"}, map[string]string{"a.pcapng": "hello, pcapng"}, []string{"TestX"}, false},
		{"end without data", []string{"VM-FILE-END b"}, nil, nil, true},
		{"path as name", []string{"VM-FILE ../x " + enc, "VM-FILE-END ../x"}, nil, nil, true},
		{"not gzip", []string{"VM-FILE c aGk=", "VM-FILE-END c"}, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := collectFiles(tc.lines)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			for name, want := range tc.want {
				if got := string(f.Files[name]); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if len(f.Checks) != len(tc.checks) {
				t.Errorf("checks %v, want %v", f.Checks, tc.checks)
			}
		})
	}
}
