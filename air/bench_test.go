package air

import (
	"fmt"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
)

// BenchmarkRoundTrip is one unicast frame from a radio of member a to a
// radio of member b and its answer back, one at a time, over an embedded
// server on loopback: the latency the bus adds to a frame whose addressee
// another member serves (the TX status waits for the answer).
func BenchmarkRoundTrip(b *testing.B) {
	s := busServer(b)
	stop := drainer(b)
	a := runMember(b, s.ClientURL(), "a", 0)
	m := runMember(b, s.ClientURL(), "b", 1)
	stop(m.conn)
	knows(b, a.m, "vw1", "b")
	knows(b, m.m, "vw0", "a")
	b.ResetTimer()
	for i := range b.N {
		a.conn.Send(frameFrom(seedAddr(0), seedAddr(1), uint64(i)))
		for {
			if st := nextBatch(b, a.conn).Statuses; len(st) > 0 {
				if st[0].Flags&hwsim.TxStatAck == 0 {
					b.Fatal("not acked")
				}
				break
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/frame")
}

// BenchmarkFanout is beacons of one member's radio reaching every other
// member's radio: how many frame deliveries per second one embedded
// server and this machine carry, by number of members.
func BenchmarkFanout(b *testing.B) {
	for _, members := range []int{2, 4, 8, 16} {
		b.Run(fmt.Sprintf("members=%d", members), func(b *testing.B) {
			s := busServer(b)
			drain := drainer(b)
			src := runMember(b, s.ClientURL(), "m0", 0)
			drain(src.conn)
			var others []*testMember
			for k := 1; k < members; k++ {
				others = append(others, runMember(b, s.ClientURL(), fmt.Sprintf("m%d", k), byte(k)))
			}
			for _, o := range others {
				knows(b, o.m, "vw0", "m0")
			}
			b.ResetTimer()
			for i := range b.N {
				src.conn.Send(frameFrom(seedAddr(0), [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uint64(i)))
			}
			deadline := time.Now().Add(time.Minute)
			for _, o := range others {
				for got := 0; got < b.N; {
					if time.Now().After(deadline) {
						b.Fatalf("a member got %d of %d beacons", got, b.N)
					}
					got += len(nextBatch(b, o.conn).Deliveries)
				}
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)/secs, "frames/s")
			b.ReportMetric(float64(b.N*(members-1))/secs, "deliveries/s")
		})
	}
}

// drainer returns a function that reads and drops what a member's fake
// kernel connection is sent, until the benchmark's end: a Flush blocks
// once 16 batches are unread. Call it before runMember, so that the
// draining outlasts the members.
func drainer(b *testing.B) func(c *hwsimtest.Conn) {
	done := make(chan struct{})
	b.Cleanup(func() { close(done) })
	return func(c *hwsimtest.Conn) {
		go func() {
			for {
				select {
				case <-c.Flushed:
				case <-done:
					return
				}
			}
		}()
	}
}
