package medium

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// fakeClock is a Clock that moves only when the test sets it. Every timer
// (re)armed is announced on armed, so a test driving Run knows when the
// medium is waiting for time to pass.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	armed  chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), armed: make(chan time.Time, 256)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1), at: c.now.Add(d), on: true}
	c.timers = append(c.timers, t)
	t.fireLocked()
	return t
}

// set moves the clock to at and fires the timers due by then.
func (c *fakeClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
	for _, t := range c.timers {
		t.fireLocked()
	}
}

type fakeTimer struct {
	c  *fakeClock
	ch chan time.Time
	at time.Time
	on bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.drainLocked()
	t.at, t.on = t.c.now.Add(d), true
	select {
	case t.c.armed <- t.at:
	default:
	}
	t.fireLocked()
}

func (t *fakeTimer) Stop() {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.drainLocked()
	t.on = false
}

func (t *fakeTimer) drainLocked() {
	select {
	case <-t.ch:
	default:
	}
}

func (t *fakeTimer) fireLocked() {
	if t.on && !t.at.After(t.c.now) {
		t.on = false
		t.ch <- t.c.now
	}
}

// Config.Clock is the medium's one clock: it also times the uptime.
func TestClockTimesUptime(t *testing.T) {
	clk := newFakeClock()
	m := New(Config{Clock: clk})
	clk.set(clk.Now().Add(90 * time.Second))
	assert.Equal(t, 90*time.Second, m.Status().Uptime)
}

// timedConn records what the simulation sends, with the simulated time.
type timedConn struct {
	clock      *fakeClock
	epoch      time.Time
	deliveries []timed[hwsim.Delivery]
	statuses   []timed[hwsim.TxStatus]
}

type timed[T any] struct {
	at time.Duration
	v  T
}

func (c *timedConn) Receive(context.Context, []hwsim.Event) (int, error) { return 0, nil }

func (c *timedConn) Deliver(d *hwsim.Delivery) hwsim.Ticket {
	dd := *d
	dd.Data = nil // the bytes are the simulation's; tests look at the rest
	c.deliveries = append(c.deliveries, timed[hwsim.Delivery]{c.clock.Now().Sub(c.epoch), dd})
	if d.Answer {
		return hwsim.Ticket(len(c.deliveries))
	}
	return 0
}

// Sync and Delivered: every radio's kernel takes what it is given.
func (c *timedConn) Sync()                         {}
func (c *timedConn) Delivered(t hwsim.Ticket) bool { return t != 0 }

func (c *timedConn) Status(s *hwsim.TxStatus) {
	c.statuses = append(c.statuses, timed[hwsim.TxStatus]{c.clock.Now().Sub(c.epoch), *s})
}

func (c *timedConn) Flush() error { return nil }

// sim drives the airtime simulation directly, in simulated time.
type sim struct {
	t     testing.TB
	m     *Medium
	a     *air
	clock *fakeClock
	conn  *timedConn
	tries []try
}

// try is one transmission as the simulation traced it.
type try struct {
	from       RadioID
	freq       uint32
	start, end time.Duration
}

func newSim(t testing.TB, n int, mdl Model, seed uint64) *sim {
	t.Helper()
	clk := newFakeClock()
	m := New(Config{Model: mdl, Rand: rand.New(rand.NewPCG(seed, 1)), Timing: TimingAirtime, Clock: clk})
	for k := range n {
		m.AddRadio(RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: vw(byte(k))})
	}
	conn := &timedConn{clock: clk, epoch: clk.Now()}
	s := &sim{t: t, m: m, a: newAir(m, conn, clk), clock: clk, conn: conn}
	s.a.trace = func(from RadioID, freq uint32, start, end time.Duration) {
		s.tries = append(s.tries, try{from, freq, start, end})
	}
	return s
}

// send lets frames arrive at simulated time at (after what is due by then).
func (s *sim) send(at time.Duration, evs ...hwsim.Event) {
	s.t.Helper()
	s.clock.set(s.a.epoch.Add(at))
	s.a.step(evs)
}

// run processes events until none is left.
func (s *sim) run() {
	s.t.Helper()
	for i := 0; ; i++ {
		next, ok := s.a.next()
		if !ok {
			return
		}
		require.Less(s.t, i, 1_000_000, "simulation does not settle")
		s.send(next)
	}
}

