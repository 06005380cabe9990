package control

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
	"github.com/hwsim-medium/hwsim-medium/medium/tap"
)

// captureRig is a running medium (over a fake kernel connection) served
// with a capture hub.
type captureRig struct {
	path string
	conn *hwsimtest.Conn
	stop context.CancelFunc // stops the server
}

func serveCapture(t *testing.T) *captureRig {
	t.Helper()
	m := newMedium(t)
	conn := hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	// Drain what the medium sends the fake kernel.
	go func() {
		for {
			select {
			case <-conn.Flushed:
			case <-ctx.Done():
				return
			}
		}
	}()
	srv := &Server{Medium: m, Capture: tap.New(m, nil), Log: slog.New(slog.DiscardHandler)}
	path := sockPath(t)
	ln, err := Listen(path)
	require.NoError(t, err)
	me := uint32(0)
	srv.AllowUID = func(uid uint32) bool { return uid == uid+me }
	sctx, stop := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { srv.Serve(sctx, ln); close(served) }()
	t.Cleanup(func() { stop(); <-served })
	return &captureRig{path: path, conn: conn, stop: stop}
}

func vwAddr(k byte) mac.Addr { return mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0} }

// send makes radio k transmit a frame of kind fc to radio dst.
func (r *captureRig) send(k, dst byte, fc byte, cookie uint64) {
	a, b := vwAddr(k), vwAddr(dst)
	data := []byte{fc, 0, 0, 0}
	data = append(data, b[:]...)
	data = append(data, a[:]...)
	data = append(data, b[:]...)
	data = append(data, 0x10, 0, 0xaa, 0xaa, 3, 0, 0, 0, 0x88, 0xb5)
	r.conn.Send(hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{
		Transmitter: a, Data: data, Flags: hwsim.TxCtlReqTxStatus, Cookie: cookie, Freq: 2412,
		Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
	}})
}

func TestCaptureStream(t *testing.T) {
	r := serveCapture(t)
	c := dial(t, r.path)
	stream, res, err := c.Capture(ctx5(t), api.CaptureArgs{Radio: "00:76:77:31:00:00", Types: []string{"data", "data"}})
	require.NoError(t, err)
	assert.Equal(t, api.CaptureResult{Format: "pcapng", LinkType: 127, Radio: "vw1", Types: []string{"data"}}, res)
	_, err = c.Status(ctx5(t))
	assert.Error(t, err, "the connection is the stream's")

	rd, err := pcapgo.NewNgReader(stream, pcapgo.NgReaderOptions{})
	require.NoError(t, err, "the header comes at once")
	// Kept: data that vw1 sends or gets. Not kept: an authentication
	// frame (management), data between vw0 and vw2.
	r.send(0, 1, 0xb0, 1)
	r.send(0, 2, 0x08, 2)
	r.send(0, 1, 0x08, 3)
	r.send(1, 2, 0x08, 4)
	var got []packetOf
	for len(got) < 2 {
		data, _, opts, err := rd.ReadPacketDataWithOptions()
		require.NoError(t, err)
		got = append(got, packetOf{data, opts.Comments})
	}
	assert.Equal(t, "tx vw0: acked (try 1)", got[0].comments[0])
	assert.Equal(t, "rx vw1: delivered, -50 dBm, 1 Mb/s, try 1, addressee", got[0].comments[1])
	assert.Equal(t, "tx vw1: acked (try 1)", got[1].comments[0])

	// Status counts the running capture; closing the stream ends it.
	c2 := dial(t, r.path)
	st, err := c2.Status(ctx5(t))
	require.NoError(t, err)
	require.NotNil(t, st.Capture)
	assert.Equal(t, 1, st.Capture.Running)
	require.NoError(t, stream.Close())
	require.Eventually(t, func() bool {
		st, err := c2.Status(ctx5(t))
		return err == nil && st.Capture.Running == 0 && st.Capture.Written == 2
	}, 5*time.Second, 10*time.Millisecond)
}

type packetOf struct {
	data     []byte
	comments []string
}

