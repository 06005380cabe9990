package air

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// busServer is a bare embedded NATS server on a random loopback port.
func busServer(t testing.TB) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second), "the NATS server started")
	t.Cleanup(s.Shutdown)
	return s
}

func seedAddr(k byte) mac.Addr { return mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0} }

// testMember is a medium with radios, on the in-memory kernel fake, that
// is a member of an air.
type testMember struct {
	m    *medium.Medium
	mb   *Member
	conn *hwsimtest.Conn
	stop func() error
	// memberDone has Member.Run's result when it returns on its own.
	memberDone chan error
}

// runMember starts member name of air "lab" with radios vwK for each k.
func runMember(t testing.TB, url, name string, radios ...byte) *testMember {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	nc, err := Dial(ctx, DialConfig{URL: url, Member: name})
	require.NoError(t, err)
	mb, err := NewMember(MemberConfig{Air: "lab", Name: name, Conn: nc, HelloInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	m := medium.New(medium.Config{Bus: mb, HeldAckTimeout: time.Second})
	mb.Attach(m)
	for _, k := range radios {
		m.AddRadio(medium.RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: seedAddr(k), Owned: true})
	}
	conn := hwsimtest.NewConn()
	require.NoError(t, mb.Start(ctx))
	medDone, memDone := make(chan error, 1), make(chan error, 1)
	go func() { medDone <- m.Run(ctx, conn) }()
	go func() { memDone <- mb.Run(ctx) }()
	var stopped bool
	tm := &testMember{m: m, mb: mb, conn: conn, memberDone: memDone}
	tm.stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		var err error
		select {
		case err = <-memDone:
		default:
		}
		err = errors.Join(<-medDone, err)
		nc.Close()
		return err
	}
	t.Cleanup(func() { assert.NoError(t, tm.stop()) })
	return tm
}

// knows waits until m knows the radio called iface as member's.
func knows(t testing.TB, m *medium.Medium, iface, member string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, r := range m.Radios() {
			if r.Iface == iface && r.Member == member {
				return true
			}
		}
		return false
	}, 10*time.Second, 5*time.Millisecond, "%s of member %q is known", iface, member)
}

func gone(t *testing.T, m *medium.Medium, iface string) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, r := range m.Radios() {
			if r.Iface == iface {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond, "%s left the air", iface)
}

// nextBatch returns the next flushed batch with deliveries or statuses.
func nextBatch(t testing.TB, c *hwsimtest.Conn) hwsimtest.Batch {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case b := <-c.Flushed:
			if len(b.Deliveries)+len(b.Statuses) > 0 {
				return b
			}
		case <-deadline:
			t.Fatal("nothing was flushed")
		}
	}
}

func data(to, from mac.Addr) []byte {
	b := []byte{0xb0, 0, 0, 0} // authentication
	b = append(b, to[:]...)
	b = append(b, from[:]...)
	b = append(b, from[:]...)
	return append(b, 0x10, 0, 0, 0, 1, 0, 0, 0)
}

func frameFrom(tx, to mac.Addr, cookie uint64) hwsim.Event {
	return hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{
		Transmitter: tx, Data: data(to, tx), Flags: hwsim.TxCtlReqTxStatus, Cookie: cookie, Freq: 2412,
		Rates: [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 1}, {Idx: -1}, {Idx: -1}, {Idx: -1}},
	}}
}