// airFrameEvent builds an n-byte data frame from radio k to radio dst (or to
// everyone: dst < 0) at chain on freq.
func airFrameEvent(k, dst int, n int, freq uint32, cookie uint64, chain ...hwsim.TxRate) hwsim.Event {
	da := mac.Broadcast
	if dst >= 0 {
		da = vw(byte(dst))
	}
	data := frame(fcData, 0, da, vw(byte(k)), vw(byte(k)))
	data = append(data, make([]byte, n-len(data))...)
	ev := hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{Transmitter: vw(byte(k)), Data: data, Flags: hwsim.TxCtlReqTxStatus, Cookie: cookie, Freq: freq}}
	for i := range ev.Frame.Rates {
		ev.Frame.Rates[i] = hwsim.TxRate{Idx: -1}
	}
	copy(ev.Frame.Rates[:], chain)
	return ev
}

func us(n float64) time.Duration { return time.Duration(n * float64(time.Microsecond)) }

func TestAirtimeOneFrameTakesDIFSBackoffAirtimeAndAck(t *testing.T) {
	// Timings written out from IEEE 802.11-2020 (17.4.4, 18.4.5, 15.4.4),
	// independently of the implementation's constants.
	tests := []struct {
		name            string
		freq            uint32
		idx             int8
		flags           uint16
		group           bool
		difs, slot, ack float64 // µs; ack includes SIFS
	}{
		{"5 GHz 54 Mbit/s", 5180, 7, 0, false, 16 + 18, 9, 16 + 28},
		{"2.4 GHz 54 Mbit/s (ERP)", 2412, 11, 0, false, 10 + 18, 9, 10 + 34},
		{"2.4 GHz 1 Mbit/s (DSSS)", 2412, 0, 0, false, 10 + 40, 20, 10 + 304},
		{"2.4 GHz 6 Mbit/s broadcast", 2412, 4, 0, true, 10 + 18, 9, 0},
		// HT MCS 7 (65 Mbit/s) is acked at 24 Mbit/s non-HT OFDM.
		{"2.4 GHz HT MCS 7", 2412, 7, mac.TxRcMCS, false, 10 + 18, 9, 10 + 34},
		// HT MCS 0 (6.5 Mbit/s) is acked at 6 Mbit/s: 20 + 4·⌈134/24⌉ µs.
		{"5 GHz HT MCS 0", 5180, 0, mac.TxRcMCS, false, 16 + 18, 9, 16 + 44},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, 2, nil, 7)
			air := mac.TxAirtime(tc.freq, tc.idx, tc.flags, 1500)
			dst := 1
			if tc.group {
				dst = -1
			}
			backoffs := map[time.Duration]bool{}
			for i := range 40 {
				at := time.Duration(i) * 50 * time.Millisecond
				s.send(at, airFrameEvent(0, dst, 1500, tc.freq, uint64(i), hwsim.TxRate{Idx: tc.idx, Count: 4, Flags: tc.flags}))
				s.run()
				require.Len(t, s.conn.statuses, i+1)
				d := s.conn.deliveries[len(s.conn.deliveries)-1]
				st := s.conn.statuses[i]
				wait := d.at - at - air
				assert.GreaterOrEqual(t, wait, us(tc.difs), "DIFS")
				assert.LessOrEqual(t, wait, us(tc.difs+15*tc.slot), "DIFS + CWmin slots")
				assert.Zero(t, (wait-us(tc.difs))%us(tc.slot), "backoff is whole slots")
				backoffs[wait] = true
				assert.Equal(t, us(tc.ack), st.at-d.at, "status after SIFS + ACK")
				assert.NotZero(t, st.v.Flags&hwsim.TxStatAck)
				assert.Equal(t, hwsim.TxRate{Idx: tc.idx, Count: 1, Flags: tc.flags}, st.v.Rates[0])
			}
			assert.Greater(t, len(backoffs), 5, "backoff is random")
		})
	}
}

// linkTable is a Model of fixed one-way signals; links it lacks are not
// heard.
type linkTable map[[2]int]int32

func (l linkTable) Hear(tx, rx *Peer, _ uint32) (int32, bool) {
	s, ok := l[[2]int{int(tx.HW[3] - 0x30), int(rx.HW[3] - 0x30)}]
	return s, ok
}

// both sets a link in both directions.
func (l linkTable) both(a, b int, s int32) linkTable {
	l[[2]int{a, b}], l[[2]int{b, a}] = s, s
	return l
}

