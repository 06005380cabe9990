package model

import (
	"math"

	"github.com/hwsim-medium/hwsim-medium/mac"
)

// Error-rate model: bit error rate of each modulation in additive white
// Gaussian noise, the residual error of the convolutional code for OFDM
// rates, and the frame error rate of an n-byte frame from either.
//
// SNR is the wideband signal-to-noise ratio the medium computes (signal
// minus noise floor, in dB). The model takes it as:
//
//   - OFDM: the per-subcarrier symbol SNR Es/N0 (pilots, guard interval and
//     the 52-of-64 occupied subcarriers are ignored, a < 1 dB error).
//   - HT/VHT MCS: the same, less the share of the power each spatial
//     stream and each extra 20 MHz gets: the noise floor is set for 20 MHz
//     and the noise power grows with the bandwidth, while the transmit
//     power is split across N_SS streams, so
//     SNR_stream = SNR − 10·log10(W / 20 MHz) − 10·log10(N_SS).
//     Streams are taken as separated perfectly (no inter-stream
//     interference, no MIMO gain).
//   - DSSS/CCK: the chip SNR; the despreading gain turns it into
//     Eb/N0 = SNR · 11 Mchip/s / R.
//
// Formulas (Q(x) = ½·erfc(x/√2), γ = linear SNR):
//
//	BPSK      BER = Q(√(2γ))
//	QPSK      BER = Q(√γ)                          (Gray, Es = 2Eb)
//	M-QAM     P√M = 2(1 − 1/√M)·Q(√(3γ/(M−1)))
//	          SER = 1 − (1 − P√M)²,  BER ≈ SER / log2 M   (M = 16, 64, 256)
//	DBPSK     BER = ½·exp(−Eb/N0)                  (1 Mbit/s, Eb/N0 = 11γ)
//	DQPSK     BER = Q(√(2·0.589·Eb/N0))            (2 Mbit/s, Eb/N0 = 5.5γ;
//	          differential detection costs 2.3 dB against coherent QPSK)
//	CCK       BER = Q(√(2·Eb/N0))                  (5.5: Eb/N0 = 2γ, 11: γ;
//	          coherent QPSK chips, the code's own gain ignored: pessimistic)
//
// OFDM rates and HT/VHT MCSs are protected by the K=7 (133, 171)
// convolutional code, punctured to 2/3, 3/4 and (HT/VHT) 5/6, decoded by a
// hard-decision Viterbi decoder (LDPC is not modelled). The
// probability of a decoding error event per information bit is bounded by
// the first ten terms of the union bound:
//
//	Pe ≤ Σ_{d=dfree}^{dfree+9} a_d · P_d
//	P_d = Σ_{k=(d+1)/2}^{d} C(d,k) p^k (1−p)^(d−k)                          d odd
//	P_d = ½·C(d,d/2) p^(d/2) (1−p)^(d/2) + Σ_{k=d/2+1}^{d} C(d,k) p^k (1−p)^(d−k)   d even
//
// with p the modulation's BER and a_d the code's distance spectrum
// (rate 1/2: dfree 10, a = 11 0 38 0 193 0 1331 0 7275 0; 2/3: dfree 6,
// a = 1 16 48 158 642 2435 9174 34701 131533 499312; 3/4: dfree 5, a = 8 31
// 160 892 4512 23297 120976 624304 3229885 16721329; 5/6 with the HT
// puncturing pattern: dfree 4, a = 14 69 654 4996 39677 314973 2503576
// 19875546 157824160 1253169928), clamped to 1. This is the model ns-3's
// YansErrorRateModel and wmediumd use.
//
// The frame error rate of n bytes with a per-bit error probability b (Pe for
// OFDM, the raw BER for DSSS/CCK) is
//
//	PER = 1 − (1 − b)^(8n)
//
// PLCP preamble and header errors are not modelled.

// Convolutional code distance spectra, by code rate.
type codeSpectrum struct {
	dfree int
	a     [10]float64
}

var (
	code12 = codeSpectrum{10, [10]float64{11, 0, 38, 0, 193, 0, 1331, 0, 7275, 0}}
	code23 = codeSpectrum{6, [10]float64{1, 16, 48, 158, 642, 2435, 9174, 34701, 131533, 499312}}
	code34 = codeSpectrum{5, [10]float64{8, 31, 160, 892, 4512, 23297, 120976, 624304, 3229885, 16721329}}
	code56 = codeSpectrum{4, [10]float64{14, 69, 654, 4996, 39677, 314973, 2503576, 19875546, 157824160, 1253169928}}
)

// binom[n][k] = C(n, k) for n up to the largest distance used (dfree+9).
var binom = func() (t [20][20]float64) {
	for n := range t {
		t[n][0] = 1
		for k := 1; k <= n; k++ {
			t[n][k] = t[n-1][k-1]
			if k < n {
				t[n][k] += t[n-1][k]
			}
		}
	}
	return t
}()

func q(x float64) float64 { return 0.5 * math.Erfc(x/math.Sqrt2) }

func dbToLinear(db float64) float64 { return math.Pow(10, db/10) }

// BERBPSK is the bit error rate of coherent BPSK at snr dB.
func BERBPSK(snr float64) float64 { return q(math.Sqrt(2 * dbToLinear(snr))) }

// BERQPSK is the bit error rate of Gray-coded coherent QPSK at symbol snr dB.
func BERQPSK(snr float64) float64 { return q(math.Sqrt(dbToLinear(snr))) }

