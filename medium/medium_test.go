package medium

import (
	"bytes"
	"cmp"
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

func vw(k byte) mac.Addr { return mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0} }

// frame builds an 802.11 header (plus a small body) with the given frame
// control bytes and addresses.
func frame(fc0, fc1 byte, a1, a2, a3 mac.Addr) []byte {
	b := []byte{fc0, fc1, 0, 0}
	b = append(b, a1[:]...)
	b = append(b, a2[:]...)
	b = append(b, a3[:]...)
	b = append(b, 0x10, 0) // sequence
	return append(b, 0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00)
}

// Frame control first bytes: type/subtype. Second byte: DS bits.
const (
	fcBeacon = 0x80
	fcData   = 0x08
	fcAuth   = 0xb0
	toDS     = 0x01
	fromDS   = 0x02
)

func beacon(bssid mac.Addr) []byte { return frame(fcBeacon, 0, mac.Broadcast, bssid, bssid) }

// staToAP is a data frame a station sends through the AP to da.
func staToAP(sta, ap, da mac.Addr) []byte { return frame(fcData, toDS, ap, sta, da) }

// apToSTA is a data frame the AP relays from sa to sta.
func apToSTA(ap, sta, sa mac.Addr) []byte { return frame(fcData, fromDS, sta, ap, sa) }

// firstTry is the status of a frame acked at its first try.
var firstTry = [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 3, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}}

var chain = [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 3, Count: 2}, {Idx: 1, Count: 2}, {Idx: 0, Count: 3}, {Idx: -1}}

func frameEvent(tx mac.Addr, data []byte, cookie uint64) hwsim.Event {
	return hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{
		Transmitter: tx, Data: data, Flags: hwsim.TxCtlReqTxStatus, Rates: chain, Cookie: cookie, Freq: 2437,
	}}
}

// rig runs a medium with radios vw0..vw(n-1) over a fake connection.
type rig struct {
	m    *Medium
	conn *hwsimtest.Conn
}

func newRig(t *testing.T, n int, cfg Config) *rig {
	t.Helper()
	return runRig(t, New(cfg), n)
}

// step sends events as one burst and returns what the medium flushed.
func (r *rig) step(t *testing.T, evs ...hwsim.Event) hwsimtest.Batch {
	t.Helper()
	r.conn.Send(evs...)
	select {
	case b := <-r.conn.Flushed:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("medium flushed nothing")
		return hwsimtest.Batch{}
	}
}

func receivers(b hwsimtest.Batch) []mac.Addr {
	var out []mac.Addr
	for _, d := range b.Deliveries {
		out = append(out, d.Receiver)
	}
	return out
}

func TestRouting(t *testing.T) {
	stranger := mac.Addr{2, 0, 0, 0, 0x99, 0}
	for _, tc := range []struct {
		name      string
		tx        mac.Addr
		data      []byte
		flags     uint32
		want      []mac.Addr
		wantAck   bool
		wantRates [hwsim.MaxTxRates]hwsim.TxRate
	}{
		{
			name: "beacon reaches every other radio", tx: vw(0), data: beacon(vw(0)),
			want: []mac.Addr{vw(1), vw(2)}, wantAck: true,
			wantRates: firstTry,
		},
		{
			name: "unicast to a radio is acked at the first try", tx: vw(1), data: frame(fcAuth, 0, vw(0), vw(1), vw(0)),
			want: []mac.Addr{vw(0), vw(2)}, wantAck: true,
			wantRates: firstTry,
		},
		{
			// Without a loss model the status reports one try, as the
			// kernel's own delivery does (its tx retries stay 0).
			name: "unicast to nobody: one unacknowledged try", tx: vw(1), data: frame(fcAuth, 0, stranger, vw(1), stranger),
			want: []mac.Addr{vw(0), vw(2)}, wantAck: false, wantRates: firstTry,
		},
		{
			name: "no-ack frames are reported sent", tx: vw(1), data: frame(fcAuth, 0, stranger, vw(1), stranger), flags: hwsim.TxCtlNoAck,
			want: []mac.Addr{vw(0), vw(2)}, wantAck: true,
			wantRates: firstTry,
		},
		{
			name: "unparsable frame is completed without delivery", tx: vw(2), data: []byte{0x08},
			want: nil, wantAck: false, wantRates: chain,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 3, Config{})
			ev := frameEvent(tc.tx, tc.data, 42)
			ev.Frame.Flags |= tc.flags
			b := r.step(t, ev)
			assert.ElementsMatch(t, tc.want, receivers(b))
			for _, d := range b.Deliveries {
				assert.Equal(t, tc.data, d.Data)
				assert.Equal(t, int32(DefaultSignal), d.Signal)
				assert.Equal(t, uint32(2437), d.Freq)
				assert.Equal(t, uint32(3), d.RxRate)
			}
			require.Len(t, b.Statuses, 1)
			st := b.Statuses[0]
			assert.Equal(t, tc.tx, st.Transmitter)
			assert.Equal(t, uint64(42), st.Cookie)
			assert.Equal(t, tc.wantAck, st.Flags&hwsim.TxStatAck != 0, "ack flag")
			assert.Equal(t, tc.wantRates, st.Rates)
		})
	}
}

