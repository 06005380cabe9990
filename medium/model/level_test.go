package model

import (
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
	"github.com/hwsim-medium/hwsim-medium/medium"
)

// TestLevelIsWhatHearReports: the level of a link is the signal the
// per-frame path gives its frames (no fading here), plus the overrides.
func TestLevelIsWhatHearReports(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Propagation.Model = PropFreeSpace
	for i, x := range []float64{0, 30, 4000, 100} {
		r := NewRadio()
		r.Name, r.Placed, r.X = "vw"+string(rune('0'+i)), true, x
		cfg.Radios = append(cfg.Radios, r)
	}
	loss := 0.25
	cfg.Links = []Link{{From: "vw0", To: "vw1", Loss: &loss}, {From: "vw1", To: "vw0", Blocked: true}}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := peers(4)
	for _, tc := range []struct {
		name           string
		tx, rx         int
		heard, blocked bool
		hasLoss        bool
	}{
		{name: "near, with a loss override", tx: 0, rx: 1, heard: true, hasLoss: true},
		{name: "blocked by the model", tx: 1, rx: 0, blocked: true},
		{name: "out of range", tx: 0, rx: 2},
		{name: "in range", tx: 1, rx: 3, heard: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := m.Level(*p[tc.tx], *p[tc.rx], 2412)
			if !ok {
				t.Fatal("radios not found")
			}
			sig, heard := m.Hear(p[tc.tx], p[tc.rx], 2412)
			if l.Heard != heard || l.Heard != tc.heard {
				t.Errorf("Level heard %v, Hear heard %v, want %v", l.Heard, heard, tc.heard)
			}
			if l.Blocked != tc.blocked || l.HasLoss != tc.hasLoss {
				t.Errorf("blocked %v, has loss %v; want %v, %v", l.Blocked, l.HasLoss, tc.blocked, tc.hasLoss)
			}
			if heard && clampSignal(l.Signal) != sig {
				t.Errorf("Level signal %.1f dBm, Hear %d dBm", l.Signal, sig)
			}
			if !l.Blocked && l.Signal-l.SNR != DefaultNoiseFloor {
				t.Errorf("signal %.1f - SNR %.1f is not the noise floor", l.Signal, l.SNR)
			}
		})
	}
	if l, _ := m.Level(*p[0], *p[1], 2412); l.Loss != 0.25 {
		t.Errorf("loss %v, want the override 0.25", l.Loss)
	}
	if err := m.SetLinkSNR("vw2", "vw0", 12); err != nil {
		t.Fatal(err)
	}
	if l, _ := m.Level(*p[2], *p[0], 0); !l.FixedSNR || l.SNR != 12 || !l.Heard {
		t.Errorf("fixed SNR: got %+v", l)
	}
	stranger := medium.Peer{ID: 9, HW: mac.Addr{2, 0, 0, 0, 0, 9}, Name: "elsewhere"}
	if _, ok := m.Level(*p[0], stranger, 2412); ok {
		t.Error("a radio the model does not know has a level")
	}
	if _, ok := m.Level(*p[0], *p[0], 2412); ok {
		t.Error("a radio has a level to itself")
	}
}
