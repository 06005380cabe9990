package medium

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// fuzzReader hands out the fuzzer's bytes, zeros once they run out.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) bytes(n int) []byte {
	n = min(n, len(r.b))
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// fuzzAddr picks an address: one of the radios', one of their interfaces',
// broadcast, or one nobody has.
func (r *fuzzReader) addr(radios int) mac.Addr {
	c := r.byte()
	switch k := int(c & 0x0f); {
	case c>>4 == 0 && k < radios:
		return vw(byte(k))
	case c>>4 == 1:
		return mac.Broadcast
	case c>>4 == 2:
		return mac.Addr{0x02, 0, 0, 0, byte(k), 1}
	}
	var a mac.Addr
	copy(a[:], r.bytes(6))
	return a
}

// FuzzRoute sends random frames (random headers and bodies, from radios
// and from transmitters nobody announced), address events and denylist and
// block changes through a medium over the in-memory kernel. Every frame
// gets exactly one TX status, to its transmitter, a unicast frame is
// acked only after a delivery to its addressee, and the counters add up.
func FuzzRoute(f *testing.F) {
	f.Add([]byte{3, 0, 0x08, 0x01, 0x01, 0x00, 0x02, 0x09, 0x10, 0x20})
	f.Add([]byte{4, 1, 0x80, 0x00, 0x10, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09})
	f.Add([]byte{2, 5, 1, 0x01, 0x22, 6, 0, 0x08, 0x02, 0x01, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &fuzzReader{b: b}
		n := int(r.byte()%6) + 1
		cfg := Config{Rand: rand.New(rand.NewPCG(1, 2))}
		if r.byte()&1 == 1 {
			cfg.Model = fuzzLoss{}
		}
		m := New(cfg)
		for k := range n {
			m.AddRadio(RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: vw(byte(k))})
		}
		conn := hwsimtest.NewConn()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx, conn) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}()

		var cookie uint64
		frames := 0
		for batches := 0; len(r.b) > 0 && batches < 16; batches++ {
			var evs []hwsim.Event
			sent := map[uint64]hwsim.Frame{}
			for len(r.b) > 0 && len(evs) < 8 {
				switch op := r.byte() % 8; op {
				case 0, 1, 2, 3, 4:
					cookie++
					fr := hwsim.Frame{Transmitter: r.addr(n), Flags: uint32(r.byte() & 3), Cookie: cookie, Freq: 2412 + 5*uint32(r.byte()%3)}
					for i := range fr.Rates {
						fr.Rates[i] = hwsim.TxRate{Idx: int8(r.byte()%8) - 1, Count: r.byte() % 4}
					}
					fr.Data = append([]byte(nil), r.bytes(int(r.byte()%64))...)
					evs = append(evs, hwsim.Event{Kind: hwsim.EventFrame, Frame: fr})
					sent[cookie] = fr
				case 5:
					evs = append(evs, hwsim.Event{Kind: hwsim.EventAddMAC, Radio: r.addr(n), Addr: r.addr(n)})
				case 6:
					evs = append(evs, hwsim.Event{Kind: hwsim.EventDelMAC, Radio: r.addr(n), Addr: r.addr(n)})
				case 7:
					// Changes from the control API, between batches.
					a, c := "vw"+string(rune('0'+r.byte()%8)), "vw"+string(rune('0'+r.byte()%8))
					switch r.byte() % 3 {
					case 0:
						_ = m.Deny(DenyRule{Dst: a, Src: c})
					case 1:
						_ = m.Block(a, c, true)
					case 2:
						m.ClearDenylist()
					}
				}
			}
			if len(evs) == 0 {
				continue
			}
			conn.Send(evs...)
			got := map[uint64]int{}
			for len(got) < len(sent) {
				var batch hwsimtest.Batch
				select {
				case batch = <-conn.Flushed:
				case <-time.After(5 * time.Second):
					t.Fatalf("no TX status for %d of %d frames", len(sent)-len(got), len(sent))
				}
				answers, acked := 0, 0
				for _, d := range batch.Deliveries {
					if d.Receiver == (mac.Addr{}) {
						t.Fatal("a delivery to nobody")
					}
					if d.Answer {
						answers++
					}
				}
				for _, st := range batch.Statuses {
					fr, ok := sent[st.Cookie]
					if !ok {
						t.Fatalf("a TX status for cookie %d, which was not sent in this batch", st.Cookie)
					}
					if got[st.Cookie]++; got[st.Cookie] > 1 {
						t.Fatalf("two TX statuses for cookie %d", st.Cookie)
					}
					if st.Transmitter != fr.Transmitter {
						t.Fatalf("status of %d goes to %s, sent by %s", st.Cookie, st.Transmitter, fr.Transmitter)
					}
					h, err := mac.Parse(fr.Data)
					if err != nil && st.Flags&hwsim.TxStatAck != 0 {
						t.Fatalf("frame %d does not parse (%v) and is acked", st.Cookie, err)
					}
					// No-ack frames are reported acked, as the kernel does;
					// a unicast frame only after its addressee took it.
					if err == nil && !h.IsGroupAddressed() && fr.Flags&hwsim.TxCtlNoAck == 0 && st.Flags&hwsim.TxStatAck != 0 {
						acked++
					}
				}
				if acked > answers {
					t.Fatalf("%d unicast frames acked, %d deliveries to addressees", acked, answers)
				}
			}
			frames += len(sent)
		}
		st := m.Status()
		if st.Stats.Frames != uint64(frames) {
			t.Fatalf("the medium counted %d frames, %d were sent", st.Stats.Frames, frames)
		}
		if st.Stats.Malformed > st.Stats.Frames {
			t.Fatalf("%d malformed of %d frames", st.Stats.Malformed, st.Stats.Frames)
		}
		var tx, rx, linked uint64
		for _, ri := range m.Radios() {
			tx += ri.Stats.TxFrames
			rx += ri.Stats.RxFrames
			for _, l := range ri.Links {
				linked += l.Frames
			}
		}
		if tx > st.Stats.Frames || rx != linked {
			t.Fatalf("counters do not add up: %d frames, %d sent by radios, %d received, %d over links", st.Stats.Frames, tx, rx, linked)
		}
	})
}

// fuzzLoss loses frames by their rate and signal, deterministically given
// the medium's seeded draws.
type fuzzLoss struct{}

func (fuzzLoss) Hear(tx, rx *Peer, _ uint32) (int32, bool) {
	s := -40 - 5*int32((tx.ID+2*rx.ID)%8)
	return s, s > -70
}

func (fuzzLoss) PER(_, _ *Peer, _ uint32, signal int32, rate hwsim.TxRate, n int) float64 {
	return min(1, float64(int(rate.Idx)+n%7)/10+float64(-signal-40)/100)
}