// stepLoss loses every try whose SINR (signal over its noise floor) is
// below 10 dB and none above.
type stepLoss struct{ linkTable }

func (stepLoss) NoiseFloor() float64   { return -91 }
func (stepLoss) CCAThreshold() float64 { return -82 }
func (stepLoss) PER(_, _ *Peer, _ uint32, signal int32, _ hwsim.TxRate, _ int) float64 {
	if float64(signal)+91 >= 10 {
		return 0
	}
	return 1
}

func TestAirtimeRadiosThatHearEachOtherDefer(t *testing.T) {
	s := newSim(t, 3, nil, 3)
	const n = 30
	for i := range n {
		s.send(0, airFrameEvent(0, 2, 1500, 5180, uint64(i), hwsim.TxRate{Idx: 0, Count: 7}),
			airFrameEvent(1, 2, 1500, 5180, uint64(100+i), hwsim.TxRate{Idx: 0, Count: 7}))
	}
	s.run()
	require.Len(t, s.conn.statuses, 2*n)
	overlaps := 0
	for i, x := range s.tries {
		for _, y := range s.tries[i+1:] {
			if x.from == y.from || x.end <= y.start || y.end <= x.start {
				continue
			}
			overlaps++
			// Only radios whose backoff ends in the same slot collide:
			// neither could sense the other yet.
			assert.Less(t, (x.start - y.start).Abs(), slotOFDM, "tries %+v and %+v overlap", x, y)
		}
	}
	assert.Equal(t, uint64(2*overlaps), s.m.Status().Stats.Collisions, "both tries of an overlap are lost")
	for _, st := range s.conn.statuses {
		assert.NotZero(t, st.v.Flags&hwsim.TxStatAck, "cookie %d not acked", st.v.Cookie)
	}
}

func TestAirtimeHiddenNodesCollide(t *testing.T) {
	tests := []struct {
		name          string
		hearEachOther bool
		wantDelivered int
		wantCollided  uint64
	}{
		{"hidden from each other", false, 0, 2},
		{"in range of each other", true, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := linkTable{}.both(0, 2, -60).both(1, 2, -60)
			if tc.hearEachOther {
				l.both(0, 1, -60)
			}
			s := newSim(t, 3, l, 1)
			s.send(0, airFrameEvent(0, 2, 1500, 2412, 1, hwsim.TxRate{Idx: 4, Count: 1}),
				airFrameEvent(1, 2, 1500, 2412, 2, hwsim.TxRate{Idx: 4, Count: 1}))
			s.run()
			got := 0
			for _, d := range s.conn.deliveries {
				if d.v.Receiver == vw(2) {
					got++
				}
			}
			assert.Equal(t, tc.wantDelivered, got)
			require.Len(t, s.conn.statuses, 2)
			for _, st := range s.conn.statuses {
				assert.Equal(t, tc.wantDelivered > 0, st.v.Flags&hwsim.TxStatAck != 0)
			}
			assert.Equal(t, tc.wantCollided, s.m.Status().Stats.Collisions)
		})
	}
}

func TestAirtimeAdjacentChannelsInterfere(t *testing.T) {
	tests := []struct {
		name    string
		freq    uint32 // of the second pair; the first is on channel 1
		wantRx  int    // frames received by their destinations
		wantCol uint64
	}{
		{"channels 1 and 2", 2417, 0, 2},
		{"channels 1 and 6", 2437, 2, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// 0 → 2 on channel 1 and 1 → 3 on the other channel, all in
			// range of each other at -60 dBm: different channels do not
			// defer to each other, so the tries overlap.
			l := linkTable{}
			for a := range 4 {
				for b := range 4 {
					if a != b {
						l[[2]int{a, b}] = -60
					}
				}
			}
			s := newSim(t, 4, stepLoss{l}, 5)
			s.send(0, airFrameEvent(0, 2, 1500, 2412, 1, hwsim.TxRate{Idx: 4, Count: 1}),
				airFrameEvent(1, 3, 1500, tc.freq, 2, hwsim.TxRate{Idx: 4, Count: 1}))
			s.run()
			require.Len(t, s.tries, 2)
			require.Less(t, s.tries[0].start, s.tries[1].end)
			require.Less(t, s.tries[1].start, s.tries[0].end)
			got := 0
			for _, d := range s.conn.deliveries {
				if (d.v.Receiver == vw(2) && d.v.Freq == 2412) || (d.v.Receiver == vw(3) && d.v.Freq == tc.freq) {
					got++
				}
			}
			assert.Equal(t, tc.wantRx, got)
			assert.Equal(t, tc.wantCol, s.m.Status().Stats.Collisions)
		})
	}
}

