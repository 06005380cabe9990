package tap

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// TestCaptureOfARunningMedium: a capture started on a running medium gets
// its transmissions, with the outcomes the medium decided, until stopped.
func TestCaptureOfARunningMedium(t *testing.T) {
	for _, timing := range []medium.Timing{medium.TimingFast, medium.TimingAirtime} {
		t.Run(timing.String(), func(t *testing.T) {
			m := medium.New(medium.Config{Timing: timing})
			vw := func(k byte) mac.Addr { return mac.Addr{0, 0x76, 0x77, 0x30 + k, 0, 0} }
			for k := range byte(3) {
				m.AddRadio(medium.RadioConfig{Name: "vw_phy" + string('0'+rune(k)), Iface: "vw" + string('0'+rune(k)), HWAddr: vw(k)})
			}
			require.NoError(t, m.Block("vw1", "vw2", true))
			conn := hwsimtest.NewConn()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Run(ctx, conn) }()
			defer func() {
				cancel()
				assert.NoError(t, <-done)
			}()

			h := New(m, nil)
			var b syncBuffer
			c, err := h.Start(&b, Options{Name: "test"})
			require.NoError(t, err)
			// vw1 sends an authentication frame to vw0.
			a0, a1 := vw(0), vw(1)
			data := []byte{0xb0, 0, 0, 0}
			data = append(data, a0[:]...)
			data = append(data, a1[:]...)
			data = append(data, a0[:]...)
			data = append(data, 0x10, 0, 0, 0, 1, 0, 0, 0)
			rates := [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 4, Count: 2}, {Idx: -1}, {Idx: -1}, {Idx: -1}}
			conn.Send(hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{Transmitter: vw(1), Data: data, Flags: hwsim.TxCtlReqTxStatus, Rates: rates, Cookie: 1, Freq: 2412}})
			waitStatus(t, conn)
			require.NoError(t, c.Stop(context.Background()))

			pkts, _ := readAll(t, b.Bytes())
			require.Len(t, pkts, 1)
			assert.Equal(t, []string{
				"tx vw1: acked (try 1)",
				"rx vw0: delivered, -50 dBm, 6 Mb/s, try 1, addressee",
				"rx vw2: blocked (link block)",
			}, pkts[0].comments)
			assert.Equal(t, data, pkts[0].data[len(pkts[0].data)-len(data):])
		})
	}
}

// waitStatus waits for a flushed batch with a TX status.
func waitStatus(t *testing.T, conn *hwsimtest.Conn) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case b := <-conn.Flushed:
			if len(b.Statuses) > 0 {
				return
			}
		case <-deadline:
			t.Fatal("no TX status")
		}
	}
}