func TestCaptureStreamEndsWithTheMedium(t *testing.T) {
	r := serveCapture(t)
	c := dial(t, r.path)
	stream, _, err := c.Capture(ctx5(t), api.CaptureArgs{Decrypt: []string{"test:12345678"}})
	require.NoError(t, err)
	rd, err := pcapgo.NewNgReader(stream, pcapgo.NgReaderOptions{})
	require.NoError(t, err)
	r.send(0, 1, 0x08, 1)
	_, _, err = rd.ReadPacketData()
	require.NoError(t, err)
	r.stop()
	done := make(chan error, 1)
	go func() {
		_, _, err := rd.ReadPacketData()
		done <- err
	}()
	select {
	case err := <-done:
		assert.Error(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end with the server")
	}
}

func TestCaptureArgsErrors(t *testing.T) {
	r := serveCapture(t)
	c := dial(t, r.path)
	tests := []struct {
		name string
		args api.CaptureArgs
		code api.Code
		msg  string
	}{
		{"unknown type", api.CaptureArgs{Types: []string{"beacons"}}, api.CodeBadArgs, `capture: bad args: types: frame type "beacons": want mgmt, ctrl or data`},
		{"short passphrase", api.CaptureArgs{Decrypt: []string{"test:1234567"}}, api.CodeBadArgs, `capture: bad args: decrypt[0]: crypto: key for SSID "test": passphrase has 7 characters`},
		{"unknown radio", api.CaptureArgs{Radio: "vw9"}, api.CodeUnknownRadio, `capture: radio "vw9": `},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.Capture(ctx5(t), tc.args)
			var se *api.ServerError
			require.True(t, errors.As(err, &se), "err = %v", err)
			assert.Equal(t, tc.code, se.Code)
			assert.Contains(t, se.Message, tc.msg)
			assert.NotContains(t, se.Message, "1234567", "the secret is never repeated")
			_, err = c.Status(ctx5(t))
			assert.NoError(t, err, "a failed capture leaves the connection line-based")
		})
	}
}

// TestCaptureStreamSlowReader: a client that does not read never stalls
// the medium; what its capture could not hold is counted dropped.
func TestCaptureStreamSlowReader(t *testing.T) {
	r := serveCapture(t)
	c := dial(t, r.path)
	stream, _, err := c.Capture(ctx5(t), api.CaptureArgs{})
	require.NoError(t, err)
	defer stream.Close()
	c2 := dial(t, r.path)
	// Nobody reads the stream: the socket buffers and the queue fill up,
	// and the medium goes on (each batch's status arrives).
	for i := range 6000 {
		r.send(0, 1, 0x08, uint64(i))
	}
	require.Eventually(t, func() bool {
		st, err := c2.Status(ctx5(t))
		return err == nil && st.Stats.Frames == 6000
	}, 20*time.Second, 10*time.Millisecond, "the medium routed every frame")
	st, err := c2.Status(ctx5(t))
	require.NoError(t, err)
	assert.Positive(t, st.Capture.Dropped)
	// Reading again, the records that follow say how many were lost
	// before them: frames keep coming until the count has come through.
	rd, err := pcapgo.NewNgReader(stream, pcapgo.NgReaderOptions{})
	require.NoError(t, err)
	var written, dropped atomic.Uint64
	var readErr atomic.Value
	go func() {
		for {
			_, _, opts, err := rd.ReadPacketDataWithOptions()
			if err != nil {
				readErr.Store(err)
				return
			}
			if opts.DropCount != nil {
				dropped.Add(*opts.DropCount)
			}
			written.Add(1)
		}
	}()
	sent := uint64(6000)
	caughtUp := func() bool {
		st, err := c2.Status(ctx5(t))
		return err == nil && dropped.Load() == st.Capture.Dropped && written.Load()+dropped.Load() == sent
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		// A frame sent while the queue is still full is lost too: send
		// another until one is queued after the drops.
		r.send(0, 1, 0x08, sent)
		sent++
		if ok, _ := pollFor(500*time.Millisecond, caughtUp); ok {
			break
		}
		st, _ := c2.Status(ctx5(t))
		require.True(t, time.Now().Before(deadline), "records in the stream (%d) and counted dropped in it (%d) do not add up to the %d sent (reading: %v; medium: %+v, %+v)",
			written.Load(), dropped.Load(), sent, readErr.Load(), st.Stats, st.Capture)
	}
}

// pollFor polls cond every 10 ms for up to d.
func pollFor(d time.Duration, cond func() bool) (bool, time.Duration) {
	start := time.Now()
	for {
		if cond() {
			return true, time.Since(start)
		}
		if time.Since(start) > d {
			return false, time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var _ Capturer = (*tap.Hub)(nil)
var _ tap.Medium = (*medium.Medium)(nil)
