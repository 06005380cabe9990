package control

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// beacons is a kernel connection that sends one beacon from each radio
// and throws away what the medium sends back.
type beacons struct {
	frames []hwsim.Event
	done   chan struct{}
}

func (b *beacons) Receive(ctx context.Context, evs []hwsim.Event) (int, error) {
	if len(b.frames) == 0 {
		close(b.done)
		<-ctx.Done()
		return 0, ctx.Err()
	}
	n := copy(evs, b.frames)
	b.frames = b.frames[n:]
	return n, nil
}

func (b *beacons) Deliver(*hwsim.Delivery) hwsim.Ticket { return 0 }
func (b *beacons) Sync()                                {}
func (b *beacons) Delivered(hwsim.Ticket) bool          { return false }
func (b *beacons) Status(*hwsim.TxStatus)               {}
func (b *beacons) Flush() error                         { return nil }

// TestRadiosOf500Radios: 500 radios that all hear each other have 249500
// link counters (about 18 MB of JSON, more than a client accepts); the
// radios command answers in pages of bounded size, and the client reads
// them all.
func TestRadiosOf500Radios(t *testing.T) {
	const n = 500
	m := medium.New(medium.Config{})
	conn := &beacons{done: make(chan struct{})}
	for k := range n {
		hw := mac.Addr{0x42, 0, 0, byte(k >> 8), byte(k), 0}
		m.AddRadio(medium.RadioConfig{Name: fmt.Sprintf("phy%d", k), Iface: fmt.Sprintf("wlan%d", k), HWAddr: hw})
		data := append([]byte{0x80, 0, 0, 0}, mac.Broadcast[:]...)
		data = append(append(append(data, hw[:]...), hw[:]...), 0x10, 0)
		conn.frames = append(conn.frames, hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{Transmitter: hw, Data: data, Freq: 2412,
			Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}}}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	go m.Run(ctx, conn)
	<-conn.done
	cancel()

	path := sockPath(t)
	ln, err := Listen(path)
	require.NoError(t, err)
	srv := &Server{Medium: m, Log: slog.New(slog.DiscardHandler), AllowUID: func(uint32) bool { return true }}
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	go srv.Serve(sctx, ln)

	// Every response line is bounded.
	c, err := net.Dial("unix", path)
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReaderSize(c, 1<<20)
	from, pages, radios := 0, 0, 0
	for {
		fmt.Fprintf(c, `{"v":1,"cmd":"radios","args":{"from":%d}}`+"\n", from)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := api.ReadLine(r, api.MaxResponseSize)
		require.NoError(t, err)
		assert.Less(t, len(line), 2<<20, "page %d", pages)
		var resp struct {
			Result api.RadiosResult `json:"result"`
		}
		require.NoError(t, json.Unmarshal(line, &resp))
		pages++
		radios += len(resp.Result.Radios)
		if resp.Result.Next == 0 {
			break
		}
		from = resp.Result.Next
	}
	assert.Equal(t, n, radios)
	t.Logf("%d radios in %d pages", radios, pages)

	// The client reads every page.
	cl := dial(t, path)
	lctx, lcancel := context.WithTimeout(context.Background(), time.Minute) // slow under -race
	defer lcancel()
	all, err := cl.Radios(lctx)
	require.NoError(t, err)
	require.Len(t, all, n)
	for _, ri := range all {
		require.Len(t, ri.Links, n-1, ri.Iface)
		require.Zero(t, ri.LinksOmitted)
	}
}

func TestRadiosBadArgs(t *testing.T) {
	s := &Server{Medium: newMedium(t)}
	log := slog.New(slog.DiscardHandler)
	for _, line := range []string{
		`{"v":1,"cmd":"radios","args":{"from":-1}}`,
		`{"v":1,"cmd":"radios","args":{"limit":-5}}`,
		`{"v":1,"cmd":"radios","args":{"page":2}}`,
	} {
		resp, _ := s.handle([]byte(line), FullAccess, log)
		assert.Equal(t, api.CodeBadArgs, resp.Code, line)
	}
	resp, _ := s.handle([]byte(`{"v":1,"cmd":"radios","args":{"limit":1,"from":1}}`), FullAccess, log)
	require.True(t, resp.OK)
	var res api.RadiosResult
	require.NoError(t, json.Unmarshal(resp.Result, &res))
	require.Len(t, res.Radios, 1)
	assert.Equal(t, "vw1", res.Radios[0].Iface)
	assert.Equal(t, 2, res.Next)
}