// adjacentRejectionByRiemann integrates the spectral mask numerically,
// straight from the points of 17.3.9.3, as an independent check.
func adjacentRejectionByRiemann(offset float64) float64 {
	mask := func(f float64) float64 {
		f = math.Abs(f)
		pts := [][2]float64{{0, 0}, {9, 0}, {11, -20}, {20, -28}, {30, -40}}
		for i := 1; i < len(pts); i++ {
			if f <= pts[i][0] {
				p, q := pts[i-1], pts[i]
				return math.Pow(10, (p[1]+(q[1]-p[1])*(f-p[0])/(q[0]-p[0]))/10)
			}
		}
		return math.Pow(10, -4)
	}
	power := func(c float64) float64 {
		const step = 0.0005
		sum := 0.0
		for f := c - 10 + step/2; f < c+10; f += step {
			sum += mask(f) * step
		}
		return sum
	}
	return 10 * math.Log10(power(offset)/power(0))
}

func TestAdjacentChannelRejectionFollowsTheSpectralMask(t *testing.T) {
	acr := adjacentRejection()
	for _, d := range []int{0, 1, 5, 10, 15, 20, 25, 30, 39} {
		assert.InDelta(t, adjacentRejectionByRiemann(float64(d)), 10*math.Log10(acr[d]), 0.01, "offset %d MHz", d)
	}
	assert.InDelta(t, 0, 10*math.Log10(acr[0]), 1e-9)
	assert.Greater(t, 10*math.Log10(acr[5]), -3.0, "channels 1 and 2 overlap heavily")
	assert.Less(t, 10*math.Log10(acr[25]), -25.0, "channels 1 and 6 barely")
}

// rateLossAir loses every try at 54 Mbit/s (5 GHz index 7) and none at
// other rates.
type rateLossAir struct{ FixedSignal }

func (rateLossAir) PER(_, _ *Peer, _ uint32, _ int32, r hwsim.TxRate, _ int) float64 {
	if r.Idx == 7 {
		return 1
	}
	return 0
}

func TestAirtimeRetriesWalkTheChainAndTakeTime(t *testing.T) {
	const freq, n = 5180, 1500
	chain := []hwsim.TxRate{{Idx: 7, Count: 2}, {Idx: 0, Count: 3}, {Idx: -1}}
	tests := []struct {
		name      string
		dst       int
		wantAck   bool
		wantRates [2]hwsim.TxRate
		// tries at 54 and at 6 Mbit/s.
		fast, slow int
	}{
		{"third try gets through", 1, true, [2]hwsim.TxRate{{Idx: 7, Count: 2}, {Idx: 0, Count: 1}}, 2, 1},
		{"nobody answers", 9, false, [2]hwsim.TxRate{{Idx: 7, Count: 2}, {Idx: 0, Count: 3}}, 2, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, 2, rateLossAir{FixedSignal(DefaultSignal)}, 11)
			s.send(0, airFrameEvent(0, tc.dst, n, freq, 1, chain...))
			s.run()
			require.Len(t, s.conn.statuses, 1)
			st := s.conn.statuses[0]
			assert.Equal(t, tc.wantAck, st.v.Flags&hwsim.TxStatAck != 0)
			assert.Equal(t, tc.wantRates[:], st.v.Rates[:2])
			require.Len(t, s.tries, tc.fast+tc.slow)
			// Every try costs DIFS, its airtime and SIFS + ACK (answer or
			// timeout: ACK timeout = SIFS + slot + ACK airtime), plus a
			// backoff from a window that doubles: 15, 31, 63, 127, 255.
			a54, a6 := mac.Airtime(freq, 7, n), mac.Airtime(freq, 0, n)
			ack54, ack6 := us(28), us(44)
			lo := time.Duration(tc.fast)*(us(34)+a54+us(16)+ack54) + time.Duration(tc.slow)*(us(34)+a6+us(16)+ack6) + time.Duration(tc.fast+tc.slow-1)*us(9)
			if !tc.wantAck {
				lo += us(9) // the last wait is a timeout too
			}
			hi := lo + us(9*(15+31+63+127+255))
			assert.GreaterOrEqual(t, st.at, lo)
			assert.LessOrEqual(t, st.at, hi)
			if tc.wantAck {
				assert.Equal(t, uint64(1), s.m.Radios()[0].Stats.Acked)
			} else {
				assert.Equal(t, uint64(1), s.m.Radios()[0].Stats.NotAcked)
			}
		})
	}
}