func TestDenylistBlocksOriginalSourceThroughAP(t *testing.T) {
	// vw0 is the AP, vw1 and vw2 stations; "vw2 denies vw1".
	r := newRig(t, 3, Config{})
	require.NoError(t, r.m.Deny(DenyRule{Dst: "vw2", Src: "vw1"}))

	// vw1 -> AP, destined to vw2: the AP still hears it.
	b := r.step(t, frameEvent(vw(1), staToAP(vw(1), vw(0), vw(2)), 1))
	assert.ElementsMatch(t, []mac.Addr{vw(0)}, receivers(b))
	assert.NotZero(t, b.Statuses[0].Flags&hwsim.TxStatAck)

	// The AP relays it (SA = vw1): vw2 must not receive it, and the
	// relay is not acked.
	b = r.step(t, frameEvent(vw(0), apToSTA(vw(0), vw(2), vw(1)), 2))
	assert.ElementsMatch(t, []mac.Addr{vw(1)}, receivers(b))
	assert.Zero(t, b.Statuses[0].Flags&hwsim.TxStatAck)

	// The other direction still works.
	b = r.step(t, frameEvent(vw(0), apToSTA(vw(0), vw(1), vw(2)), 3))
	assert.ElementsMatch(t, []mac.Addr{vw(1), vw(2)}, receivers(b))
	assert.NotZero(t, b.Statuses[0].Flags&hwsim.TxStatAck)

	// Beacons from the AP (SA = AP) still reach vw2.
	b = r.step(t, frameEvent(vw(0), beacon(vw(0)), 4))
	assert.ElementsMatch(t, []mac.Addr{vw(1), vw(2)}, receivers(b))

	assert.Equal(t, []DenyRule{{Dst: "vw2", Src: "vw1"}}, r.m.Denylist())
	r.m.ClearDenylist()
	b = r.step(t, frameEvent(vw(0), apToSTA(vw(0), vw(2), vw(1)), 5))
	assert.ElementsMatch(t, []mac.Addr{vw(1), vw(2)}, receivers(b))
	assert.Empty(t, r.m.Denylist())
}

func TestDenyUnknownRadio(t *testing.T) {
	r := newRig(t, 2, Config{})
	assert.ErrorIs(t, r.m.Deny(DenyRule{Dst: "vw9", Src: "vw1"}), ErrUnknownRadio)
	assert.ErrorIs(t, r.m.Deny(DenyRule{Dst: "vw1", Src: "nope"}), ErrUnknownRadio)
	assert.Empty(t, r.m.Denylist())
	// Wiphy names are accepted and shown as interface names.
	require.NoError(t, r.m.Deny(DenyRule{Dst: "vw_phy1", Src: "vw0"}))
	assert.Equal(t, []DenyRule{{Dst: "vw1", Src: "vw0"}}, r.m.Denylist())
	r.m.Allow(DenyRule{Dst: "vw_phy1", Src: "vw_phy0"})
	assert.Empty(t, r.m.Denylist())
}

