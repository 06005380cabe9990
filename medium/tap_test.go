package medium

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// recorder is a Tap that keeps a copy of every transmission.
type recorder struct {
	mu  sync.Mutex
	got []Transmission
}

func (r *recorder) Transmission(tr *Transmission) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := *tr
	c.Data = bytes.Clone(tr.Data)
	c.Receptions = slices.Clone(tr.Receptions)
	r.got = append(r.got, c)
}

func (r *recorder) all() []Transmission {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// outcomes maps each reception's receiver name to its outcome.
func outcomes(tr Transmission) map[string]Outcome {
	out := map[string]Outcome{}
	for _, r := range tr.Receptions {
		out[r.Name] = r.Outcome
	}
	return out
}

func TestTapSeesEveryReceiversOutcome(t *testing.T) {
	toVW1 := frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 1)
	tests := []struct {
		name  string
		setup func(r *rig)
		ev    hwsim.Event
		acked bool
		want  map[string]Outcome
	}{
		{"beacon reaches everyone", nil, frameEvent(vw(0), beacon(vw(0)), 1), true,
			map[string]Outcome{"vw1": Delivered, "vw2": Delivered, "vw3": Delivered}},
		{"unicast taken by the addressee", nil, toVW1, true,
			map[string]Outcome{"vw1": Delivered, "vw2": Delivered, "vw3": Delivered}},
		{"addressee's kernel refuses", func(r *rig) { r.conn.Refuse(vw(1), true) }, toVW1, false,
			map[string]Outcome{"vw1": Refused, "vw2": Delivered, "vw3": Delivered}},
		{"a refusing overhearer is not the addressee", func(r *rig) { r.conn.Refuse(vw(2), true) }, toVW1, true,
			map[string]Outcome{"vw1": Delivered, "vw2": Delivered, "vw3": Delivered}},
		{"denylist and link block", func(r *rig) {
			require.NoError(t, r.m.Deny(DenyRule{Dst: "vw2", Src: "vw0"}))
			require.NoError(t, r.m.Block("vw0", "vw3", true))
		}, toVW1, true, map[string]Outcome{"vw1": Delivered, "vw2": Denied, "vw3": Blocked}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 4, Config{})
			var rec recorder
			r.m.SetTap(&rec)
			if tc.setup != nil {
				tc.setup(r)
			}
			r.step(t, tc.ev)
			got := rec.all()
			require.Len(t, got, 1)
			tr := got[0]
			assert.Equal(t, tc.want, outcomes(tr))
			assert.Equal(t, tc.acked, tr.Acked)
			assert.Equal(t, "vw0", tr.TransmitterName)
			assert.Equal(t, tc.ev.Frame.Data, tr.Data)
			assert.Equal(t, uint32(2437), tr.Freq)
			assert.Equal(t, chain, tr.Rates)
			assert.Equal(t, chain[0], tr.Rate)
			for _, rx := range tr.Receptions {
				assert.Equal(t, rx.Name == "vw1" && !tr.NoAck, rx.Addressee, rx.Name)
				if rx.Outcome == Delivered || rx.Outcome == Refused {
					assert.Equal(t, int32(DefaultSignal), rx.Signal)
					assert.Equal(t, 1, rx.Tries)
				}
			}
		})
	}
}

func TestTapUnderALossModel(t *testing.T) {
	// vw1 loses rate 3, vw2 overhears nothing, vw3 is out of range.
	r := newRig(t, 4, Config{Model: lossAndReach{rateLoss{lose: map[int8]bool{3: true}, overhear: 1}, deafModel{deaf: [2]RadioID{0, 3}}}})
	var rec recorder
	r.m.SetTap(&rec)
	r.step(t, frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 1))
	got := rec.all()
	require.Len(t, got, 1)
	tr := got[0]
	assert.Equal(t, map[string]Outcome{"vw1": Delivered, "vw2": Lost, "vw3": NotHeard}, outcomes(tr))
	for _, rx := range tr.Receptions {
		if rx.Name == "vw1" {
			// chain: rate 3 twice (lost), then rate 1 gets through.
			assert.Equal(t, 3, rx.Tries)
			assert.Equal(t, int8(1), rx.Rate.Idx)
		}
	}
	assert.Equal(t, int8(1), tr.Rate.Idx, "shown at the rate that got through")
	assert.Equal(t, [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 3, Count: 2}, {Idx: 1, Count: 1}, {Idx: -1}, {Idx: -1}}, tr.Used)
	assert.True(t, tr.Acked)

	// Every try lost: the addressee used the whole chain.
	r2 := newRig(t, 2, Config{Model: rateLoss{lose: map[int8]bool{3: true, 1: true, 0: true}}})
	var rec2 recorder
	r2.m.SetTap(&rec2)
	r2.step(t, frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 1))
	got = rec2.all()
	require.Len(t, got, 1)
	require.Len(t, got[0].Receptions, 1)
	assert.Equal(t, Reception{Radio: 1, Name: "vw1", Outcome: Lost, Signal: -60, Tries: 7, Addressee: true}, got[0].Receptions[0])
	assert.False(t, got[0].Acked)
}

// lossAndReach joins a loss model to a model of reach and signal.
type lossAndReach struct {
	rateLoss
	deafModel
}

func (l lossAndReach) Hear(tx, rx *Peer, freq uint32) (int32, bool) {
	return l.deafModel.Hear(tx, rx, freq)
}

