package control

import (
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// newModel returns a free-space model that knows no radio yet, and a
// function that moves its clock, which stands still otherwise.
func newModel(t testing.TB) (*model.Model, func(time.Duration)) {
	t.Helper()
	var elapsed atomic.Int64
	cfg := model.DefaultConfig()
	cfg.Propagation.Model = model.PropFreeSpace
	cfg.Now = func() time.Time { return time.Unix(5000, elapsed.Load()) }
	mdl, err := model.New(cfg)
	require.NoError(t, err)
	return mdl, func(d time.Duration) { elapsed.Add(int64(d)) }
}

// snapJSON is the model's snapshot as JSON, to compare states.
func snapJSON(t testing.TB, mdl *model.Model) string {
	t.Helper()
	b, err := json.Marshal(mdl.Snapshot())
	require.NoError(t, err)
	return string(b)
}

func f64(v float64) *float64 { return &v }

// peer is how the medium presents radio vwK to its model.
func peer(k byte) *medium.Peer {
	return &medium.Peer{ID: medium.RadioID(k), HW: mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0}, Name: "vw_phy" + string('0'+k), Iface: "vw" + string('0'+k)}
}

// TestModelCommandsNameMediumRadios proves that the names users know
// (interface, wiphy, address) reach the radios the medium created, through
// the server, a real model and a real medium.
func TestModelCommandsNameMediumRadios(t *testing.T) {
	mdl, advance := newModel(t)
	r := serveModel(t, nil, 0, mdl)
	c := dial(t, r.path)
	ctx := ctx5(t)

	require.NoError(t, c.Move(ctx, "vw0", 0, 0, 0))
	require.NoError(t, c.Move(ctx, "vw_phy1", 10, 0, 0))
	require.NoError(t, c.SetTxPower(ctx, "00:76:77:30:00:00", 15))
	// 15 dBm − FSPL(10 m, 2412 MHz) = 15 − 60.1 → −45.
	sig, heard := mdl.Hear(peer(0), peer(1), 2412)
	assert.Equal(t, int32(-45), sig)
	assert.True(t, heard)

	require.NoError(t, c.SetVelocity(ctx, "vw1", [3]float64{1, 0, 0}))
	advance(2 * time.Second)
	require.NoError(t, c.Stop(ctx, "vw1"))
	advance(5 * time.Second)

	require.NoError(t, c.SetLink(ctx, api.LinkSetArgs{TX: "vw0", RX: "vw1", Both: true, SNR: f64(20)}))
	require.NoError(t, c.SetLink(ctx, api.LinkSetArgs{TX: "vw0", RX: "vw1", Loss: f64(0.25)}))
	require.NoError(t, c.ClearLink(ctx, "vw_phy1", "vw_phy0", false))
	sig, _ = mdl.Hear(peer(0), peer(1), 2412)
	assert.Equal(t, int32(model.DefaultNoiseFloor+20), sig, "fixed SNR")
	assert.Equal(t, 0.25, mdl.PER(peer(0), peer(1), 2412, sig, hwsim.TxRate{}, 100))

	cfg, err := c.Model(ctx)
	require.NoError(t, err)
	require.Len(t, cfg.Radios, 3, "every name found a radio of the medium: none was added")
	for k, want := range []struct {
		x, power float64
	}{{0, 15}, {12, model.DefaultTxPower}, {0, model.DefaultTxPower}} {
		rad := cfg.Radios[k]
		assert.Equal(t, []string{"vw" + string(rune('0'+k)), "vw_phy" + string(rune('0'+k))}, rad.Aliases)
		assert.Equal(t, want.x, rad.X, "radio %d", k)
		assert.Equal(t, want.power, rad.TxPower, "radio %d", k)
		assert.Equal(t, api.Mobility{}, rad.Mobility, "radio %d", k)
	}
	assert.Equal(t, []api.ModelLink{{From: "vw0", To: "vw1", SNR: f64(20), Loss: f64(0.25)}}, cfg.Links)
	assert.Empty(t, r.m.Changes(), "model commands leave the medium alone")
}