func TestBlockIsOneWay(t *testing.T) {
	r := newRig(t, 2, Config{})
	require.NoError(t, r.m.Block("vw0", "vw1", true))
	b := r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vw(1), vw(0), vw(1)), 1))
	assert.Empty(t, b.Deliveries)
	assert.Zero(t, b.Statuses[0].Flags&hwsim.TxStatAck)
	b = r.step(t, frameEvent(vw(1), frame(fcAuth, 0, vw(0), vw(1), vw(0)), 2))
	assert.ElementsMatch(t, []mac.Addr{vw(0)}, receivers(b))
	require.NoError(t, r.m.Block("vw0", "vw1", false))
	b = r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vw(1), vw(0), vw(1)), 3))
	assert.ElementsMatch(t, []mac.Addr{vw(1)}, receivers(b))
	assert.Error(t, r.m.Block("vw0", "vw7", true))
}

func TestAddressesAreReferenceCounted(t *testing.T) {
	// A vif address that differs from the radio's hwsim address, added at
	// interface creation and again at every scan start.
	r := newRig(t, 2, Config{})
	vif := mac.Addr{2, 0x76, 0x77, 0x31, 0, 1}
	add := hwsim.Event{Kind: hwsim.EventAddMAC, Radio: vw(1), Addr: vif}
	del := hwsim.Event{Kind: hwsim.EventDelMAC, Radio: vw(1), Addr: vif}
	toVif := frameEvent(vw(0), frame(fcAuth, 0, vif, vw(0), vif), 1)

	b := r.step(t, add, add, del, toVif) // interface up, scan start, scan end
	assert.NotZero(t, b.Statuses[0].Flags&hwsim.TxStatAck, "address forgotten after a scan")

	b = r.step(t, del, toVif) // interface gone
	assert.Zero(t, b.Statuses[0].Flags&hwsim.TxStatAck)
}

func TestAckFollowsTheAddresseesKernel(t *testing.T) {
	// The kernel refuses a delivery to a radio that is idle, stopped or
	// on another channel, and its own delivery acks nothing such a radio
	// would have got: the medium acks exactly what the addressee's kernel
	// takes.
	toVW1 := func(cookie uint64) hwsim.Event {
		return frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), cookie)
	}
	noAck := toVW1(3)
	noAck.Frame.Flags |= hwsim.TxCtlNoAck
	tests := []struct {
		name    string
		refuse  bool
		ev      hwsim.Event
		acked   bool
		answer  bool // the delivery to vw1 asked for the kernel's answer
		counted bool // counted as acked or not acked
	}{
		{"taken", false, toVW1(1), true, true, true},
		{"refused: idle, stopped or tuned elsewhere", true, toVW1(1), false, true, true},
		{"group-addressed, refused", true, frameEvent(vw(0), beacon(vw(0)), 2), true, false, false},
		{"no ack requested, refused", true, noAck, true, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 2, Config{})
			r.conn.Refuse(vw(1), tc.refuse)
			b := r.step(t, tc.ev)
			require.Len(t, b.Deliveries, 1, "offered to vw1 either way")
			assert.Equal(t, tc.answer, b.Deliveries[0].Answer)
			require.Len(t, b.Statuses, 1)
			st := b.Statuses[0]
			assert.Equal(t, tc.ev.Frame.Cookie, st.Cookie)
			assert.Equal(t, tc.acked, st.Flags&hwsim.TxStatAck != 0)
			stats := r.m.Radios()[0].Stats
			// One try at the first rate either way, as the kernel's own
			// delivery reports it (no loss model).
			assert.Equal(t, [hwsim.MaxTxRates]hwsim.TxRate{{Idx: chain[0].Idx, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}}, st.Rates)
			assert.Equal(t, int32(DefaultSignal), st.Signal)
			if tc.counted {
				assert.Equal(t, RadioStats{TxFrames: 1, TxBytes: uint64(len(tc.ev.Frame.Data)), Acked: b2u(tc.acked), NotAcked: b2u(!tc.acked)}, stats)
			}
		})
	}
}