func TestTapTimesAndMalformedFrames(t *testing.T) {
	clk := newFakeClock()
	r := newRig(t, 2, Config{Clock: clk})
	var rec recorder
	r.m.SetTap(&rec)
	clk.set(clk.Now().Add(1500 * time.Millisecond))
	r.step(t, frameEvent(vw(0), []byte{0x08}, 1))
	got := rec.all()
	require.Len(t, got, 1)
	assert.True(t, got[0].Malformed)
	assert.Empty(t, got[0].Receptions)
	assert.Equal(t, 1500*time.Millisecond, got[0].At)
	assert.Equal(t, clk.Now(), got[0].Time)

	// No tap, no record; a batch of several frames, some waiting for
	// their addressee's answer, gives one record each, in order.
	r.m.SetTap(nil)
	r.step(t, frameEvent(vw(0), beacon(vw(0)), 2))
	r.m.SetTap(&rec)
	r.step(t,
		frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 3),
		frameEvent(vw(1), beacon(vw(1)), 4),
		frameEvent(vw(1), frame(fcData, toDS, vw(0), vw(1), vw(0)), 5))
	got = rec.all()
	require.Len(t, got, 4)
	assert.Equal(t, "vw0", got[1].TransmitterName, "in the order sent, though its ack waited")
	assert.True(t, got[1].Acked)
	assert.Equal(t, "vw1", got[2].TransmitterName)
	assert.True(t, got[2].NoAck)
	assert.Equal(t, "vw1", got[3].TransmitterName)
	assert.True(t, got[3].Acked)
	assert.Less(t, got[1].Data[0], got[2].Data[0], "data, then the beacon")
}

func TestTapAirtime(t *testing.T) {
	// vw0 sends to vw2; vw3 overhears it, vw1 is out of its range.
	s := newSim(t, 4, linkTable{}.both(0, 2, -50).both(0, 3, -55), 5)
	var rec recorder
	s.m.SetTap(&rec)
	s.send(time.Second, airFrameEvent(0, 2, 1000, 5180, 1, hwsim.TxRate{Idx: 0, Count: 4}))
	s.run()
	got := rec.all()
	require.Len(t, got, 1)
	tr := got[0]
	assert.Equal(t, map[string]Outcome{"vw1": NotHeard, "vw2": Delivered, "vw3": Delivered}, outcomes(tr))
	assert.True(t, tr.Acked)
	for _, rx := range tr.Receptions {
		assert.Equal(t, rx.Name == "vw2", rx.Addressee)
		if rx.Outcome == Delivered {
			assert.Equal(t, 1, rx.Tries)
			assert.Equal(t, hwsim.TxRate{Idx: 0, Count: 4}, rx.Rate)
		}
	}
	assert.Equal(t, -55, int(tr.Receptions[2].Signal))
	// At is the start of the first try: after the arrival, DIFS and the
	// backoff, less than a millisecond later.
	assert.Greater(t, tr.At, time.Second)
	assert.Less(t, tr.At, time.Second+time.Millisecond)
}

func TestTapAirtimeCollisions(t *testing.T) {
	// Two hidden nodes send 1000 bytes to vw2 at the same instant: their
	// first tries overlap whatever the backoffs (172 µs at 54 Mbit/s
	// outlast the 15 slots of the first backoff). With one try each both
	// collide; with retries both get through in the end.
	for _, tc := range []struct {
		name  string
		n     int
		rate  hwsim.TxRate
		want  Outcome
		acked bool
	}{
		{"one try", 1000, hwsim.TxRate{Idx: 0, Count: 1}, Collided, false},
		{"retries", 1000, hwsim.TxRate{Idx: 7, Count: 7}, Delivered, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, 3, linkTable{}.both(0, 2, -50).both(1, 2, -50), 9)
			var rec recorder
			s.m.SetTap(&rec)
			s.send(0, airFrameEvent(0, 2, tc.n, 5180, 1, tc.rate), airFrameEvent(1, 2, tc.n, 5180, 2, tc.rate))
			s.run()
			got := rec.all()
			require.Len(t, got, 2)
			for _, tr := range got {
				assert.Equal(t, tc.want, outcomes(tr)["vw2"], tr.TransmitterName)
				assert.Equal(t, tc.acked, tr.Acked)
				for _, rx := range tr.Receptions {
					if rx.Addressee {
						assert.Equal(t, chainTries(&tr.Used), rx.Tries, "the last try judged is the last one used")
						assert.Equal(t, tc.acked, rx.Tries > 1, "retried after the collision")
					}
				}
			}
		})
	}
}

func TestOutcomeNames(t *testing.T) {
	names := map[string]bool{}
	for o := Delivered; o <= Denied; o++ {
		names[o.String()] = true
	}
	assert.Len(t, names, int(Denied))
	assert.NotContains(t, names, "unknown")
	assert.Equal(t, "unknown", Outcome(0).String())
}

// nopTap is the cheapest tap: what BenchmarkRouteTap measures is the
// medium's side of capturing.
type nopTap struct{}

func (nopTap) Transmission(*Transmission) {}

func BenchmarkRouteTap(b *testing.B) {
	for _, n := range []int{2, 10, 100} {
		b.Run(fmt.Sprintf("%03dradios", n), func(b *testing.B) {
			m := New(Config{})
			for k := range n {
				m.AddRadio(RadioConfig{HWAddr: mac.Addr{0, 0x76, 0x77, 0x30, byte(k >> 8), byte(k)}})
			}
			m.SetTap(nopTap{})
			conn := discard{}
			dst := mac.Addr{0, 0x76, 0x77, 0x30, 0, 1}
			ev := frameEvent(mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}, frame(fcData, fromDS, dst, mac.Addr{0, 0x76, 0x77, 0x30, 0, 0}, dst), 1)
			ev.Frame.Data = append(ev.Frame.Data, make([]byte, 1400)...)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				m.mu.Lock()
				m.handleLocked(conn, &ev)
				m.settleWaitingLocked(conn)
				m.handOverLocked()
				m.mu.Unlock()
			}
		})
	}
}