func TestModelCommandResults(t *testing.T) {
	mdl, _ := newModel(t)
	r := serveModel(t, nil, 0, mdl)
	rc := dialRaw(t, r.path)
	tests := []struct {
		line, result string
	}{
		{`{"v":1,"cmd":"radio.move","args":{"radio":"vw1","x":1.5,"y":-2,"z":3}}`, `{"radio":"vw1","x":1.5,"y":-2,"z":3}`},
		{`{"v":1,"cmd":"radio.move","args":{"radio":"vw7","x":1,"y":2}}`, `{"radio":"vw7","x":1,"y":2,"z":0}`},
		{`{"v":1,"cmd":"radio.txpower","args":{"radio":"vw1","dbm":-3}}`, `{"radio":"vw1","dbm":-3}`},
		{`{"v":1,"cmd":"radio.mobility","args":{"radio":"vw1","velocity":[0.5,1]}}`, `{"radio":"vw1","velocity":[0.5,1]}`},
		{`{"v":1,"cmd":"radio.mobility","args":{"radio":"vw1","stop":true}}`, `{"radio":"vw1","stop":true}`},
		{`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw2","both":true,"snr":12.5,"loss":0}}`, `{"tx":"vw0","rx":"vw2","both":true,"snr":12.5,"loss":0}`},
		{`{"v":1,"cmd":"link.clear","args":{"tx":"vw2","rx":"vw0"}}`, `{"tx":"vw2","rx":"vw0"}`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			resp := rc.send(tt.line)
			require.True(t, resp.OK, resp.Error)
			assert.JSONEq(t, tt.result, string(resp.Result))
		})
	}
	resp := rc.send(`{"v":1,"cmd":"model.get"}`)
	require.True(t, resp.OK, resp.Error)
	var cfg model.Config
	require.NoError(t, json.Unmarshal(resp.Result, &cfg))
	require.Len(t, cfg.Radios, 4, "vw0..vw2 and vw7, placed before it exists")
	assert.Equal(t, "vw7", cfg.Radios[3].Name)
	assert.True(t, cfg.Radios[3].Placed)
	assert.Equal(t, []model.Link{{From: "vw0", To: "vw2", SNR: f64(12.5), Loss: f64(0)}}, cfg.Links)
}

