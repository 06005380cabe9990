package mac

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// vht builds mac80211's VHT chain index: (nss-1)<<4 | mcs.
func vht(mcs, nss int) int8 { return int8((nss-1)<<4 | mcs) }

func TestTxRateInfo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		idx   int8
		flags uint16
		kbps  int
		mod   Modulation
		code  [2]int
		nss   int
		width int
	}{
		// Data rates from the standard's MCS tables (Mbit/s × 1000).
		{"HT MCS0 20", 0, TxRcMCS, 6500, ModBPSK, [2]int{1, 2}, 1, 20},
		{"HT MCS7 20", 7, TxRcMCS, 65000, ModQAM64, [2]int{5, 6}, 1, 20},
		{"HT MCS7 20 SGI", 7, TxRcMCS | TxRcShortGI, 72222, ModQAM64, [2]int{5, 6}, 1, 20},
		{"HT MCS4 20", 4, TxRcMCS, 39000, ModQAM16, [2]int{3, 4}, 1, 20},
		{"HT MCS5 40", 5, TxRcMCS | TxRc40MHz, 108000, ModQAM64, [2]int{2, 3}, 1, 40},
		{"HT MCS8 20", 8, TxRcMCS, 13000, ModBPSK, [2]int{1, 2}, 2, 20},
		{"HT MCS15 40 SGI", 15, TxRcMCS | TxRc40MHz | TxRcShortGI, 300000, ModQAM64, [2]int{5, 6}, 2, 40},
		{"HT MCS23 20", 23, TxRcMCS, 195000, ModQAM64, [2]int{5, 6}, 3, 20},
		{"HT MCS31 40 SGI", 31, TxRcMCS | TxRc40MHz | TxRcShortGI, 600000, ModQAM64, [2]int{5, 6}, 4, 40},
		{"HT ignores 80 MHz", 7, TxRcMCS | TxRc80MHz, 65000, ModQAM64, [2]int{5, 6}, 1, 20},
		{"VHT MCS0 1SS 20", vht(0, 1), TxRcVHTMCS, 6500, ModBPSK, [2]int{1, 2}, 1, 20},
		{"VHT MCS8 1SS 20", vht(8, 1), TxRcVHTMCS, 78000, ModQAM256, [2]int{3, 4}, 1, 20},
		{"VHT MCS9 3SS 20", vht(9, 3), TxRcVHTMCS, 260000, ModQAM256, [2]int{5, 6}, 3, 20},
		{"VHT MCS9 1SS 40", vht(9, 1), TxRcVHTMCS | TxRc40MHz, 180000, ModQAM256, [2]int{5, 6}, 1, 40},
		{"VHT MCS9 1SS 80 SGI", vht(9, 1), TxRcVHTMCS | TxRc80MHz | TxRcShortGI, 433333, ModQAM256, [2]int{5, 6}, 1, 80},
		{"VHT MCS7 2SS 80", vht(7, 2), TxRcVHTMCS | TxRc80MHz, 585000, ModQAM64, [2]int{5, 6}, 2, 80},
		{"VHT MCS9 2SS 160 SGI", vht(9, 2), TxRcVHTMCS | TxRc160MHz | TxRcShortGI, 1733333, ModQAM256, [2]int{5, 6}, 2, 160},
		{"VHT MCS9 8SS 160 SGI", vht(9, 8), TxRcVHTMCS | TxRc160MHz | TxRcShortGI, 6933333, ModQAM256, [2]int{5, 6}, 8, 160},
		// Legacy entries read as before.
		{"legacy 54M 5G", 7, 0, 54000, ModQAM64, [2]int{3, 4}, 1, 20},
		{"legacy 1M 2.4G", 0, 0, 1000, ModDBPSK, [2]int{}, 1, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			freq := uint32(5180)
			if tc.name == "legacy 1M 2.4G" {
				freq = 2412
			}
			r, ok := TxRateInfo(freq, tc.idx, tc.flags)
			require.True(t, ok)
			assert.Equal(t, tc.kbps, r.Kbps, "kbps")
			assert.Equal(t, tc.mod, r.Mod)
			assert.Equal(t, tc.code, [2]int{r.CodeNum, r.CodeDen}, "code rate")
			assert.Equal(t, tc.nss, r.NSS, "streams")
			assert.Equal(t, tc.width, r.WidthMHz, "width")
			assert.Equal(t, tc.flags&TxRcShortGI != 0, r.ShortGI)
		})
	}
	for _, tc := range []struct {
		name  string
		freq  uint32
		idx   int8
		flags uint16
	}{
		{"HT MCS32", 5180, 32, TxRcMCS | TxRc40MHz},
		{"HT negative", 5180, -1, TxRcMCS},
		{"VHT MCS10", 5180, vht(10, 1), TxRcVHTMCS},
		{"VHT MCS9 1SS 20", 5180, vht(9, 1), TxRcVHTMCS},
		{"VHT MCS9 2SS 20", 5180, vht(9, 2), TxRcVHTMCS},
		{"VHT negative", 5180, -1, TxRcVHTMCS},
		{"legacy beyond 5G table", 5180, 8, 0},
	} {
		_, ok := TxRateInfo(tc.freq, tc.idx, tc.flags)
		assert.False(t, ok, tc.name)
	}
	assert.Equal(t, "256-QAM", ModQAM256.String())
	assert.True(t, ModQAM256.OFDM())
}

