package model

import (
	"math"
	"testing"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

func rel(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if want == 0 {
		if got != 0 {
			t.Errorf("%s = %g, want 0", what, got)
		}
		return
	}
	if math.IsNaN(got) || math.Abs(got-want)/math.Abs(want) > tol {
		t.Errorf("%s = %.10g, want %.10g (rel %g)", what, got, want, tol)
	}
}

func TestBER(t *testing.T) {
	// Independent formulas: Q(x) = erfc(x/√2)/2.
	Q := func(x float64) float64 { return math.Erfc(x/math.Sqrt2) / 2 }
	for _, snr := range []float64{-3, 0, 3, 6, 10, 15, 20} {
		g := math.Pow(10, snr/10)
		rel(t, "BPSK", BERBPSK(snr), Q(math.Sqrt(2*g)), 1e-12)
		rel(t, "QPSK", BERQPSK(snr), Q(math.Sqrt(g)), 1e-12)
		for _, M := range []float64{16, 64, 256} {
			p := 2 * (1 - 1/math.Sqrt(M)) * Q(math.Sqrt(3*g/(M-1)))
			rel(t, "QAM", BERQAM(int(M), snr), (2*p-p*p)/math.Log2(M), 1e-9)
		}
		rel(t, "DBPSK", BER(mac.ModDBPSK, snr), 0.5*math.Exp(-11*g), 1e-12)
		rel(t, "DQPSK", BER(mac.ModDQPSK, snr), Q(math.Sqrt(2*0.589*5.5*g)), 1e-12)
		rel(t, "CCK5.5", BER(mac.ModCCK55, snr), Q(math.Sqrt(4*g)), 1e-12)
		rel(t, "CCK11", BER(mac.ModCCK11, snr), Q(math.Sqrt(2*g)), 1e-12)
	}
	// Constants from an independent implementation.
	rel(t, "BPSK 4 dB", BERBPSK(4), 0.012500818040737563, 1e-9)
	rel(t, "16-QAM 15 dB", BERQAM(16, 15), 0.0044454605604514474, 1e-9)
	rel(t, "64-QAM 20 dB", BERQAM(64, 20), 0.008378400847659376, 1e-9)
	rel(t, "256-QAM 25 dB", BER(mac.ModQAM256, 25), 0.012281112074590733, 1e-9)
	if BER(mac.ModUnknown, 30) != 0.5 {
		t.Error("unknown modulation should be a coin toss")
	}
}

// unionBound is the Viterbi bound written out directly with math.Pow and
// explicit binomials, for comparison.
func unionBound(p float64, dfree int, a []float64) float64 {
	choose := func(n, k int) float64 {
		r := 1.0
		for i := 1; i <= k; i++ {
			r = r * float64(n-k+i) / float64(i)
		}
		return r
	}
	sum := 0.0
	for i, ad := range a {
		d := dfree + i
		pd := 0.0
		for k := d/2 + 1; k <= d; k++ {
			pd += choose(d, k) * math.Pow(p, float64(k)) * math.Pow(1-p, float64(d-k))
		}
		if d%2 == 0 {
			pd += 0.5 * choose(d, d/2) * math.Pow(p, float64(d/2)) * math.Pow(1-p, float64(d/2))
		}
		sum += ad * pd
	}
	return math.Min(sum, 1)
}

func TestViterbi(t *testing.T) {
	a12 := []float64{11, 0, 38, 0, 193, 0, 1331, 0, 7275, 0}
	a23 := []float64{1, 16, 48, 158, 642, 2435, 9174, 34701, 131533, 499312}
	a34 := []float64{8, 31, 160, 892, 4512, 23297, 120976, 624304, 3229885, 16721329}
	a56 := []float64{14, 69, 654, 4996, 39677, 314973, 2503576, 19875546, 157824160, 1253169928}
	for _, p := range []float64{1e-6, 1e-4, 1e-3, 5e-3, 1e-2, 3e-2} {
		rel(t, "1/2", ViterbiEventProb(p, 1, 2), unionBound(p, 10, a12), 1e-9)
		rel(t, "2/3", ViterbiEventProb(p, 2, 3), unionBound(p, 6, a23), 1e-9)
		rel(t, "3/4", ViterbiEventProb(p, 3, 4), unionBound(p, 5, a34), 1e-9)
		rel(t, "5/6", ViterbiEventProb(p, 5, 6), unionBound(p, 4, a56), 1e-9)
	}
	if ViterbiEventProb(0, 1, 2) != 0 || ViterbiEventProb(0.5, 1, 2) != 1 || ViterbiEventProb(0.2, 3, 4) != 1 {
		t.Error("Viterbi bound limits")
	}
	if ViterbiEventProb(0.01, 7, 8) != 0.01 {
		t.Error("unknown code rate should pass the BER through")
	}
}

func TestFramePER(t *testing.T) {
	for _, tt := range []struct {
		b float64
		n int
	}{{1e-5, 1500}, {1e-3, 100}, {0.1, 1}} {
		rel(t, "FramePER", FramePER(tt.b, tt.n), 1-math.Pow(1-tt.b, float64(8*tt.n)), 1e-9)
	}
	// Tiny b: 1 − (1 − b)^(8n) ≈ 8n·b, where the direct formula cancels.
	rel(t, "FramePER tiny", FramePER(1e-12, 1500), 12000e-12, 1e-6)
	if FramePER(0, 1500) != 0 || FramePER(1, 10) != 1 || FramePER(0.1, 0) != 0 {
		t.Error("FramePER limits")
	}
}

func TestPERCurves(t *testing.T) {
	// Constants from an independent implementation of the same model.
	tests := []struct {
		freq uint32
		rate int8
		n    int
		snr  float64
		want float64
	}{
		{5180, 0, 1500, 4, 0.005862354271138681},
		{5180, 0, 1500, 6, 1.3226424535606185e-06},
		{5180, 1, 1500, 7, 0.0023234053557258383},
		{5180, 2, 1000, 8, 9.207451581039194e-05},
		{5180, 3, 1500, 11, 3.4789396431644803e-05},
		{5180, 4, 1500, 14, 0.0012723530620575296},
		{5180, 5, 1500, 18, 1.391641644898911e-05},
		{5180, 6, 1500, 22, 0.0009112040651196862},
		{5180, 7, 1500, 24, 1.8870954612615343e-05},
		{5180, 7, 1500, 10, 1},
		{2412, 11, 1500, 24, 1.8870954612615343e-05}, // 54M on 2.4 GHz
		{2412, 0, 1500, -2, 0.9969963888535156},
		{2412, 0, 1500, 0, 0.09535314161461894},
		{2412, 0, 1500, 4, 6.0016224172492355e-09},
		{2412, 1, 1500, 4, 0.2801993666561886},
		{2412, 1, 1500, 8, 9.713505279007606e-07},
		{2412, 2, 1500, 8, 0.003035353623012882},
		{2412, 2, 1500, 10, 1.5237759436459442e-06},
		{2412, 3, 1500, 8, 0.8988460829964623},
		{2412, 3, 1500, 10, 0.04540239999055895},
		{2412, 3, 1500, 4, 1},
	}
	for _, tt := range tests {
		got := PERForSNR(tt.freq, tt.rate, tt.n, tt.snr)
		rel(t, "PER", got, tt.want, 1e-6)
	}
	// Out-of-table indices: clamp to the fastest / slowest rate.
	if PERForSNR(5180, 12, 1500, 20) != PERForSNR(5180, 7, 1500, 20) {
		t.Error("index beyond the table should be the fastest rate")
	}
	if PERForSNR(5180, -1, 1500, 3) != PERForSNR(5180, 0, 1500, 3) {
		t.Error("negative index should be the slowest rate")
	}
	// Monotone: faster rates need more SNR; more SNR never hurts.
	for _, f := range []uint32{2412, 5180} {
		for i := range mac.Rates(f) {
			prev := 1.0
			for snr := -5.0; snr <= 40; snr += 0.5 {
				p := PERForSNR(f, int8(i), 1000, snr)
				if p < 0 || p > 1 || p > prev+1e-12 {
					t.Fatalf("%d MHz idx %d: PER %g at %g dB after %g", f, i, p, snr, prev)
				}
				prev = p
			}
		}
	}
	for i := 1; i < 8; i++ {
		if PERForSNR(5180, int8(i), 1000, 12) < PERForSNR(5180, int8(i-1), 1000, 12) {
			t.Errorf("5 GHz idx %d more robust than idx %d", i, i-1)
		}
	}
}

func TestPERForTxRate(t *testing.T) {
	// Constants from an independent implementation of the same model:
	// the MCS's constellation BER at SNR − 10·log10(N_SS·W/20), the
	// union-bound Viterbi residual, 1 − (1 − Pe)^(8n).
	for _, tc := range []struct {
		name  string
		idx   int8
		flags uint16
		n     int
		snr   float64
		want  float64
	}{
		{"HT MCS7 20", 7, mac.TxRcMCS, 1500, 24, 0.012914083309678508},
		{"HT MCS7 20 SGI", 7, mac.TxRcMCS | mac.TxRcShortGI, 1500, 28, 7.635643266037484e-11},
		{"HT MCS4 40", 4, mac.TxRcMCS | mac.TxRc40MHz, 1500, 20, 0.0009990799046730359},
		{"HT MCS15 40", 15, mac.TxRcMCS | mac.TxRc40MHz, 1500, 32, 8.421200375080534e-06},
		{"HT MCS9 20", 9, mac.TxRcMCS, 1000, 10, 0.004200190084511573},
		{"HT MCS23 20", 23, mac.TxRcMCS, 1500, 33, 1.4302766783107021e-11},
		{"VHT MCS9 1SS 80", 0x09, mac.TxRcVHTMCS | mac.TxRc80MHz, 1500, 38, 7.528476240142209e-06},
		{"VHT MCS8 1SS 20", 0x08, mac.TxRcVHTMCS, 1500, 30, 1.3418293104579339e-05},
		{"VHT MCS0 2SS 160", 0x10, mac.TxRcVHTMCS | mac.TxRc160MHz, 1500, 16, 0.006754933492617625},
	} {
		rel(t, tc.name, PERForTxRate(5180, tc.idx, tc.flags, tc.n, tc.snr), tc.want, 1e-6)
	}
	// Stream and bandwidth penalties, written out: MCS 15 at 40 MHz is
	// MCS 7's constellation and code at 3 + 3 dB less SNR.
	g := math.Pow(10, (30-10*math.Log10(4))/10)
	Q := func(x float64) float64 { return math.Erfc(x/math.Sqrt2) / 2 }
	p := 2 * (1 - 1/8.0) * Q(math.Sqrt(3*g/63))
	pe := unionBound((2*p-p*p)/6, 4, []float64{14, 69, 654, 4996, 39677, 314973, 2503576, 19875546, 157824160, 1253169928})
	rel(t, "MCS15 40 MHz at 30 dB", PERForTxRate(2412, 15, mac.TxRcMCS|mac.TxRc40MHz, 1200, 30), -math.Expm1(9600*math.Log1p(-pe)), 1e-9)

	// Legacy entries and entries mac does not know read as before.
	for i := range 12 {
		if PERForTxRate(2412, int8(i), 0, 1000, 9) != PERForSNR(2412, int8(i), 1000, 9) {
			t.Errorf("legacy index %d differs from PERForSNR", i)
		}
	}
	if PERForTxRate(5180, 40, mac.TxRcMCS, 1000, 20) != PERForSNR(5180, 40, 1000, 20) {
		t.Error("unknown MCS should be judged as its index")
	}
}

func TestPERRisesWithMCS(t *testing.T) {
	// For one SNR, a faster MCS of the same stream count and width never
	// loses less (up to underflow); and somewhere each step is strictly
	// worse.
	chains := []struct {
		name  string
		flags uint16
		idx   func(mcs int) int8
		n     int
	}{
		{"HT 1SS 20", mac.TxRcMCS, func(m int) int8 { return int8(m) }, 8},
		{"HT 2SS 40 SGI", mac.TxRcMCS | mac.TxRc40MHz | mac.TxRcShortGI, func(m int) int8 { return int8(8 + m) }, 8},
		{"HT 4SS 20", mac.TxRcMCS, func(m int) int8 { return int8(24 + m) }, 8},
		{"VHT 1SS 80", mac.TxRcVHTMCS | mac.TxRc80MHz, func(m int) int8 { return int8(m) }, 10},
		{"VHT 3SS 160", mac.TxRcVHTMCS | mac.TxRc160MHz, func(m int) int8 { return int8(0x20 | m) }, 10},
	}
	for _, c := range chains {
		for m := 1; m < c.n; m++ {
			strict := false
			for snr := -5.0; snr <= 50; snr += 0.5 {
				lo := PERForTxRate(5180, c.idx(m-1), c.flags, 1500, snr)
				hi := PERForTxRate(5180, c.idx(m), c.flags, 1500, snr)
				if hi < lo-1e-12 { // below that, both have underflowed
					t.Fatalf("%s: MCS %d loses %g < MCS %d's %g at %g dB", c.name, m, hi, m-1, lo, snr)
				}
				strict = strict || hi > lo
			}
			if !strict {
				t.Errorf("%s: MCS %d never worse than MCS %d", c.name, m, m-1)
			}
		}
	}
	// More streams or more bandwidth at one SNR cost robustness.
	if PERForTxRate(5180, 15, mac.TxRcMCS, 1500, 25) <= PERForTxRate(5180, 7, mac.TxRcMCS, 1500, 25) {
		t.Error("2 streams should be less robust than 1 at the same SNR")
	}
	if PERForTxRate(5180, 7, mac.TxRcMCS|mac.TxRc40MHz, 1500, 25) <= PERForTxRate(5180, 7, mac.TxRcMCS, 1500, 25) {
		t.Error("40 MHz should be less robust than 20 MHz at the same SNR")
	}
}
