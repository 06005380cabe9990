package medium_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
)

// churn is a kernel connection that makes up traffic: frames from random
// transmitters with random interface addresses, and, between batches,
// radios created and deleted. It counts what the medium sends back.
type churn struct {
	m        *medium.Medium
	rng      *rand.Rand
	frames   int // frames still to send
	cookie   uint64
	statuses int
	cancel   context.CancelFunc
	// every batch, remove one radio made earlier and add one
	made []string
	n    int
	buf  [][]byte
}

func randAddr(rng *rand.Rand) mac.Addr {
	var a mac.Addr
	for i := range a {
		a[i] = byte(rng.UintN(256))
	}
	a[0] &^= 1 // unicast
	return a
}

func (c *churn) Receive(ctx context.Context, evs []hwsim.Event) (int, error) {
	if c.frames <= 0 {
		c.cancel()
		<-ctx.Done()
		return 0, ctx.Err()
	}
	// One radio goes, one comes, by name, as the kernel announces them.
	if len(c.made) >= 16 {
		c.m.RemoveRadio(c.made[0], mac.Addr{})
		c.made = c.made[1:]
	}
	c.n++
	name := fmt.Sprintf("phy%d", c.n)
	c.m.AddRadio(medium.RadioConfig{Name: name, Iface: fmt.Sprintf("wlan%d", c.n), HWAddr: randAddr(c.rng)})
	c.made = append(c.made, name)

	n := min(len(evs), c.frames)
	for i := range n {
		b := c.buf[i][:0]
		ta := randAddr(c.rng)
		// A data frame to a random station, from a random address.
		b = append(b, 0x08, 0x01, 0, 0)
		dst := randAddr(c.rng)
		b = append(b, dst[:]...)
		b = append(b, ta[:]...)
		b = append(b, dst[:]...)
		b = append(b, 0x10, 0, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)
		c.buf[i] = b
		c.cookie++
		// Three frames in four from transmitters nobody announced; the
		// fourth from a known radio, from an address it never had.
		tx := randAddr(c.rng)
		if c.cookie%4 == 0 {
			tx = vw(int(c.cookie/4) % 8)
		}
		evs[i] = hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{
			Transmitter: tx, Data: b, Flags: hwsim.TxCtlReqTxStatus, Cookie: c.cookie, Freq: 2412,
			Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
		}}
	}
	c.frames -= n
	return n, nil
}

func (c *churn) Deliver(*hwsim.Delivery) hwsim.Ticket { return 0 }
func (c *churn) Sync()                                {}
func (c *churn) Delivered(hwsim.Ticket) bool          { return false }
func (c *churn) Status(*hwsim.TxStatus)               { c.statuses++ }
func (c *churn) Flush() error                         { return nil }
func (c *churn) run(t *testing.T, m *medium.Medium, frames int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.m, c.frames, c.cancel, c.statuses = m, frames, cancel, 0
	if err := m.Run(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.statuses != frames {
		t.Fatalf("%d TX statuses for %d frames", c.statuses, frames)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func vw(k int) mac.Addr { return mac.Addr{0, 0x76, 0x77, 0x30 + byte(k), 0, 0} }

// TestMemoryStaysFlat: radios come and go by the thousand and 10^5 frames
// arrive from random transmitters with random addresses; the medium
// forgets what it must, so memory after is what it was after a warm-up.
func TestMemoryStaysFlat(t *testing.T) {
	testMemoryStaysFlat(t, nil, 20_000/raceScale, 100_000/raceScale)
}

// TestMemoryStaysFlatWithALinkModel is the same with a link model, which
// learns every radio it meets and must forget it too (fewer frames: the
// model copies its state for every radio it learns or forgets).
func TestMemoryStaysFlatWithALinkModel(t *testing.T) {
	mdl, err := model.New(model.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	testMemoryStaysFlat(t, mdl, 5_000/raceScale, 10_000/raceScale)
	if n := len(mdl.Snapshot().Radios); n > 8+16+256 {
		t.Errorf("the model holds %d radios", n)
	}
}

func testMemoryStaysFlat(t *testing.T, mdl medium.Model, warmup, frames int) {
	if testing.Short() {
		t.Skip("routes many frames")
	}
	m := medium.New(medium.Config{Model: mdl})
	for k := range 8 {
		m.AddRadio(medium.RadioConfig{Name: fmt.Sprintf("vw_phy%d", k), Iface: fmt.Sprintf("vw%d", k), HWAddr: vw(k)})
	}
	c := &churn{rng: rand.New(rand.NewPCG(1, 2)), buf: make([][]byte, 64)}
	c.run(t, m, warmup) // every bound reached
	before := heapInUse()
	c.run(t, m, frames)
	after := heapInUse()
	st := m.Status()
	t.Logf("heap in use %d KiB before, %d KiB after; %d radios, %d radios and %d addresses forgotten, %d radios made and deleted",
		before>>10, after>>10, st.Radios, st.Stats.RadiosEvicted, st.Stats.AddrsEvicted, c.n)
	if after > before+4<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB", before>>10, after>>10)
	}
	if st.Radios > 8+16+256 {
		t.Errorf("%d radios known: more than the bounds allow", st.Radios)
	}
	if st.Stats.RadiosEvicted == 0 || st.Stats.AddrsEvicted == 0 {
		t.Error("nothing was forgotten: the bounds were not reached")
	}
}