func TestAcksOfOneBatchFollowTheirOwnAddressees(t *testing.T) {
	r := newRig(t, 3, Config{})
	r.conn.Refuse(vw(2), true)
	b := r.step(t,
		frameEvent(vw(0), frame(fcData, toDS, vw(2), vw(0), vw(2)), 1),
		frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 2),
		frameEvent(vw(1), frame(fcData, toDS, vw(2), vw(1), vw(2)), 3),
	)
	acked := map[uint64]bool{}
	for _, st := range b.Statuses {
		acked[st.Cookie] = st.Flags&hwsim.TxStatAck != 0
	}
	assert.Equal(t, map[uint64]bool{1: false, 2: true, 3: false}, acked)
}

func TestRefusedAddresseeUnderALossModelUsesEveryTry(t *testing.T) {
	r := newRig(t, 2, Config{Model: rateLoss{}, Rand: rand.New(rand.NewPCG(1, 2))})
	r.conn.Refuse(vw(1), true)
	ev := frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 1)
	b := r.step(t, ev)
	require.Len(t, b.Statuses, 1)
	assert.Zero(t, b.Statuses[0].Flags&hwsim.TxStatAck)
	assert.Equal(t, chain, b.Statuses[0].Rates)
}

func TestSendFailureIsCountedAndTheAirGoesOn(t *testing.T) {
	for _, timing := range []Timing{TimingFast, TimingAirtime} {
		t.Run(timing.String(), func(t *testing.T) {
			r := newRig(t, 2, Config{Timing: timing})
			r.conn.FailNextFlush(assert.AnError)
			first := r.waitStatus(t, frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 1))
			assert.ErrorIs(t, first.Err, assert.AnError)
			next := r.waitStatus(t, frameEvent(vw(0), frame(fcData, toDS, vw(1), vw(0), vw(1)), 2))
			require.NoError(t, next.Err)
			assert.Contains(t, receivers(next), vw(1), "still routing")
			assert.Equal(t, uint64(1), r.m.Status().Stats.SendErrors)
		})
	}
}

// waitStatus sends ev and returns the batch that carries its TX status
// (the airtime mode may flush deliveries and the status apart).
func (r *rig) waitStatus(t *testing.T, ev hwsim.Event) hwsimtest.Batch {
	t.Helper()
	r.conn.Send(ev)
	var all hwsimtest.Batch
	deadline := time.After(5 * time.Second)
	for {
		select {
		case b := <-r.conn.Flushed:
			all.Deliveries = append(all.Deliveries, b.Deliveries...)
			all.Statuses = append(all.Statuses, b.Statuses...)
			all.Err = cmp.Or(all.Err, b.Err)
			for _, st := range b.Statuses {
				if st.Cookie == ev.Frame.Cookie {
					return all
				}
			}
		case <-deadline:
			t.Fatal("no TX status")
			return all
		}
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func TestLearnsRadiosAndAddressesFromFrames(t *testing.T) {
	r := newRig(t, 1, Config{})
	newcomer := mac.Addr{0x42, 0, 0, 0, 5, 0}
	vif := mac.Addr{0x02, 0, 0, 0, 5, 0}
	// A radio nobody announced transmits a beacon: it becomes known and
	// its interface address is learned from addr2.
	b := r.step(t, frameEvent(newcomer, beacon(vif), 1))
	assert.ElementsMatch(t, []mac.Addr{vw(0)}, receivers(b))
	b = r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vif, vw(0), vif), 2))
	assert.ElementsMatch(t, []mac.Addr{newcomer}, receivers(b))
	assert.NotZero(t, b.Statuses[0].Flags&hwsim.TxStatAck)

	radios := r.m.Radios()
	require.Len(t, radios, 2)
	assert.Equal(t, newcomer, radios[1].HWAddr)
	assert.Contains(t, radios[1].Addrs, vif)
	assert.Equal(t, uint64(1), radios[1].Stats.TxFrames)
	assert.Equal(t, uint64(1), radios[1].Stats.RxFrames)
}

