package mac

import (
	"testing"
	"time"
)

func TestRateTables(t *testing.T) {
	// hwsim_rates[] in mac80211_hwsim.c, in 100 kbit/s units there.
	all := []int{10, 20, 55, 110, 60, 90, 120, 180, 240, 360, 480, 540}
	for i, r := range all {
		kbps, ok := Rate(2412, int8(i))
		if !ok || kbps != r*100 {
			t.Errorf("2.4 GHz idx %d = %d, %v; want %d", i, kbps, ok, r*100)
		}
	}
	if _, ok := Rate(2412, 12); ok {
		t.Error("2.4 GHz idx 12 should not exist")
	}
	// 5 GHz and 6 GHz: hwsim_rates + 4.
	for _, f := range []uint32{5180, 5825, 5955, 6115} {
		for i, r := range all[4:] {
			kbps, ok := Rate(f, int8(i))
			if !ok || kbps != r*100 {
				t.Errorf("%d MHz idx %d = %d, %v; want %d", f, i, kbps, ok, r*100)
			}
		}
		if _, ok := Rate(f, 8); ok {
			t.Errorf("%d MHz idx 8 should not exist", f)
		}
	}
	if _, ok := Rate(2412, -1); ok {
		t.Error("idx -1 should not exist")
	}
	// Unknown channel is taken as 2.4 GHz.
	if kbps, _ := Rate(0, 0); kbps != 1000 {
		t.Errorf("freq 0 idx 0 = %d, want 1000", kbps)
	}
}

func TestModulation(t *testing.T) {
	tests := []struct {
		freq uint32
		idx  int8
		mod  Modulation
		code [2]int
		dbps int
	}{
		{2412, 0, ModDBPSK, [2]int{}, 0},
		{2412, 1, ModDQPSK, [2]int{}, 0},
		{2412, 2, ModCCK55, [2]int{}, 0},
		{2412, 3, ModCCK11, [2]int{}, 0},
		{2412, 4, ModBPSK, [2]int{1, 2}, 24},
		{5180, 0, ModBPSK, [2]int{1, 2}, 24},
		{5180, 1, ModBPSK, [2]int{3, 4}, 36},
		{5180, 2, ModQPSK, [2]int{1, 2}, 48},
		{5180, 3, ModQPSK, [2]int{3, 4}, 72},
		{5180, 4, ModQAM16, [2]int{1, 2}, 96},
		{5180, 5, ModQAM16, [2]int{3, 4}, 144},
		{5180, 6, ModQAM64, [2]int{2, 3}, 192},
		{5180, 7, ModQAM64, [2]int{3, 4}, 216},
	}
	for _, tt := range tests {
		r, ok := RateInfo(tt.freq, tt.idx)
		if !ok || r.Mod != tt.mod || r.CodeNum != tt.code[0] || r.CodeDen != tt.code[1] || r.DBPS != tt.dbps {
			t.Errorf("RateInfo(%d, %d) = %+v, %v", tt.freq, tt.idx, r, ok)
		}
		// N_DBPS = rate × 4 µs.
		if r.DBPS != 0 && r.DBPS != r.Kbps*4/1000 {
			t.Errorf("RateInfo(%d, %d): N_DBPS %d != rate·4µs", tt.freq, tt.idx, r.DBPS)
		}
		if r.Mod.OFDM() == r.Mod.DSSS() {
			t.Errorf("%v: OFDM and DSSS both %v", r.Mod, r.Mod.OFDM())
		}
	}
	if ModQAM64.String() != "64-QAM" || Modulation(200).String() != "unknown" {
		t.Error("Modulation.String")
	}
}

func TestAirtime(t *testing.T) {
	us := time.Microsecond
	tests := []struct {
		name string
		freq uint32
		idx  int8
		n    int
		want time.Duration
	}{
		// DSSS long preamble: 192 + ⌈8n/R⌉.
		{"1M ack", 2412, 0, 14, (192 + 112) * us},
		{"1M 1500", 2412, 0, 1500, (192 + 12000) * us},
		{"2M 1500", 2412, 1, 1500, (192 + 6000) * us},
		{"5.5M 100", 2412, 2, 100, (192 + 146) * us},   // 800/5.5 = 145.45
		{"11M 1500", 2412, 3, 1500, (192 + 1091) * us}, // 12000/11 = 1090.9
		{"11M 0", 2412, 3, 0, 192 * us},
		// OFDM 5 GHz: 20 + 4·⌈(22+8n)/N_DBPS⌉.
		{"6M ack 5G", 5180, 0, 14, (20 + 4*6) * us},       // 134/24 = 5.58
		{"54M 1500 5G", 5180, 7, 1500, (20 + 4*56) * us},  // 12022/216 = 55.66
		{"24M 1500 5G", 5180, 4, 1500, (20 + 4*126) * us}, // 12022/96 = 125.2
		{"48M 0 5G", 5180, 6, 0, (20 + 4*1) * us},
		// ERP-OFDM 2.4 GHz adds the 6 µs signal extension.
		{"6M ack 2.4G", 2412, 4, 14, (20 + 4*6 + 6) * us},
		{"54M 1500 2.4G", 2437, 11, 1500, (20 + 4*56 + 6) * us},
		{"bad idx", 5180, 8, 100, 0},
		{"neg idx", 2412, -1, 100, 0},
	}
	for _, tt := range tests {
		if got := Airtime(tt.freq, tt.idx, tt.n); got != tt.want {
			t.Errorf("%s: Airtime(%d, %d, %d) = %v, want %v", tt.name, tt.freq, tt.idx, tt.n, got, tt.want)
		}
	}
}

func BenchmarkAirtime(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = Airtime(5180, int8(i&7), 1500)
	}
}
