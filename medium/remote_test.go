package medium

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// memBus joins media in one process, as package air does over NATS: what
// one member publishes reaches every other, on a goroutine of the bus
// (the medium calls Publish with its lock held).
type memBus struct {
	mu      sync.Mutex
	members map[string]*Medium
	q       chan func()
	// dropAnswers loses every answer, as a bus that is away.
	dropAnswers bool
}

func newMemBus(t *testing.T) *memBus {
	b := &memBus{members: map[string]*Medium{}, q: make(chan func(), 1024)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case f := <-b.q:
				f()
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

// port is one member's side of the bus.
type port struct {
	b    *memBus
	name string
}

func (p *port) Publish(f *BusFrame) {
	c := *f
	c.Member, c.Data = p.name, slices.Clone(f.Data)
	p.b.q <- func() {
		p.b.mu.Lock()
		var to []*Medium
		for n, m := range p.b.members {
			if n != p.name {
				to = append(to, m)
			}
		}
		p.b.mu.Unlock()
		for _, m := range to {
			m.FromBus([]BusFrame{c})
		}
	}
}

func (p *port) Answer(member string, a *BusAck) {
	c := *a
	c.Member = p.name
	p.b.q <- func() {
		p.b.mu.Lock()
		m, drop := p.b.members[member], p.b.dropAnswers
		p.b.mu.Unlock()
		if m != nil && !drop {
			m.AckFromBus([]BusAck{c})
		}
	}
}

// member runs a medium with the given radios (by seed index) as member
// name of bus b.
func (b *memBus) member(t *testing.T, name string, cfg Config, radios ...byte) *rig {
	t.Helper()
	cfg.Bus = &port{b: b, name: name}
	m := New(cfg)
	for _, k := range radios {
		m.AddRadio(RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: vw(k), Owned: true})
	}
	b.mu.Lock()
	b.members[name] = m
	b.mu.Unlock()
	r := runRig(t, m, 0)
	require.Eventually(t, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.conn != nil
	}, 5*time.Second, time.Millisecond, "the medium runs: frames from the bus are routed")
	return r
}

// join tells every member of b which radios every other serves, as the
// heartbeats do.
func (b *memBus) join(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for n, m := range b.members {
		for o, other := range b.members {
			if o != n {
				require.Empty(t, other.SetMemberRadios(n, m.LocalRadios()))
			}
		}
	}
}

// waitBatch returns the next batch that carries a delivery or a status.
func waitBatch(t *testing.T, r *rig) hwsimtest.Batch {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case b := <-r.conn.Flushed:
			if len(b.Deliveries)+len(b.Statuses) > 0 {
				return b
			}
		case <-deadline:
			t.Fatal("nothing was flushed")
		}
	}
}

func TestFederatedFrameIsHeardAndAckedAcrossMembers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		refuse    bool // the addressee's kernel refuses the delivery
		noAnswers bool // the bus loses the answer
		wantAck   bool
	}{
		{name: "taken: acked", wantAck: true},
		{name: "refused: not acked", refuse: true},
		{name: "no answer: not acked after the timeout", noAnswers: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bus := newMemBus(t)
			bus.dropAnswers = tc.noAnswers
			a := bus.member(t, "a", Config{HeldAckTimeout: 50 * time.Millisecond}, 0)
			b := bus.member(t, "b", Config{}, 1, 2)
			bus.join(t)
			b.conn.Refuse(vw(1), tc.refuse)

			a.conn.Send(frameEvent(vw(0), frame(fcAuth, 0, vw(1), vw(0), vw(0)), 7))
			got := waitBatch(t, b)
			assert.ElementsMatch(t, []mac.Addr{vw(1), vw(2)}, receivers(got), "both of b's radios hear a's frame")
			for _, d := range got.Deliveries {
				assert.Equal(t, d.Receiver == vw(1), d.Answer, "only the addressee's delivery asks for an answer")
			}
			st := waitBatch(t, a)
			require.Len(t, st.Statuses, 1, "a reports the frame's status once the answer came")
			assert.Equal(t, uint64(7), st.Statuses[0].Cookie)
			assert.Equal(t, tc.wantAck, st.Statuses[0].Flags&hwsim.TxStatAck != 0)
			assert.Equal(t, firstTry, st.Statuses[0].Rates, "without a loss model: one try, as the kernel reports")

			bs := a.m.BusStats()
			assert.Equal(t, uint64(1), bs.FramesOut)
			if tc.noAnswers {
				assert.Equal(t, uint64(1), bs.AckTimeouts)
			} else {
				assert.Equal(t, uint64(1), bs.AcksIn)
				assert.Equal(t, uint64(1), b.m.BusStats().AcksOut)
			}
		})
	}
}

func TestFederatedGroupFrameIsNotHeld(t *testing.T) {
	bus := newMemBus(t)
	a := bus.member(t, "a", Config{}, 0, 3)
	b := bus.member(t, "b", Config{}, 1)
	bus.join(t)
	a.conn.Send(frameEvent(vw(0), beacon(vw(0)), 1))
	local := waitBatch(t, a)
	assert.Equal(t, []mac.Addr{vw(3)}, receivers(local))
	require.Len(t, local.Statuses, 1, "a beacon's status does not wait for anyone")
	assert.Equal(t, []mac.Addr{vw(1)}, receivers(waitBatch(t, b)))
}