func TestRemoveRadio(t *testing.T) {
	r := newRig(t, 3, Config{})
	require.True(t, r.m.RemoveRadio("vw_phy2", mac.Addr{}))
	assert.False(t, r.m.RemoveRadio("vw_phy2", mac.Addr{}))
	b := r.step(t, frameEvent(vw(0), beacon(vw(0)), 1))
	assert.ElementsMatch(t, []mac.Addr{vw(1)}, receivers(b))
	assert.Equal(t, 2, r.m.Status().Radios)
}

// deafModel hears nothing between one pair and reports a per-link signal,
// none of them DefaultSignal, so a signal that did not come from the model
// shows.
type deafModel struct{ deaf [2]RadioID }

func (d deafModel) Hear(tx, rx *Peer, _ uint32) (int32, bool) {
	if [2]RadioID{tx.ID, rx.ID} == d.deaf {
		return 0, false
	}
	return -60 - 10*int32(rx.ID), true
}

func TestModelDecidesSignalAndReach(t *testing.T) {
	r := newRig(t, 3, Config{Model: deafModel{deaf: [2]RadioID{0, 2}}})
	b := r.step(t, frameEvent(vw(0), frame(fcAuth, 0, vw(1), vw(0), vw(1)), 1))
	require.Len(t, b.Deliveries, 1)
	assert.Equal(t, vw(1), b.Deliveries[0].Receiver)
	assert.Equal(t, int32(-70), b.Deliveries[0].Signal, "the model's signal at vw1")
	assert.Equal(t, int32(-70), b.Statuses[0].Signal, "ack signal is the receiver's")

	info := r.m.Radios()
	require.Len(t, info[0].Links, 2)
	assert.Equal(t, Link{To: "vw1", LinkStats: LinkStats{Frames: 1, Bytes: uint64(len(b.Deliveries[0].Data))}}, info[0].Links[0])
	assert.Equal(t, Link{To: "vw2", LinkStats: LinkStats{Lost: 1}}, info[0].Links[1])
	assert.Equal(t, uint64(1), info[0].Stats.Acked)
	assert.Equal(t, uint64(1), r.m.Status().Stats.Frames)
}

func BenchmarkRoute(b *testing.B) {
	for _, n := range []int{2, 10, 100} {
		b.Run(string(rune('0'+n/100))+string(rune('0'+n/10%10))+string(rune('0'+n%10))+"radios", func(b *testing.B) {
			m := New(Config{})
			for k := range n {
				m.AddRadio(RadioConfig{HWAddr: mac.Addr{0, 0x76, 0x77, 0x30, byte(k >> 8), byte(k)}})
			}
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
				m.mu.Unlock()
			}
		})
	}
}

// discard is a Conn that drops everything, to measure the decision alone.
type discard struct{}

func (discard) Receive(context.Context, []hwsim.Event) (int, error) { return 0, nil }
func (discard) Deliver(d *hwsim.Delivery) hwsim.Ticket {
	if d.Answer {
		return 1
	}
	return 0
}
func (discard) Sync()                         {}
func (discard) Delivered(t hwsim.Ticket) bool { return t != 0 }
func (discard) Status(*hwsim.TxStatus)        {}
func (discard) Flush() error                  { return nil }

// ibssBeacon builds an IBSS beacon (capability IBSS) with a timestamp.
func ibssBeacon(ta, bssid mac.Addr, ts uint64) []byte {
	b := []byte{fcBeacon, 0, 0, 0}
	b = append(b, mac.Broadcast[:]...)
	b = append(b, ta[:]...)
	b = append(b, bssid[:]...)
	b = append(b, 0x10, 0)
	for i := range 8 {
		b = append(b, byte(ts>>(8*i)))
	}
	b = append(b, 0x64, 0, 0x02, 0) // interval, capability IBSS
	return append(b, 0, 5, 'i', 'b', 's', 's', '1')
}