func TestTwoMembersDeliverAndAckBothWays(t *testing.T) {
	s := busServer(t)
	a := runMember(t, s.ClientURL(), "a", 0)
	b := runMember(t, s.ClientURL(), "b", 1, 2)
	knows(t, a.m, "vw1", "b")
	knows(t, b.m, "vw0", "a")

	for _, tc := range []struct {
		name     string
		from, to *testMember
		tx, rx   byte
		others   []mac.Addr
	}{
		{"a to b", a, b, 0, 1, []mac.Addr{seedAddr(1), seedAddr(2)}},
		{"b to a", b, a, 2, 0, []mac.Addr{seedAddr(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.from.conn.Send(frameFrom(seedAddr(tc.tx), seedAddr(tc.rx), 77))
			got := nextBatch(t, tc.to.conn)
			var rx []mac.Addr
			for _, d := range got.Deliveries {
				rx = append(rx, d.Receiver)
			}
			assert.ElementsMatch(t, tc.others, rx)
			var st []hwsim.TxStatus
			for len(st) == 0 {
				st = nextBatch(t, tc.from.conn).Statuses
			}
			require.Len(t, st, 1)
			assert.Equal(t, uint64(77), st[0].Cookie)
			assert.NotZero(t, st[0].Flags&hwsim.TxStatAck, "acked: the addressee's member answered")
		})
	}
	assert.Zero(t, a.mb.Stats().BadMessages)
	assert.Equal(t, 1, a.mb.Stats().Members)
}

func TestMemberDeathAndReturn(t *testing.T) {
	s := busServer(t)
	a := runMember(t, s.ClientURL(), "a", 0)
	b := runMember(t, s.ClientURL(), "b", 1)
	knows(t, a.m, "vw1", "b")
	// A clean stop says so: b's radio leaves at once.
	require.NoError(t, b.stop())
	gone(t, a.m, "vw1")
	b = runMember(t, s.ClientURL(), "b", 1)
	knows(t, a.m, "vw1", "b")
	_ = b
}

func TestSilentMemberLeavesTheAir(t *testing.T) {
	s := busServer(t)
	a := runMember(t, s.ClientURL(), "a", 0)
	// A member that sends one heartbeat and dies without a word.
	nc, err := nats.Connect(s.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	require.NoError(t, nc.Publish(HelloSubject("lab", "ghost"), []byte(`{"version":1,"member":"ghost","started":1,"radios":[{"name":"vw_phy7","iface":"vw7","hw":"00:76:77:37:00:00"}]}`)))
	knows(t, a.m, "vw7", "ghost")
	gone(t, a.m, "vw7") // 3.5 heartbeats of 100 ms
}

func TestClashIsRefusedAndTheLaterMemberGivesWay(t *testing.T) {
	s := busServer(t)
	a := runMember(t, s.ClientURL(), "a", 0)
	nc, err := nats.Connect(s.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	// An older member claims a's radio.
	require.NoError(t, nc.Publish(HelloSubject("lab", "old"), []byte(`{"version":1,"member":"old","started":1,"radios":[{"name":"vw_phy0","iface":"vw0","hw":"00:76:77:30:00:00"}]}`)))
	select {
	case err = <-a.memberDone:
	case <-time.After(10 * time.Second):
		t.Fatal("a did not give way")
	}
	require.ErrorIs(t, err, ErrClash, "a gives way to the member that came first")
	assert.Contains(t, err.Error(), "member old claims radio vw_phy0")
	assert.Contains(t, err.Error(), "member a (this member)")
	assert.Equal(t, uint64(1), a.mb.Stats().Clashes)
}

func TestHostileMessagesAreDroppedAndCounted(t *testing.T) {
	s := busServer(t)
	a := runMember(t, s.ClientURL(), "a", 0)
	b := runMember(t, s.ClientURL(), "b", 1)
	knows(t, a.m, "vw1", "b")
	nc, err := nats.Connect(s.ClientURL())
	require.NoError(t, err)
	defer nc.Close()
	for _, msg := range []struct {
		subj string
		data []byte
	}{
		{FrameSubject("lab", "b"), []byte{1}},
		{FrameSubject("lab", "b"), []byte{9, 'F', 0, 0}},
		{AckSubject("lab", "a", "b"), []byte{1, 'A'}},
		{HelloSubject("lab", "b"), []byte(`{"version":1,"member":"c","started":1,"radios":[]}`)},
		{HelloSubject("lab", "b"), []byte(`not json`)},
	} {
		require.NoError(t, nc.Publish(msg.subj, msg.data))
	}
	// A well-formed frame from b's subject that says it is a's radio.
	forged := AppendFrame(nil, &medium.BusFrame{Transmitter: seedAddr(0), Freq: 2412, Data: data(seedAddr(1), seedAddr(0))})
	require.NoError(t, nc.Publish(FrameSubject("lab", "b"), forged))
	require.NoError(t, nc.Flush())
	require.Eventually(t, func() bool { return a.mb.Stats().BadMessages == 5 }, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return b.m.BusStats().Rejected == 0 && a.m.BusStats().Rejected == 1 }, 10*time.Second, 5*time.Millisecond,
		"the forged frame is rejected by the medium")
	knows(t, a.m, "vw1", "b")
}

// The server restarts: the members reconnect by themselves and frames flow
// again; meanwhile each member's own radios go on hearing each other, and
// the other member's radios stay in the air (nobody can hear anybody).
func TestMembersCarryOnWhenTheServerRestarts(t *testing.T) {
	opts := &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	s, err := server.NewServer(opts)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(10*time.Second))
	url := s.ClientURL()
	port := s.Addr().(*net.TCPAddr).Port
	a := runMember(t, url, "a", 0, 2)
	b := runMember(t, url, "b", 1)
	knows(t, a.m, "vw1", "b")
	knows(t, b.m, "vw0", "a")

	s.Shutdown()
	s.WaitForShutdown()
	require.Eventually(t, func() bool { return !a.mb.nc.IsConnected() }, 10*time.Second, 5*time.Millisecond)
	// The local air goes on: vw0's frame reaches vw2 at once.
	a.conn.Send(frameFrom(seedAddr(0), seedAddr(2), 1))
	got := nextBatch(t, a.conn)
	require.Len(t, got.Deliveries, 1)
	assert.Equal(t, seedAddr(2), got.Deliveries[0].Receiver)
	// Five heartbeats (100 ms) without a server: a member cut off hears
	// nobody, so nobody counts as silent.
	time.Sleep(500 * time.Millisecond)
	knows(t, a.m, "vw1", "b")

	opts.Port = port
	s2, err := server.NewServer(opts)
	require.NoError(t, err)
	go s2.Start()
	require.True(t, s2.ReadyForConnections(10*time.Second))
	t.Cleanup(s2.Shutdown)
	require.Eventually(t, func() bool { return a.mb.nc.IsConnected() && b.mb.nc.IsConnected() }, 20*time.Second, 10*time.Millisecond,
		"both members reconnected")
	// Frames cross the members again (the subscriptions came back with
	// the connections).
	require.Eventually(t, func() bool {
		a.conn.Send(frameFrom(seedAddr(0), seedAddr(1), 2))
		deadline := time.After(time.Second)
		for {
			select {
			case bt := <-b.conn.Flushed:
				if len(bt.Deliveries) > 0 {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}, 20*time.Second, 10*time.Millisecond, "a's frames reach b after the restart")
	knows(t, a.m, "vw1", "b")
}