func TestFederatedDenylistAppliesAtTheReceivingMember(t *testing.T) {
	bus := newMemBus(t)
	a := bus.member(t, "a", Config{}, 0)
	b := bus.member(t, "b", Config{}, 1, 2)
	bus.join(t)
	require.NoError(t, b.m.Deny(DenyRule{Dst: "vw2", Src: "vw0"}), "b knows a's radio by name")
	a.conn.Send(frameEvent(vw(0), beacon(vw(0)), 1))
	assert.Equal(t, []mac.Addr{vw(1)}, receivers(waitBatch(t, b)))
}

func TestFrameFromARadioItsMemberDoesNotServeIsDropped(t *testing.T) {
	bus := newMemBus(t)
	bus.member(t, "a", Config{}, 0)
	b := bus.member(t, "b", Config{}, 1)
	bus.join(t)
	// Member c says it sends as a's radio.
	b.m.FromBus([]BusFrame{
		{Member: "c", Transmitter: vw(0), Freq: 2437, Data: beacon(vw(0))},
		{Member: "a", Transmitter: vw(1), Freq: 2437, Data: beacon(vw(1))},
	})
	assert.Equal(t, uint64(2), b.m.BusStats().Rejected)
	assert.Zero(t, b.m.BusStats().FramesIn)
	// And an answer from a member that does not serve the addressee
	// settles nothing.
	b.m.AckFromBus([]BusAck{{Member: "c", Seq: 1, Acked: true}})
	assert.Equal(t, uint64(3), b.m.BusStats().Rejected)
}

func TestMemberRadiosClashJoinAndLeave(t *testing.T) {
	m := New(Config{})
	m.AddRadio(RadioConfig{Name: "vw_phy0", Iface: "vw0", HWAddr: vw(0), Owned: true})
	// Seen in the kernel (another namespace's medium serves it), never
	// heard from here; one of them under a guessed hwsim address.
	m.AddRadio(RadioConfig{Name: "vw_phy5", Iface: "vw5", HWAddr: vw(5)})
	m.AddRadio(RadioConfig{Name: "vw_phy6", HWAddr: mac.Addr{2, 0, 0, 0, 6, 0}, HWGuess: true})

	clashes := m.SetMemberRadios("b", []RemoteRadio{
		{Name: "vw_phy0", Iface: "vw0", HWAddr: mac.Addr{2, 0, 0, 0, 0, 9}},
		{Name: "vw_phy1", Iface: "vw1", HWAddr: vw(1), Addrs: []mac.Addr{{2, 1, 1, 1, 1, 1}}},
		{Name: "vw_phy5", Iface: "vw5", HWAddr: vw(5)},
		{Name: "vw_phy6", Iface: "vw6", HWAddr: vw(6)},
	})
	require.Len(t, clashes, 1)
	assert.Equal(t, Clash{Radio: RemoteRadio{Name: "vw_phy0", Iface: "vw0", HWAddr: mac.Addr{2, 0, 0, 0, 0, 9}}, Member: "b", Holder: "", HolderRadio: "vw_phy0"}, clashes[0])

	clashes = m.SetMemberRadios("c", []RemoteRadio{{Name: "vw_phy1", HWAddr: mac.Addr{2, 0, 0, 0, 0, 8}}})
	require.Len(t, clashes, 1)
	assert.Equal(t, "b", clashes[0].Holder, "the name is b's")

	members := map[string]string{}
	for _, r := range m.Radios() {
		members[r.Iface] = r.Member
	}
	assert.Equal(t, map[string]string{"vw0": "", "vw1": "b", "vw5": "b", "vw6": "b"}, members, "vw5 and vw6 were handed over")
	assert.Equal(t, []string{"vw_phy0"}, names(m.LocalRadios()), "the radios this member claims")

	m.mu.Lock()
	assert.Equal(t, 3, m.remotes)
	assert.Equal(t, "vw_phy1", m.byAddr[mac.Addr{2, 1, 1, 1, 1, 1}].Name, "b's interface address leads to its radio")
	m.mu.Unlock()

	assert.Empty(t, m.SetMemberRadios("b", nil), "b left")
	assert.Len(t, m.Radios(), 1)
	m.mu.Lock()
	assert.Zero(t, m.remotes)
	m.mu.Unlock()
}

func names(rs []RemoteRadio) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// A burst of frames from the bus is one lock, one Sync and one send: one
// batch at the fake kernel, every frame answered.
func TestFederatedBurstIsOneBatch(t *testing.T) {
	bus := newMemBus(t)
	bus.member(t, "a", Config{}, 0)
	b := bus.member(t, "b", Config{}, 1)
	bus.join(t)
	var burst []BusFrame
	for i := range 5 {
		burst = append(burst, BusFrame{Member: "a", Seq: uint64(i + 1), WantAck: true, Transmitter: vw(0), Freq: 2437,
			Rates: chain, Data: frame(fcAuth, 0, vw(1), vw(0), vw(0))})
	}
	b.m.FromBus(burst)
	got := waitBatch(t, b)
	assert.Len(t, got.Deliveries, 5, "the burst's deliveries in one send")
	assert.Equal(t, uint64(5), b.m.BusStats().AcksOut)
	assert.Equal(t, uint64(5), b.m.BusStats().FramesIn)
}
