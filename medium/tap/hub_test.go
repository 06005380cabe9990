package tap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/capture"
	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// fakeMedium records the tap the Hub sets.
type fakeMedium struct {
	mu   sync.Mutex
	tap  medium.Tap
	sets int
}

func (f *fakeMedium) SetTap(t medium.Tap) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tap = t
	f.sets++
}

func (f *fakeMedium) current() medium.Tap {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tap
}

// beacon is a transmission of a beacon from vw0 that vw1 got.
func beacon(seq int) *medium.Transmission {
	data := []byte{0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x76, 0x77, 0x30, 0, 0, 0, 0x76, 0x77, 0x30, 0, 0, byte(seq << 4), byte(seq >> 4)}
	return &medium.Transmission{
		At: time.Duration(seq) * time.Millisecond, Time: time.Unix(1000, 0).Add(time.Duration(seq) * time.Millisecond),
		TransmitterName: "vw0", Data: data, Freq: 2412, NoAck: true, Acked: true,
		Rate:       hwsim.TxRate{Idx: 0, Count: 1},
		Used:       [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
		Receptions: []medium.Reception{{Name: "vw1", Outcome: medium.Delivered, Signal: -50, Rate: hwsim.TxRate{Idx: 0, Count: 1}, Tries: 1}},
	}
}

type packet struct {
	data     []byte
	comments []string
	drops    uint64
}

func readAll(t *testing.T, b []byte) ([]packet, pcapgo.NgInterfaceStatistics) {
	t.Helper()
	var isb pcapgo.NgInterfaceStatistics
	r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{
		StatisticsCallback: func(_ int, s pcapgo.NgInterfaceStatistics) { isb = s },
	})
	require.NoError(t, err)
	var out []packet
	for {
		data, _, opts, err := r.ReadPacketDataWithOptions()
		if errors.Is(err, io.EOF) {
			return out, isb
		}
		require.NoError(t, err)
		p := packet{data: data, comments: opts.Comments}
		if opts.DropCount != nil {
			p.drops = *opts.DropCount
		}
		out = append(out, p)
	}
}

// syncBuffer is a bytes.Buffer safe to read after the writer is done.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

func TestHubAttachesWhileCapturesRun(t *testing.T) {
	m := &fakeMedium{}
	h := New(m, nil)
	assert.Nil(t, m.current())
	var b1, b2 syncBuffer
	c1, err := h.Start(&b1, Options{Name: "one"})
	require.NoError(t, err)
	assert.Equal(t, h, m.current())
	c2, err := h.Start(&b2, Options{Name: "two", Options: capture.Options{Filter: capture.Filter{Types: capture.TypeData}}})
	require.NoError(t, err)
	assert.Equal(t, 1, m.sets, "attached once")
	for i := range 10 {
		h.Transmission(beacon(i))
	}
	ctx := context.Background()
	require.NoError(t, c1.Stop(ctx))
	assert.Equal(t, h, m.current(), "the other capture still runs")
	h.Transmission(beacon(10))
	require.NoError(t, c2.Stop(ctx))
	assert.Nil(t, m.current())
	assert.NoError(t, c1.Stop(ctx), "stopping twice is harmless")

	pkts, isb := readAll(t, b1.Bytes())
	require.Len(t, pkts, 10)
	assert.Equal(t, []string{"tx vw0: no ack expected", "rx vw1: delivered, -50 dBm, 1 Mb/s"}, pkts[3].comments)
	assert.Equal(t, beacon(3).Data, pkts[3].data[len(pkts[3].data)-len(beacon(3).Data):])
	assert.Equal(t, uint64(10), isb.PacketsReceived)
	assert.Equal(t, uint64(0), isb.PacketsDropped)
	pkts, _ = readAll(t, b2.Bytes())
	assert.Empty(t, pkts, "beacons are not data")
	assert.Equal(t, Stats{Written: 10}, h.Stats())
	assert.Equal(t, capture.Stats{Written: 10}, c1.Stats())
}

// stuckWriter blocks every write until released.
type stuckWriter struct {
	release chan struct{}
	syncBuffer
}

