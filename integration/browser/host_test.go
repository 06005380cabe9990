//go:build browser

package browser

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/hwsim/hwsimtest"
	"github.com/hwsim-medium/hwsim-medium/mac"
	mdm "github.com/hwsim-medium/hwsim-medium/medium"
	"github.com/hwsim-medium/hwsim-medium/medium/control"
	"github.com/hwsim-medium/hwsim-medium/medium/model"
	"github.com/hwsim-medium/hwsim-medium/medium/watch"
)

// TestLiveViewHost works the page of a medium that runs on the host with
// the in-memory kernel connection, a real link model and frames that look
// like the seed's: vw0 an access point on channel 6 with vw1 and vw2
// pinging through it, vw3 and vw4 an IBSS on channel 1.
func TestLiveViewHost(t *testing.T) {
	cfg, err := model.LoadConfig("../../docs/watch-five.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mdl, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := mdm.New(mdm.Config{Model: mdl})
	for k := range byte(5) {
		m.AddRadio(mdm.RadioConfig{Name: "vw_phy" + string('0'+k), Iface: "vw" + string('0'+k), HWAddr: vw(k)})
	}
	conn := hwsimtest.NewConn()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go m.Run(ctx, conn)
	go func() { // what the kernel would do with the batches: drop them
		for {
			select {
			case <-conn.Flushed:
			case <-ctx.Done():
				return
			}
		}
	}()
	go seedTraffic(ctx, conn)

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := &control.Server{Medium: m, Model: mdl, Log: log}
	w, err := watch.New(watch.Config{Medium: m, Control: srv, Levels: mdl, Log: log, Interval: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(w)
	t.Cleanup(hs.Close)

	checkLiveView(t, newBrowser(t), medium{base: hs.URL}, "vw1>vw0", screenshotPath("WATCH_SCREENSHOT_HOST"))
}

func vw(k byte) mac.Addr { return mac.Addr{0x00, 0x76, 0x77, 0x30 + k, 0, 0} }

// seedTraffic sends the frames of the seed's scenario until ctx ends.
func seedTraffic(ctx context.Context, conn *hwsimtest.Conn) {
	ibss := mac.Addr{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}
	const ch1, ch6 = 2412, 2437
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for n := uint64(0); ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		evs := []hwsim.Event{
			// Pings vw1 -> vw2 through the AP, and the replies.
			frameEv(vw(1), ch6, data(0x01, vw(0), vw(1), vw(2), 98), n),
			frameEv(vw(0), ch6, data(0x02, vw(2), vw(0), vw(1), 98), n),
			frameEv(vw(2), ch6, data(0x01, vw(0), vw(2), vw(1), 98), n),
			frameEv(vw(0), ch6, data(0x02, vw(1), vw(0), vw(2), 98), n),
			// IBSS pings.
			frameEv(vw(3), ch1, data(0, vw(4), vw(3), ibss, 98), n),
			frameEv(vw(4), ch1, data(0, vw(3), vw(4), ibss, 98), n),
		}
		if n%2 == 0 {
			evs = append(evs, frameEv(vw(0), ch6, beacon(vw(0), uint16(mac.CapESS)), n), frameEv(vw(3+byte(n/2%2)), ch1, beacon(ibss, uint16(mac.CapIBSS)), n))
		}
		conn.Send(evs...)
	}
}

func frameEv(tx mac.Addr, freq uint32, b []byte, cookie uint64) hwsim.Event {
	rates := [hwsim.MaxTxRates]hwsim.TxRate{{Idx: 0, Count: 2}, {Idx: -1}, {Idx: -1}, {Idx: -1}}
	return hwsim.Event{Kind: hwsim.EventFrame, Frame: hwsim.Frame{Transmitter: tx, Data: b, Freq: freq, Rates: rates, Cookie: cookie, Flags: hwsim.TxCtlReqTxStatus}}
}

// data is a data frame with DS bits ds and n bytes of body.
func data(ds byte, a1, a2, a3 mac.Addr, n int) []byte {
	b := []byte{0x08, ds, 0, 0}
	b = append(b, a1[:]...)
	b = append(b, a2[:]...)
	b = append(b, a3[:]...)
	b = append(b, 0x10, 0)
	return append(b, make([]byte, n)...)
}

// beacon is a beacon for bssid with capability capab.
func beacon(bssid mac.Addr, capab uint16) []byte {
	b := []byte{0x80, 0, 0, 0}
	b = append(b, mac.Broadcast[:]...)
	b = append(b, bssid[:]...)
	b = append(b, bssid[:]...)
	b = append(b, 0x10, 0)
	b = append(b, make([]byte, 10)...)
	return append(b, byte(capab), byte(capab>>8), 0, 0)
}