func TestAirtimeThroughputFollowsAirtime(t *testing.T) {
	const freq, n, frames = 5180, 1500, 40
	finish := func(idx int8) time.Duration {
		s := newSim(t, 2, nil, 21)
		evs := make([]hwsim.Event, frames)
		for i := range evs {
			evs[i] = airFrameEvent(0, 1, n, freq, uint64(i), hwsim.TxRate{Idx: idx, Count: 4})
		}
		s.send(0, evs...)
		s.run()
		require.Len(t, s.conn.statuses, frames)
		return s.conn.statuses[frames-1].at
	}
	t54, t6 := finish(7), finish(0)
	// Per frame: DIFS + backoff (0..15 slots) + airtime + SIFS + ACK.
	per := func(idx int8, ack time.Duration) (time.Duration, time.Duration) {
		lo := us(34) + mac.Airtime(freq, idx, n) + us(16) + ack
		return frames * lo, frames * (lo + us(15*9))
	}
	lo54, hi54 := per(7, us(28))
	lo6, hi6 := per(0, us(44))
	assert.True(t, t54 >= lo54 && t54 <= hi54, "54 Mbit/s: %v not in [%v, %v]", t54, lo54, hi54)
	assert.True(t, t6 >= lo6 && t6 <= hi6, "6 Mbit/s: %v not in [%v, %v]", t6, lo6, hi6)
	ratio := float64(t6) / float64(t54)
	assert.InDelta(t, float64(lo6+hi6)/float64(lo54+hi54), ratio, 0.6, "time ratio %.2f", ratio)
	assert.Greater(t, ratio, 4.0, "6 Mbit/s is far slower")
}

func TestAirtimeBroadcastIsSentOnce(t *testing.T) {
	lossy := rateLossAir{FixedSignal(DefaultSignal)}
	s := newSim(t, 3, lossy, 2)
	s.send(0, airFrameEvent(0, -1, 300, 5180, 1, hwsim.TxRate{Idx: 7, Count: 3}, hwsim.TxRate{Idx: 0, Count: 2}))
	s.run()
	assert.Len(t, s.tries, 1)
	assert.Empty(t, s.conn.deliveries, "lost at 54 Mbit/s and never retried")
	require.Len(t, s.conn.statuses, 1)
	st := s.conn.statuses[0]
	assert.Equal(t, [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 7, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}}, st.v.Rates)
	assert.Equal(t, s.tries[0].end, st.at, "status at the end of the only try")
}

func TestAirtimeStatsCountBusyTime(t *testing.T) {
	s := newSim(t, 2, nil, 4)
	s.send(0, airFrameEvent(0, 1, 1500, 5180, 1, hwsim.TxRate{Idx: 7, Count: 1}))
	s.run()
	st := s.m.Status().Stats
	require.Len(t, st.AirBusy, 1)
	assert.Equal(t, ChannelBusy{Freq: 5180, Busy: mac.Airtime(5180, 7, 1500) + us(28)}, st.AirBusy[0], "the frame and its ACK")
	assert.Equal(t, uint64(1), st.Frames)
}

func TestAirtimeMalformedFrameFailsAtOnce(t *testing.T) {
	s := newSim(t, 2, nil, 4)
	ev := airFrameEvent(0, 1, 100, 5180, 1, hwsim.TxRate{Idx: 7, Count: 1})
	ev.Frame.Data = ev.Frame.Data[:5]
	s.send(0, ev)
	require.Len(t, s.conn.statuses, 1)
	assert.Zero(t, s.conn.statuses[0].v.Flags&hwsim.TxStatAck)
	assert.Empty(t, s.tries)
}

// randomLoss loses tries with a fixed probability, on top of a linkTable.
type randomLoss struct {
	linkTable
	p float64
}

func (r randomLoss) PER(_, _ *Peer, _ uint32, signal int32, _ hwsim.TxRate, _ int) float64 {
	if signal < -85 {
		return 1
	}
	return r.p
}

