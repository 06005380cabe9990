package control

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/tap"
)

// FuzzHandle feeds arbitrary request lines to the request handler of a
// real medium. It must never panic, must always answer one well-formed
// line, and must leave the medium untouched unless it answers ok.
func FuzzHandle(f *testing.F) {
	for _, seed := range []string{
		`{"v":1,"cmd":"status"}`,
		`{"v":1,"cmd":"radios","args":{}}`,
		`{"v":1,"cmd":"deny.list","args":null}`,
		`{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw0","src":"vw1"}]}}`,
		`{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw0","src":"vw1"},{"dst":"vw9","src":"vw1"}]}}`,
		`{"v":1,"cmd":"deny.remove","args":{"rules":[{"dst":"vw2","src":"vw1"}]}}`,
		`{"v":1,"cmd":"deny.set","args":{"rules":[]}}`,
		`{"v":1,"cmd":"deny.set","args":{"rules":[{"dst":"vw_phy1","src":"00:76:77:30:00:00"}]}}`,
		`{"v":1,"cmd":"deny.clear"}`,
		`{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw1","both":true}}`,
		`{"v":1,"cmd":"link.unblock","args":{"tx":"vw0","rx":"vw1"}}`,
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw1","x":10,"y":-2.5,"z":1}}`,
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw7","x":1e999}}`,
		`{"v":1,"cmd":"radio.txpower","args":{"radio":"vw_phy0","dbm":-3}}`,
		`{"v":1,"cmd":"radio.txpower","args":{"radio":"vw9","dbm":3}}`,
		`{"v":1,"cmd":"radio.mobility","args":{"radio":"vw1","velocity":[1,0.5]}}`,
		`{"v":1,"cmd":"radio.mobility","args":{"radio":"vw1","stop":true,"velocity":[1,2,3]}}`,
		`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","both":true,"snr":20,"loss":0.1}}`,
		`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw_phy0","snr":20}}`,
		`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw9","both":true,"loss":1.5}}`,
		`{"v":1,"cmd":"link.clear","args":{"tx":"00:76:77:31:00:00","rx":"vw0","both":true}}`,
		`{"v":1,"cmd":"model.get"}`,
		`{"v":2,"cmd":"deny.clear"}`,
		`{"v":1,"cmd":"deny.clear","args":{"x":1}}`,
		`{"v":1,"cmd":"deny.clear"} x`,
		`{"v":1,"cmd":"deny.add","args":{"rules":[{"dst":"vw0"}]}}`,
		`{"V":1,"CMD":"deny.clear"}`,
		"\x00\xff garbage",
		``,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, line []byte) {
		mdl, _ := newModel(t)
		m := &recMedium{Medium: newMediumWith(t, mdl)}
		if err := m.Medium.Deny(medium.DenyRule{Dst: "vw2", Src: "vw1"}); err != nil {
			t.Fatal(err)
		}
		if err := mdl.SetLinkSNR("vw2", "vw1", 7); err != nil {
			t.Fatal(err)
		}
		before, beforeModel := m.Denylist(), snapJSON(t, mdl)
		s := &Server{Medium: m, Model: mdl, Capture: tap.New(m, nil)}

		// Read-only access (the web view's --http-read-only) changes
		// nothing, whatever the line. A stream (capture) is not run:
		// its checks are what is fuzzed.
		ro, _ := s.handle(line, ReadOnly, log)
		if ch := m.Changes(); len(ch) != 0 {
			t.Fatalf("read-only request %q changed the medium: %v", line, ch)
		}
		if after := snapJSON(t, mdl); after != beforeModel {
			t.Fatalf("read-only request %q changed the model", line)
		}
		if ro.Code == api.CodeInternal {
			t.Fatalf("read-only request %q: the server failed on its own: %s", line, ro.Error)
		}

		resp, _ := s.handle(line, FullAccess, log)

		enc := encodeResponse(resp)
		if i := bytes.IndexByte(enc, '\n'); i != len(enc)-1 {
			t.Fatalf("response is not one line: %q", enc)
		}
		var back api.Response
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("response does not decode: %v: %q", err, enc)
		}
		if resp.V != api.ProtocolVersion || resp.OK == (resp.Error != "") || resp.OK == (resp.Code != "") {
			t.Fatalf("inconsistent response %+v", resp)
		}
		if resp.Code == api.CodeInternal {
			t.Fatalf("request %q: the server failed on its own: %s", line, resp.Error)
		}
		if !resp.OK {
			if ch := m.Changes(); len(ch) != 0 {
				t.Fatalf("failed request %q changed the medium: %v (error %q)", line, ch, resp.Error)
			}
			if after := m.Denylist(); !equalRules(before, after) {
				t.Fatalf("failed request %q changed the denylist: %v -> %v", line, before, after)
			}
			if after := snapJSON(t, mdl); after != beforeModel {
				t.Fatalf("failed request %q changed the model: %s -> %s (error %q)", line, beforeModel, after, resp.Error)
			}
			return
		}
		cmd, _, err := decodeRequest(line)
		if err != nil {
			t.Fatalf("request %q answered ok but does not decode: %v", line, err)
		}
		if !json.Valid(resp.Result) {
			t.Fatalf("invalid result %q", resp.Result)
		}
		if cmd.readOnly {
			if ch := m.Changes(); len(ch) != 0 {
				t.Fatalf("read-only %s changed the medium: %v", cmd.name, ch)
			}
			if after := snapJSON(t, mdl); after != beforeModel {
				t.Fatalf("read-only %s changed the model", cmd.name)
			}
		}
	})
}

func equalRules(a, b []medium.DenyRule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