func TestTxAirtime(t *testing.T) {
	us := time.Microsecond
	// Preambles: HT-mixed 16 (L-STF, L-LTF) + 4 (L-SIG) + 8 (HT-SIG) + 4
	// (HT-STF) + 4 per HT-LTF; greenfield 8 + 8 + 8 + 4 per further
	// HT-LTF; VHT 16 + 4 + 8 (VHT-SIG-A) + 4 (VHT-STF) + 4 per VHT-LTF + 4
	// (VHT-SIG-B). Data: N_SYM = ⌈(16 + 8n + 6·N_ES)/N_DBPS⌉ symbols of
	// 4 µs, or with short GI 4·⌈3.6·N_SYM/4⌉ µs.
	for _, tc := range []struct {
		name  string
		freq  uint32
		idx   int8
		flags uint16
		n     int
		want  time.Duration
	}{
		// MCS7 20 MHz: N_DBPS 260, ⌈12022/260⌉ = 47 symbols.
		{"HT MCS7 1500", 5180, 7, TxRcMCS, 1500, (16 + 4 + 8 + 4 + 4 + 4*47) * us},
		// 47 · 3.6 = 169.2 µs → 172.
		{"HT MCS7 1500 SGI", 5180, 7, TxRcMCS | TxRcShortGI, 1500, (36 + 172) * us},
		{"HT MCS7 1500 2.4G", 2437, 7, TxRcMCS, 1500, (36 + 188 + 6) * us},
		{"HT MCS7 1500 greenfield", 5180, 7, TxRcMCS | TxRcGreenField, 1500, (8 + 8 + 8 + 188) * us},
		// MCS15 40 MHz: N_DBPS 1080, ⌈12022/1080⌉ = 12; 12 · 3.6 = 43.2 → 44.
		{"HT MCS15 40 SGI", 5180, 15, TxRcMCS | TxRc40MHz | TxRcShortGI, 1500, (16 + 4 + 8 + 4 + 4*2 + 44) * us},
		// MCS23 40 MHz: N_DBPS 1620, two encoders: ⌈12028/1620⌉ = 8.
		{"HT MCS23 40", 5180, 23, TxRcMCS | TxRc40MHz, 1500, (16 + 4 + 8 + 4 + 4*4 + 4*8) * us},
		// MCS0 ack-sized: N_DBPS 26, ⌈(16+112+6)/26⌉ = 6.
		{"HT MCS0 14", 5180, 0, TxRcMCS, 14, (36 + 4*6) * us},
		// VHT MCS9 80 MHz: N_DBPS 1560, ⌈12022/1560⌉ = 8; 8 · 3.6 = 28.8 → 32.
		{"VHT MCS9 1SS 80 SGI", 5180, vht(9, 1), TxRcVHTMCS | TxRc80MHz | TxRcShortGI, 1500, (16 + 4 + 8 + 4 + 4 + 4 + 32) * us},
		// 2 streams: N_DBPS 3120, two encoders: ⌈12028/3120⌉ = 4.
		{"VHT MCS9 2SS 80", 5180, vht(9, 2), TxRcVHTMCS | TxRc80MHz, 1500, (16 + 4 + 8 + 4 + 4*2 + 4 + 4*4) * us},
		// 3 streams use 4 VHT-LTFs: N_DBPS 4680, 3 encoders, ⌈12034/4680⌉ = 3.
		{"VHT MCS9 3SS 80", 5180, vht(9, 3), TxRcVHTMCS | TxRc80MHz, 1500, (16 + 4 + 8 + 4 + 4*4 + 4 + 4*3) * us},
		{"VHT MCS0 empty", 5180, vht(0, 1), TxRcVHTMCS, 0, (40 + 4) * us},
		// DSSS short preamble: 96 µs + ⌈12000/11⌉.
		{"11M short preamble", 2412, 3, TxRcUseShortPreamble, 1500, (96 + 1091) * us},
		{"1M has no short preamble", 2412, 0, TxRcUseShortPreamble, 14, (192 + 112) * us},
		{"54M ignores short preamble", 2412, 11, TxRcUseShortPreamble, 1500, (20 + 4*56 + 6) * us},
		{"legacy", 5180, 7, 0, 1500, (20 + 4*56) * us},
		{"bad MCS", 5180, 40, TxRcMCS, 1500, 0},
		{"negative length", 5180, 7, TxRcMCS, -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, TxAirtime(tc.freq, tc.idx, tc.flags, tc.n))
		})
	}
	// Legacy entries time as Airtime.
	for i := range Rates(2412) {
		assert.Equal(t, Airtime(2412, int8(i), 700), TxAirtime(2412, int8(i), 0, 700))
	}
}