// BERQAM is the approximate bit error rate of Gray-coded square M-QAM at
// symbol snr dB.
func BERQAM(m int, snr float64) float64 {
	g := dbToLinear(snr)
	fm := float64(m)
	sm := math.Sqrt(fm)
	p := 2 * (1 - 1/sm) * q(math.Sqrt(3*g/(fm-1)))
	ser := 1 - (1-p)*(1-p)
	return ser / math.Log2(fm)
}

// BER returns the raw bit error rate of modulation mod at snr dB, before
// any forward error correction.
func BER(mod mac.Modulation, snr float64) float64 {
	g := dbToLinear(snr)
	switch mod {
	case mac.ModDBPSK:
		return 0.5 * math.Exp(-11*g)
	case mac.ModDQPSK:
		return q(math.Sqrt(2 * 0.589 * 5.5 * g))
	case mac.ModCCK55:
		return q(math.Sqrt(2 * 2 * g))
	case mac.ModCCK11:
		return q(math.Sqrt(2 * g))
	case mac.ModBPSK:
		return BERBPSK(snr)
	case mac.ModQPSK:
		return BERQPSK(snr)
	case mac.ModQAM16:
		return BERQAM(16, snr)
	case mac.ModQAM64:
		return BERQAM(64, snr)
	case mac.ModQAM256:
		return BERQAM(256, snr)
	}
	return 0.5
}

// ViterbiEventProb is the union bound on the decoding error event
// probability per bit of the K=7 convolutional code at rate num/den, hard
// decisions on channel bits with error probability p, clamped to [0, 1].
func ViterbiEventProb(p float64, num, den int) float64 {
	var c *codeSpectrum
	switch {
	case num == 1 && den == 2:
		c = &code12
	case num == 2 && den == 3:
		c = &code23
	case num == 3 && den == 4:
		c = &code34
	case num == 5 && den == 6:
		c = &code56
	default:
		return p
	}
	if p <= 0 {
		return 0
	}
	if p >= 0.5 {
		return 1
	}
	sum := 0.0
	for i, a := range c.a {
		if a == 0 {
			continue
		}
		sum += a * pairwise(c.dfree+i, p)
		if sum >= 1 {
			return 1
		}
	}
	return sum
}

// pairwise is P_d, the probability that hard-decision decoding prefers a
// path at Hamming distance d: more than half of the d bits wrong, ties
// broken by a coin.
func pairwise(d int, p float64) float64 {
	// Terms p^k (1-p)^(d-k) from the smallest k upwards, by multiplying
	// by p/(1-p): the largest term comes first, so nothing that matters
	// underflows.
	half := d / 2
	ratio := p / (1 - p)
	sum := 0.0
	k := half + 1
	if d%2 == 1 {
		k = (d + 1) / 2
	}
	term := math.Pow(p, float64(k)) * math.Pow(1-p, float64(d-k))
	if d%2 == 0 {
		sum = 0.5 * binom[d][half] * term / ratio
	}
	for ; k <= d; k++ {
		sum += binom[d][k] * term
		term *= ratio
	}
	return sum
}

// FramePER returns 1 − (1 − b)^(8n): the probability that at least one of
// the 8n bits of an n-byte frame is in error, with b the per-bit error
// probability.
func FramePER(b float64, n int) float64 {
	if b <= 0 || n <= 0 {
		return 0
	}
	if b >= 1 {
		return 1
	}
	return -math.Expm1(float64(8*n) * math.Log1p(-b))
}

// PERForSNR returns the probability that an n-byte frame sent at legacy
// TX_INFO rate index rate on freq (MHz) is lost at snr dB. An index beyond
// the band's table is taken as the band's fastest legacy rate; a negative
// one as its slowest.
func PERForSNR(freq uint32, rate int8, n int, snr float64) float64 {
	t := mac.Rates(freq)
	i := int(rate)
	if i < 0 {
		i = 0
	}
	if i >= len(t) {
		i = len(t) - 1
	}
	r := &t[i]
	return codedPER(r.Mod, r.CodeNum, r.CodeDen, n, snr)
}

// PERForTxRate returns the probability that an n-byte frame sent as
// retry-chain entry idx with IEEE80211_TX_RC_* flags (a legacy rate, an HT
// MCS or a VHT MCS, as mac.TxRateInfo reads them) on freq (MHz) is lost at
// snr dB (measured over 20 MHz). An HT/VHT MCS is judged by its
// modulation and code rate at the per-stream SNR; an entry mac does not
// know (mac80211 sends none) is judged as PERForSNR judges its index.
func PERForTxRate(freq uint32, idx int8, flags uint16, n int, snr float64) float64 {
	r, ok := mac.TxRateInfo(freq, idx, flags)
	if !ok {
		return PERForSNR(freq, idx, n, snr)
	}
	if share := r.NSS * r.WidthMHz / 20; share > 1 {
		snr -= 10 * math.Log10(float64(share))
	}
	return codedPER(r.Mod, r.CodeNum, r.CodeDen, n, snr)
}

// codedPER is the frame error rate of n bytes sent with modulation mod and
// code rate num/den (0/0: uncoded) at snr dB.
func codedPER(mod mac.Modulation, num, den, n int, snr float64) float64 {
	b := BER(mod, snr)
	if mod.OFDM() {
		b = ViterbiEventProb(b, num, den)
	}
	return FramePER(b, n)
}