func TestIBSSBeaconsCarryPerRadioClocks(t *testing.T) {
	r := newRig(t, 3, Config{})
	const ts = 5_000_000_000
	cell := mac.Addr{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	b := r.step(t, frameEvent(vw(1), ibssBeacon(vw(1), cell, ts), 1))
	require.Len(t, b.Deliveries, 2)
	got := map[mac.Addr]uint64{}
	for _, d := range b.Deliveries {
		v, ok := mac.Timestamp(d.Data)
		require.True(t, ok)
		got[d.Receiver] = v
	}
	// Radio 1 is one step ahead of radio 0 and one behind radio 2: radio
	// 0 sees a later timestamp than its clock (and merges), radio 2 an
	// earlier one (and keeps its cell).
	assert.Equal(t, uint64(ts+tsfStep), got[vw(0)])
	assert.Equal(t, uint64(ts-tsfStep), got[vw(2)])

	// Infrastructure beacons are left alone.
	b = r.step(t, frameEvent(vw(1), beacon(vw(1)), 2))
	for _, d := range b.Deliveries {
		assert.Equal(t, beacon(vw(1)), d.Data)
	}
}

func TestWarnsOnceAboutIBSSBSSIDEqualToOwnAddress(t *testing.T) {
	var logs safeBuffer
	r := newRig(t, 2, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r.step(t, frameEvent(vw(1), ibssBeacon(vw(1), vw(1), 1), 1))
	r.step(t, frameEvent(vw(1), ibssBeacon(vw(1), vw(1), 2), 2))
	r.step(t, frameEvent(vw(0), ibssBeacon(vw(0), vw(1), 3), 3)) // the other node, same cell: fine
	assert.Equal(t, 1, strings.Count(logs.String(), "IBSS BSSID equals"), logs.String())
	assert.Contains(t, logs.String(), "radio=vw1")
}

// safeBuffer is a bytes.Buffer safe for the medium's goroutine to write
// while the test reads.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSetDenylistReplacesAllOrNothing(t *testing.T) {
	r := newRig(t, 3, Config{})
	require.NoError(t, r.m.Deny(DenyRule{Dst: "vw2", Src: "vw1"}))
	require.NoError(t, r.m.SetDenylist(DenyRule{Dst: "vw0", Src: "vw_phy1"}))
	assert.Equal(t, []DenyRule{{Dst: "vw0", Src: "vw1"}}, r.m.Denylist())
	assert.ErrorIs(t, r.m.SetDenylist(DenyRule{Dst: "vw1", Src: "vw0"}, DenyRule{Dst: "vw1", Src: "vw8"}), ErrUnknownRadio)
	assert.Equal(t, []DenyRule{{Dst: "vw0", Src: "vw1"}}, r.m.Denylist())
	// The replaced rule no longer applies on the frame path.
	b := r.step(t, frameEvent(vw(0), apToSTA(vw(0), vw(2), vw(1)), 1))
	assert.ElementsMatch(t, []mac.Addr{vw(1), vw(2)}, receivers(b))
}

// rateLoss loses every try at the rates in lose, and frames to overhearers
// with probability overhear.
type rateLoss struct {
	lose     map[int8]bool
	overhear float64
}

var _ LossModel = rateLoss{}

func (rateLoss) Hear(_, _ *Peer, _ uint32) (int32, bool) { return -60, true }
func (l rateLoss) PER(_, rx *Peer, _ uint32, _ int32, rate hwsim.TxRate, _ int) float64 {
	if rx.ID != 1 {
		return l.overhear
	}
	if l.lose[rate.Idx] {
		return 1
	}
	return 0
}

func TestLossModelWalksTheRetryChain(t *testing.T) {
	unicast := frame(fcAuth, 0, vw(1), vw(0), vw(1))
	// minstrel_ht's chain with ieee80211n=1: MCS 15 (2 streams, 40 MHz,
	// short GI, 300 Mbit/s), MCS 7 (65 Mbit/s), then 1 Mbit/s.
	ht := mac.TxRcMCS | mac.TxRc40MHz | mac.TxRcShortGI
	mcsChain := [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 15, Count: 2, Flags: ht}, {Idx: 7, Count: 2, Flags: mac.TxRcMCS}, {Idx: 0, Count: 3}, {Idx: -1}}
	for _, tc := range []struct {
		name string
		// rates is the frame's chain; the zero value means chain.
		rates     [hwsim.MaxTxRates]hwsim.TxRate
		lose      map[int8]bool
		overhear  float64
		want      []mac.Addr
		wantRate  uint32
		wantAck   bool
		wantRates [hwsim.MaxTxRates]hwsim.TxRate
	}{
		{
			// RX_RATE must index the 2.4 GHz legacy table (12 rates):
			// MCS 15 arrives as 54 Mbit/s, index 11.
			name: "MCS chain: first try gets through", rates: mcsChain, want: []mac.Addr{vw(1), vw(2)}, wantRate: 11, wantAck: true,
			wantRates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 15, Count: 1, Flags: ht}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
		},
		{
			name: "MCS chain: falls back to legacy 1 Mbit/s", rates: mcsChain, lose: map[int8]bool{15: true, 7: true}, want: []mac.Addr{vw(1), vw(2)}, wantRate: 0, wantAck: true,
			wantRates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 15, Count: 2, Flags: ht}, {Idx: 7, Count: 2, Flags: mac.TxRcMCS}, {Idx: 0, Count: 1}, {Idx: -1}},
		},
		{
			name: "first try gets through", lose: nil, want: []mac.Addr{vw(1), vw(2)}, wantRate: 3, wantAck: true,
			wantRates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 3, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
		},
		{
			name: "falls back to a lower rate", lose: map[int8]bool{3: true}, want: []mac.Addr{vw(1), vw(2)}, wantRate: 1, wantAck: true,
			wantRates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 3, Count: 2}, {Idx: 1, Count: 1}, {Idx: -1}, {Idx: -1}},
		},
		{
			name: "every try lost", lose: map[int8]bool{3: true, 1: true, 0: true}, overhear: 1, want: nil, wantAck: false,
			wantRates: chain,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 3, Config{Model: rateLoss{lose: tc.lose, overhear: tc.overhear}})
			ev := frameEvent(vw(0), unicast, 1)
			if tc.rates[0].Count != 0 {
				ev.Frame.Rates = tc.rates
			}
			b := r.step(t, ev)
			assert.ElementsMatch(t, tc.want, receivers(b))
			for _, d := range b.Deliveries {
				if d.Receiver == vw(1) {
					assert.Equal(t, tc.wantRate, d.RxRate)
				}
				assert.Less(t, int(d.RxRate), len(mac.Rates(2437)), "RX_RATE within the band's legacy table")
			}
			assert.Equal(t, tc.wantAck, b.Statuses[0].Flags&hwsim.TxStatAck != 0)
			assert.Equal(t, tc.wantRates, b.Statuses[0].Rates)
		})
	}
}

func TestLossModelDrawsAreSeeded(t *testing.T) {
	// Overhearers lose half the frames; the seeded source makes the count
	// repeatable and near half.
	count := func() int {
		r := newRig(t, 3, Config{Model: rateLoss{overhear: 0.5}, Rand: rand.New(rand.NewPCG(1, 2))})
		n := 0
		for i := range 400 {
			b := r.step(t, frameEvent(vw(0), beacon(vw(0)), uint64(i)))
			n += len(b.Deliveries)
		}
		return n
	}
	a, b := count(), count()
	assert.Equal(t, a, b)
	// 400 to vw1 (never lost) + about 200 of 400 to vw2.
	assert.InDelta(t, 600, a, 40)
}