func TestRxLegacyIndex(t *testing.T) {
	for _, tc := range []struct {
		name  string
		freq  uint32
		idx   int8
		flags uint16
		want  int8
	}{
		{"MCS0 6.5 → 6", 5180, 0, TxRcMCS, 0},
		{"MCS1 13 → 12", 5180, 1, TxRcMCS, 2},
		{"MCS2 19.5 → 18", 5180, 2, TxRcMCS, 3},
		{"MCS3 26 → 24", 5180, 3, TxRcMCS, 4},
		{"MCS4 39 → 36", 5180, 4, TxRcMCS, 5},
		{"MCS5 52 → 48", 5180, 5, TxRcMCS, 6},
		{"MCS7 65 → 54", 5180, 7, TxRcMCS, 7},
		{"MCS15 40 SGI → 54", 5180, 15, TxRcMCS | TxRc40MHz | TxRcShortGI, 7},
		{"MCS8 13 → 12", 5180, 8, TxRcMCS, 2},
		{"VHT MCS9 80 → 54", 5180, vht(9, 1), TxRcVHTMCS | TxRc80MHz, 7},
		{"2.4G MCS0 → 6 (not 5.5 CCK)", 2412, 0, TxRcMCS, 4},
		{"2.4G MCS1 → 12", 2412, 1, TxRcMCS, 6},
		{"2.4G MCS15 → 54", 2437, 15, TxRcMCS, 11},
		{"unknown MCS → slowest OFDM 5G", 5180, 40, TxRcMCS, 0},
		{"unknown MCS → slowest OFDM 2.4G", 2412, 40, TxRcMCS, 4},
		{"legacy kept", 2412, 3, 0, 3},
		{"legacy clamped", 5180, 11, 0, 7},
		{"legacy negative", 5180, -1, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := RxLegacyIndex(tc.freq, tc.idx, tc.flags)
			assert.Equal(t, tc.want, got)
			assert.Less(t, int(got), len(Rates(tc.freq)), "within the band's table")
		})
	}
}

func BenchmarkTxAirtime(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = TxAirtime(5180, int8(i&15), TxRcMCS|TxRc40MHz|TxRcShortGI, 1500)
	}
}
