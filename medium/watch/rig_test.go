package watch

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// rig is a medium with radios vw0..vw2 over the in-memory kernel
// connection, its control server and a watch Server over httptest.
type rig struct {
	m    *medium.Medium
	mdl  *model.Model // nil without a model
	conn *hwsimtest.Conn
	srv  *Server
	http *httptest.Server
}

type rigOpts struct {
	model    bool
	token    string
	readOnly bool
	sockets  func() hwsim.SocketStats
	// federated makes the medium a member of an air (with a bus that
	// drops everything).
	federated bool
}

// nowhere is a bus that carries nothing.
type nowhere struct{}

func (nowhere) Publish(*medium.BusFrame)      {}
func (nowhere) Answer(string, *medium.BusAck) {}

func vw(k byte) mac.Addr { return mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0} }

func newRig(t *testing.T, o rigOpts) *rig {
	t.Helper()
	r := &rig{}
	mcfg := medium.Config{}
	var ctl control.Model
	if o.model {
		cfg := model.DefaultConfig()
		cfg.Propagation.Model = model.PropLogDistance
		for i, x := range []float64{0, 20, 60} {
			rad := model.NewRadio()
			rad.Name, rad.Placed, rad.X = "vw"+string(rune('0'+i)), true, x
			cfg.Radios = append(cfg.Radios, rad)
		}
		mdl, err := model.New(cfg)
		require.NoError(t, err)
		r.mdl, mcfg.Model, ctl = mdl, mdl, mdl
	}
	if o.federated {
		mcfg.Bus = nowhere{}
	}
	r.m = medium.New(mcfg)
	for k := range byte(3) {
		r.m.AddRadio(medium.RadioConfig{Name: "vw_phy" + string('0'+k), Iface: "vw" + string('0'+k), HWAddr: vw(k)})
	}
	r.conn = hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.m.Run(ctx, r.conn); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	log := slog.New(slog.DiscardHandler)
	cfg := Config{Medium: r.m, Control: &control.Server{Medium: r.m, Model: ctl, Log: log}, Token: o.token, ReadOnly: o.readOnly,
		Sockets: o.sockets, Interval: 20 * time.Millisecond, Log: log}
	if r.mdl != nil {
		cfg.Levels = r.mdl
	}
	var err error
	r.srv, err = New(cfg)
	require.NoError(t, err)
	r.http = httptest.NewServer(r.srv)
	t.Cleanup(r.http.Close)
	return r
}

// send pushes frames through the medium and waits until it has routed
// them.
func (r *rig) send(t *testing.T, evs ...hwsim.Event) {
	t.Helper()
	r.conn.Send(evs...)
	seen := 0
	for seen < len(evs) {
		select {
		case b := <-r.conn.Flushed:
			seen += len(b.Statuses)
		case <-time.After(5 * time.Second):
			t.Fatal("the medium routed nothing")
		}
	}
}

// ping is a data frame from radio a to radio b, acked.
func ping(a, b byte, cookie uint64) hwsim.Event {
	va, vb := vw(a), vw(b)
	d := []byte{0x08, 0, 0, 0}
	d = append(d, vb[:]...)
	d = append(d, va[:]...)
	d = append(d, va[:]...)
	d = append(d, 0x10, 0)
	d = append(d, make([]byte, 100)...)
	return hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{
		Transmitter: vw(a), Data: d, Freq: 2437, Cookie: cookie, Flags: hwsim.TxCtlReqTxStatus,
		Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
	}}
}

// request sends an HTTP request to the rig and returns the status and
// body. header sets headers; host, if set, is the Host header.
func (r *rig) request(t *testing.T, method, path, body string, header map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, r.http.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}