func (s *stuckWriter) Write(p []byte) (int, error) {
	<-s.release
	return s.syncBuffer.Write(p)
}

// TestSlowReaderNeverStallsTheMedium: with a writer that does not move,
// the medium's calls return at once; the records that did not fit are
// counted, and marked in the capture once the reader moves again.
func TestSlowReaderNeverStallsTheMedium(t *testing.T) {
	m := &fakeMedium{}
	h := New(m, nil)
	h.QueueLen = 16
	w := &stuckWriter{release: make(chan struct{})}
	// The header is written at Start: let that through.
	go func() { w.release <- struct{}{} }()
	c, err := h.Start(w, Options{Name: "slow"})
	require.NoError(t, err)

	const n = 10000
	start := time.Now()
	for i := range n {
		h.Transmission(beacon(i))
	}
	elapsed := time.Since(start)
	assert.Less(t, elapsed, 2*time.Second, "the medium waited for the capture")
	st := h.Stats()
	assert.Equal(t, 1, st.Captures)
	// Only the queue and what the writer buffers got through.
	assert.Greater(t, st.Dropped, uint64(n/2))

	close(w.release)
	// Once the queue has room again, the next record carries the count
	// of those lost before it.
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.n == 0
	}, 5*time.Second, time.Millisecond)
	h.Transmission(beacon(n))
	require.NoError(t, c.Stop(context.Background()))
	pkts, isb := readAll(t, w.Bytes())
	var drops uint64
	for _, p := range pkts {
		drops += p.drops
	}
	assert.Equal(t, uint64(n+1), uint64(len(pkts))+drops, "every record is written or counted dropped")
	assert.Equal(t, drops, isb.PacketsDropped)
	assert.Equal(t, uint64(len(pkts)), isb.PacketsReceived)
	assert.Equal(t, Stats{Written: uint64(len(pkts)), Dropped: drops}, h.Stats())
}

// failWriter fails after the header.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n++; f.n > 1 {
		return 0, io.ErrClosedPipe
	}
	return len(p), nil
}

func TestCaptureEndsWhenWritingFails(t *testing.T) {
	m := &fakeMedium{}
	h := New(m, nil)
	c, err := h.Start(&failWriter{}, Options{Name: "broken"})
	require.NoError(t, err)
	h.Transmission(beacon(1))
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the capture did not end")
	}
	assert.ErrorIs(t, c.Err(), io.ErrClosedPipe)
	assert.Nil(t, m.current(), "detached")
	assert.ErrorIs(t, c.Stop(context.Background()), io.ErrClosedPipe)
}

func TestStopGivesUpOnAStuckWriter(t *testing.T) {
	h := New(&fakeMedium{}, nil)
	w := &stuckWriter{release: make(chan struct{})}
	go func() { w.release <- struct{}{} }()
	c, err := h.Start(w, Options{})
	require.NoError(t, err)
	h.Transmission(beacon(1))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, c.Stop(ctx), ErrStopTimeout)
	close(w.release)
	<-c.Done()
}

func TestOutcomesAgree(t *testing.T) {
	for o := medium.Delivered; o <= medium.Denied; o++ {
		assert.Equal(t, o.String(), capture.Outcome(o).String())
	}
}

// BenchmarkHubTransmission is the medium's side of one capture: a
// transmission copied into the queue (which a writer into io.Discard
// empties meanwhile).
func BenchmarkHubTransmission(b *testing.B) {
	h := New(&fakeMedium{}, nil)
	c, err := h.Start(io.Discard, Options{})
	if err != nil {
		b.Fatal(err)
	}
	tr := beacon(1)
	tr.Data = append(tr.Data, make([]byte, 1400)...)
	for i := range 8 {
		tr.Receptions = append(tr.Receptions, medium.Reception{Name: "vw" + string(rune('2'+i)), Outcome: medium.Delivered, Signal: -50, Tries: 1})
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Transmission(tr)
	}
	b.StopTimer()
	c.Stop(context.Background())
}
