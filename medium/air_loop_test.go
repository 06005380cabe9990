package medium

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
)

// BenchmarkAirLoop runs the airtime mode as hwsim-medium does, on the
// system's clock with its goroutines and timer, over the in-memory fake
// kernel: one radio keeps a few 1400-byte unicast frames (802.11b, 11
// Mbit/s, as hostapd's default) queued to another, as a TCP sender does.
// ns/op is the wall time per frame, bounded by the simulated air (about
// 1.6 ms a frame with DIFS, backoff and the ACK); cpu-us/frame is the
// process's CPU time per frame (user and system), the cost under TCG is
// about that times the emulation's slow-down.
func BenchmarkAirLoop(b *testing.B) {
	m := New(Config{Timing: TimingAirtime})
	for k := range byte(2) {
		m.AddRadio(RadioConfig{Name: "vw_phy" + string(rune('0'+k)), Iface: "vw" + string(rune('0'+k)), HWAddr: vw(k)})
	}
	conn := hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, conn) }()
	const window = 4 // frames queued at the radio at once
	frame := func(cookie uint64) hwsim.Event {
		return airFrameEvent(0, 1, 1400, 2437, cookie, hwsim.TxRate{Idx: 3, Count: 4})
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	b.ResetTimer()
	sent, statuses := 0, 0
	for ; sent < min(window, b.N); sent++ {
		conn.Send(frame(uint64(sent)))
	}
	deadline := time.After(time.Duration(b.N)*10*time.Millisecond + 10*time.Second)
	for statuses < b.N {
		select {
		case batch := <-conn.Flushed:
			for range batch.Statuses {
				statuses++
				if sent < b.N {
					conn.Send(frame(uint64(sent)))
					sent++
				}
			}
		case <-deadline:
			b.Fatalf("%d of %d TX statuses", statuses, b.N)
		}
	}
	b.StopTimer()
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/frame")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