func TestAirtimeEveryFrameGetsOneStatus(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		rng := rand.New(rand.NewPCG(seed, 9))
		l := linkTable{}
		for a := range 6 {
			for b := range 6 {
				if a != b && rng.IntN(4) > 0 {
					l[[2]int{a, b}] = int32(-50 - rng.IntN(40))
				}
			}
		}
		s := newSim(t, 6, randomLoss{l, 0.2}, seed)
		freqs := []uint32{2412, 2417, 2437}
		const frames = 300
		at := time.Duration(0)
		for i := range frames {
			at += time.Duration(rng.IntN(1000)) * time.Microsecond
			dst := rng.IntN(7) - 1
			s.send(at, airFrameEvent(rng.IntN(6), dst, 40+rng.IntN(1500), freqs[rng.IntN(3)], uint64(i),
				hwsim.TxRate{Idx: int8(rng.IntN(12)), Count: 2}, hwsim.TxRate{Idx: 0, Count: 2}))
		}
		s.run()
		seen := map[uint64]int{}
		for _, st := range s.conn.statuses {
			seen[st.v.Cookie]++
		}
		require.Len(t, seen, frames, "seed %d", seed)
		for c, n := range seen {
			require.Equal(t, 1, n, "seed %d cookie %d", seed, c)
		}
		// A radio sends one try at a time.
		last := map[RadioID]time.Duration{}
		for _, x := range s.tries {
			require.GreaterOrEqual(t, x.start, last[x.from], "seed %d", seed)
			last[x.from] = x.end
		}
		for _, ar := range s.a.radios {
			if ar != nil {
				assert.Empty(t, ar.queue)
				assert.Equal(t, airIdle, ar.state)
			}
		}
		assert.Empty(t, s.a.onAir, "everything ended is forgotten")
	}
}

// airRig runs a whole airtime Medium over the fake connection and clock.
type airRig struct {
	m     *Medium
	conn  *hwsimtest.Conn
	clock *fakeClock
	stop  context.CancelFunc
	done  chan error
}