func TestModelCommandErrors(t *testing.T) {
	mdl, _ := newModel(t)
	r := serveModel(t, nil, 0, mdl)
	c := dial(t, r.path)
	ctx := ctx5(t)
	require.NoError(t, c.Move(ctx, "vw0", 1, 2, 3))
	require.NoError(t, c.SetLink(ctx, api.LinkSetArgs{TX: "vw0", RX: "vw1", SNR: f64(9)}))
	before := snapJSON(t, mdl)
	rc := dialRaw(t, r.path)

	tests := []struct {
		name, line, want string
		code             api.Code
	}{
		{"move without radio", `{"v":1,"cmd":"radio.move","args":{"x":1}}`, `radio.move: bad args: missing "radio"`, api.CodeBadArgs},
		{"move beyond float64", `{"v":1,"cmd":"radio.move","args":{"radio":"vw0","x":1e999}}`, "radio.move: bad args", api.CodeBadArgs},
		{"move as string", `{"v":1,"cmd":"radio.move","args":{"radio":"vw0","x":"1"}}`, "radio.move: bad args", api.CodeBadArgs},
		{"move typo", `{"v":1,"cmd":"radio.move","args":{"radio":"vw0","X":1,"w":2}}`, `unknown field "w"`, api.CodeBadArgs},
		{"txpower unknown radio", `{"v":1,"cmd":"radio.txpower","args":{"radio":"vw9","dbm":3}}`, `radio.txpower: model: "vw9": no such radio`, api.CodeUnknownRadio},
		{"txpower without radio", `{"v":1,"cmd":"radio.txpower","args":{"dbm":3}}`, `missing "radio"`, api.CodeBadArgs},
		{"mobility unknown radio", `{"v":1,"cmd":"radio.mobility","args":{"radio":"wlan0","stop":true}}`, `"wlan0": no such radio`, api.CodeUnknownRadio},
		{"mobility nothing", `{"v":1,"cmd":"radio.mobility","args":{"radio":"vw0"}}`, `give "velocity" [vx, vy, vz] in m/s, or "stop": true`, api.CodeBadArgs},
		{"mobility stop false", `{"v":1,"cmd":"radio.mobility","args":{"radio":"vw0","stop":false}}`, `give "velocity"`, api.CodeBadArgs},
		{"mobility both", `{"v":1,"cmd":"radio.mobility","args":{"radio":"vw0","stop":true,"velocity":[1,1,1]}}`, `not both`, api.CodeBadArgs},
		{"velocity too long", `{"v":1,"cmd":"radio.mobility","args":{"radio":"vw0","velocity":[1,1,1,1]}}`, `got 4 numbers`, api.CodeBadArgs},
		{"velocity too short", `{"v":1,"cmd":"radio.mobility","args":{"radio":"vw0","velocity":[1]}}`, `got 1 numbers`, api.CodeBadArgs},
		{"link.set nothing", `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1"}}`, `link.set: bad args: give "snr" (dB), "loss" (a probability) or both`, api.CodeBadArgs},
		{"link.set loss above 1", `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","loss":1.5}}`, `"loss" 1.5 is not a probability`, api.CodeBadArgs},
		{"link.set loss negative", `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","snr":3,"loss":-0.1}}`, `"loss" -0.1 is not a probability`, api.CodeBadArgs},
		{"link.set to itself", `{"v":1,"cmd":"link.set","args":{"tx":"vw1","rx":"vw1","snr":3}}`, `"tx" and "rx" are both "vw1"`, api.CodeBadArgs},
		{"link.set to itself by alias", `{"v":1,"cmd":"link.set","args":{"tx":"vw1","rx":"vw_phy1","snr":3}}`, `to itself`, api.CodeBadArgs},
		{"link.set missing tx", `{"v":1,"cmd":"link.set","args":{"rx":"vw1","snr":3}}`, `missing "tx"`, api.CodeBadArgs},
		{"link.set unknown rx, both", `{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw5","both":true,"snr":3,"loss":0.5}}`, `"vw5": no such radio`, api.CodeUnknownRadio},
		{"link.clear unknown tx", `{"v":1,"cmd":"link.clear","args":{"tx":"vw5","rx":"vw1"}}`, `link.clear: model: "vw5": no such radio`, api.CodeUnknownRadio},
		{"link.clear missing rx", `{"v":1,"cmd":"link.clear","args":{"tx":"vw0"}}`, `link.clear: bad args: missing "rx"`, api.CodeBadArgs},
		{"link.clear with snr", `{"v":1,"cmd":"link.clear","args":{"tx":"vw0","rx":"vw1","snr":3}}`, `unknown field "snr"`, api.CodeBadArgs},
		{"model.get with args", `{"v":1,"cmd":"model.get","args":{"radios":true}}`, `model.get: bad args`, api.CodeBadArgs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rc.send(tt.line)
			assert.False(t, resp.OK)
			assert.Contains(t, resp.Error, tt.want)
			assert.Equal(t, tt.code, resp.Code)
		})
	}
	assert.Equal(t, before, snapJSON(t, mdl), "failed requests changed the model")
	assert.Empty(t, r.m.Changes())
}

func TestModelCommandsWithoutModel(t *testing.T) {
	r := serve(t, nil, 0)
	rc := dialRaw(t, r.path)
	for _, line := range []string{
		`{"v":1,"cmd":"radio.move","args":{"radio":"vw0","x":1,"y":2,"z":3}}`,
		`{"v":1,"cmd":"radio.txpower","args":{"radio":"vw0","dbm":3}}`,
		`{"v":1,"cmd":"radio.mobility","args":{"radio":"vw0","stop":true}}`,
		`{"v":1,"cmd":"link.set","args":{"tx":"vw0","rx":"vw1","snr":3}}`,
		`{"v":1,"cmd":"link.clear","args":{"tx":"vw0","rx":"vw1"}}`,
		`{"v":1,"cmd":"model.get"}`,
		`{"v":1,"cmd":"radio.move","args":{"bad":true}}`, // the missing model is what to fix first
	} {
		resp := rc.send(line)
		assert.False(t, resp.OK, line)
		assert.Equal(t, "no link model is loaded: start hwsim-medium with -c FILE (see docs/models.md)", resp.Error, line)
		assert.Equal(t, api.CodeNoModel, resp.Code, line)
	}
	// The medium's own link blocks need no model.
	assert.True(t, rc.send(`{"v":1,"cmd":"link.block","args":{"tx":"vw0","rx":"vw1"}}`).OK)
	assert.Equal(t, []string{"block vw0 vw1 true"}, r.m.Changes())
}