func newAirRig(t *testing.T, n int) *airRig {
	t.Helper()
	clk := newFakeClock()
	m := New(Config{Timing: TimingAirtime, Clock: clk, Rand: rand.New(rand.NewPCG(1, 2))})
	for k := range n {
		m.AddRadio(RadioConfig{HWAddr: vw(byte(k))})
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &airRig{m: m, conn: hwsimtest.NewConn(), clock: clk, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- m.Run(ctx, r.conn) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// armed waits until the medium has armed its timer, and returns when for.
func (r *airRig) armed(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-r.clock.armed:
		return at
	case <-time.After(5 * time.Second):
		t.Fatal("the medium armed no timer")
		return time.Time{}
	}
}

func TestAirtimeRunDeliversAfterTheAirtime(t *testing.T) {
	r := newAirRig(t, 2)
	start := r.clock.Now()
	r.conn.Send(airFrameEvent(0, 1, 1500, 5180, 9, hwsim.TxRate{Idx: 7, Count: 2}))
	var got hwsimtest.Batch
	for len(got.Statuses) == 0 {
		select {
		case b := <-r.conn.Flushed:
			got.Deliveries = append(got.Deliveries, b.Deliveries...)
			got.Statuses = append(got.Statuses, b.Statuses...)
		case at := <-r.clock.armed:
			if at.After(r.clock.Now()) {
				r.clock.set(at)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no TX status")
		}
	}
	require.Len(t, got.Deliveries, 1)
	assert.Equal(t, vw(1), got.Deliveries[0].Receiver)
	assert.Len(t, got.Deliveries[0].Data, 1500)
	assert.Equal(t, uint64(9), got.Statuses[0].Cookie)
	assert.NotZero(t, got.Statuses[0].Flags&hwsim.TxStatAck)
	assert.GreaterOrEqual(t, r.clock.Now().Sub(start), mac.Airtime(5180, 7, 1500)+us(34+16+28))
}

func TestAirtimeRunStopsPromptlyAndFailsQueuedFrames(t *testing.T) {
	before := runtime.NumGoroutine()
	r := newAirRig(t, 2)
	r.conn.Send(airFrameEvent(0, 1, 1500, 5180, 1, hwsim.TxRate{Idx: 0, Count: 2}),
		airFrameEvent(0, 1, 1500, 5180, 2, hwsim.TxRate{Idx: 0, Count: 2}),
		airFrameEvent(0, 1, 1500, 5180, 3, hwsim.TxRate{Idx: 0, Count: 2}))
	r.armed(t) // the frames are in, time stands still
	r.stop()
	select {
	case err := <-r.done:
		require.NoError(t, err)
		r.done <- err // for the cleanup
	case <-time.After(time.Second):
		t.Fatal("Run did not return")
	}
	var b hwsimtest.Batch
	select {
	case b = <-r.conn.Flushed:
	case <-time.After(time.Second):
		t.Fatal("no statuses on the way out")
	}
	require.Len(t, b.Statuses, 3)
	for i, st := range b.Statuses {
		assert.Equal(t, uint64(i+1), st.Cookie)
		assert.Zero(t, st.Flags&hwsim.TxStatAck)
	}
	// Polled by hand: require.Eventually runs its condition on a goroutine
	// of its own. The bound is generous (10 s) for loaded machines.
	for i := 0; runtime.NumGoroutine() > before; i++ {
		require.Less(t, i, 2000, "goroutines leaked")
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAirtimeRunOnTheSystemClock(t *testing.T) {
	m := New(Config{Timing: TimingAirtime})
	m.AddRadio(RadioConfig{HWAddr: vw(0)})
	m.AddRadio(RadioConfig{HWAddr: vw(1)})
	conn := hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, conn) }()
	start := time.Now()
	conn.Send(airFrameEvent(0, 1, 1500, 2412, 1, hwsim.TxRate{Idx: 0, Count: 1}))
	var b hwsimtest.Batch
	for len(b.Statuses) == 0 {
		select {
		case got := <-conn.Flushed:
			b.Statuses = append(b.Statuses, got.Statuses...)
		case <-time.After(5 * time.Second):
			t.Fatal("no TX status")
		}
	}
	// 1500 bytes at 1 Mbit/s take 12 ms on the air.
	assert.GreaterOrEqual(t, time.Since(start), 12*time.Millisecond)
	assert.NotZero(t, b.Statuses[0].Flags&hwsim.TxStatAck)
	cancel()
	require.NoError(t, <-done)
}

func BenchmarkAirtime(b *testing.B) {
	s := newSim(b, 10, nil, 1)
	s.a.trace = nil
	evs := []hwsim.Event{
		airFrameEvent(0, 1, 1500, 5180, 1, hwsim.TxRate{Idx: 7, Count: 4}),
		airFrameEvent(2, 3, 1500, 5180, 2, hwsim.TxRate{Idx: 7, Count: 4}),
		airFrameEvent(4, -1, 300, 5180, 3, hwsim.TxRate{Idx: 0, Count: 1}),
	}
	at := time.Duration(0)
	b.ReportAllocs()
	for b.Loop() {
		s.conn.deliveries, s.conn.statuses = s.conn.deliveries[:0], s.conn.statuses[:0]
		at += 100 * time.Millisecond
		s.clock.set(s.a.epoch.Add(at))
		s.a.step(evs)
		for next, ok := s.a.next(); ok; next, ok = s.a.next() {
			s.clock.set(s.a.epoch.Add(next))
			s.a.step(nil)
		}
	}
}

// TestAirtimeQueueIsBounded: a radio that hands the medium more frames at
// once than it may hold gets the excess failed at once; every frame gets
// exactly one status, and the rest are sent in turn.
func TestAirtimeQueueIsBounded(t *testing.T) {
	s := newSim(t, 2, nil, 5)
	const n = maxAirQueue + 44
	var evs []hwsim.Event
	for i := range n {
		evs = append(evs, airFrameEvent(0, 1, 200, 5180, uint64(i), hwsim.TxRate{Idx: 7, Count: 1}))
	}
	s.send(0, evs...)
	require.Len(t, s.conn.statuses, 44, "the excess fails at once")
	for _, st := range s.conn.statuses {
		assert.Zero(t, st.v.Flags&hwsim.TxStatAck)
		assert.GreaterOrEqual(t, st.v.Cookie, uint64(maxAirQueue), "the newest frames are the excess")
	}
	assert.Equal(t, uint64(44), s.m.Status().Stats.AirQueueDrops)
	s.run()
	require.Len(t, s.conn.statuses, n)
	seen := map[uint64]bool{}
	for _, st := range s.conn.statuses {
		require.False(t, seen[st.v.Cookie], "two statuses for %d", st.v.Cookie)
		seen[st.v.Cookie] = true
	}
}
