package medium

import (
	"math"
	"time"

	"github.com/hwsim-medium/hwsim-medium/hwsim"
	"github.com/hwsim-medium/hwsim-medium/mac"
)

// PHY and MAC timing of the airtime mode (IEEE Std 802.11-2020): slot and
// SIFS from the PHY characteristics of clauses 15 (DSSS), 17 (OFDM) and 18
// (ERP), DIFS and the contention window from the DCF (10.3.2.3, 10.3.3).
const (
	// slotOFDM is aSlotTime of OFDM and short-slot ERP.
	slotOFDM = 9 * time.Microsecond
	// slotDSSS is aSlotTime of DSSS and HR/DSSS.
	slotDSSS = 20 * time.Microsecond
	// sifs24 is aSIFSTime on 2.4 GHz (DSSS, HR/DSSS and ERP).
	sifs24 = 10 * time.Microsecond
	// sifs5 is aSIFSTime of the OFDM PHY on 5 and 6 GHz.
	sifs5 = 16 * time.Microsecond
	// cwMin and cwMax bound the contention window, in slots; it doubles
	// (plus one) after every failed try.
	cwMin, cwMax = 15, 1023
	// ackLen is an ACK frame without FCS, as the medium counts frame
	// lengths: frame control, duration, RA (10 bytes) plus the 4-byte FCS.
	ackLen = 14
	// sinrThreshold is the SINR, in dB, at or above which a frame is
	// decoded when the model has no error-rate curves.
	sinrThreshold = 10
	// defaultCCA and defaultNoiseFloor apply when the model does not say
	// (the values of medium/model's defaults).
	defaultCCA        = -82.0
	defaultNoiseFloor = -91.0
)

// frameAirtime is how long an n-byte frame sent as chain entry r occupies
// the channel freq (TXTIME), for legacy rates and HT/VHT MCS alike. An
// entry that is no rate of the band is sent at its lowest rate, which is
// what a real radio would fall back to.
func frameAirtime(freq uint32, r hwsim.TxRate, n int) time.Duration {
	if d := mac.TxAirtime(freq, r.Idx, r.Flags, n); d > 0 {
		return d
	}
	return mac.Airtime(freq, 0, n)
}

// phyTiming is the slot and SIFS that apply to a frame.
type phyTiming struct {
	slot, sifs time.Duration
}

// timingOf returns the timing for a try at rate r on freq: DSSS rates use
// the long DSSS slot, OFDM (ERP-OFDM with short slots, HT, VHT) the 9 µs
// one.
func timingOf(freq uint32, r hwsim.TxRate) phyTiming {
	t := phyTiming{slot: slotOFDM, sifs: sifs5}
	if mac.Is24GHz(freq) {
		t.sifs = sifs24
	}
	if rateOf(freq, r).Mod.DSSS() {
		t.slot = slotDSSS
	}
	return t
}

// difs is SIFS plus two slots (10.3.2.3.5).
func (t phyTiming) difs() time.Duration { return t.sifs + 2*t.slot }

// rateOf describes chain entry r, or the band's lowest rate if r is none.
func rateOf(freq uint32, r hwsim.TxRate) mac.PHYRate {
	if p, ok := mac.TxRateInfo(freq, r.Idx, r.Flags); ok {
		return p
	}
	p, _ := mac.TxRateInfo(freq, 0, 0)
	return p
}

// ackRate is the rate of the ACK answering a frame at r: the highest
// mandatory legacy rate of the same modulation class not faster than r
// (10.6.6.5.2, with the mandatory rates as the basic rate set; an HT or
// VHT frame is answered in non-HT OFDM). OFDM has 6, 12 and 24 Mbit/s
// mandatory; DSSS and HR/DSSS all of 1, 2, 5.5 and 11.
func ackRate(freq uint32, r hwsim.TxRate) hwsim.TxRate {
	data := rateOf(freq, r)
	want := data.Kbps
	if data.Mod.OFDM() {
		switch {
		case want >= 24000:
			want = 24000
		case want >= 12000:
			want = 12000
		default:
			want = 6000
		}
	}
	for i, lr := range mac.Rates(freq) {
		if lr.Kbps == want {
			return hwsim.TxRate{Idx: int8(i), Count: 1}
		}
	}
	return hwsim.TxRate{Idx: 0, Count: 1}
}

// ackAirtime is how long the ACK to a frame at r occupies the channel.
func ackAirtime(freq uint32, r hwsim.TxRate) time.Duration {
	return frameAirtime(freq, ackRate(freq, r), ackLen)
}

// contentionWindow is CW, in slots, before try number tries+1 of a frame.
func contentionWindow(tries int) int {
	if tries >= 10 {
		return cwMax
	}
	return min((cwMin+1)<<tries-1, cwMax)
}

// acrSpan bounds the channel offsets, in MHz, that interfere: beyond the
// transmit mask's last point (30 MHz) plus half a receiver's bandwidth the
// medium counts no interference.
const acrSpan = 40

// maskPoints is the OFDM transmit spectral mask (17.3.9.3) for a 20 MHz
// channel: dBr at an offset in MHz from the centre, linear in dB between
// the points and -40 dBr beyond the last.
var maskPoints = [...]struct{ mhz, dBr float64 }{{0, 0}, {9, 0}, {11, -20}, {20, -28}, {30, -40}}

// maskPower is ∫ 10^(mask(x)/10) dx from 0 to u MHz (u ≥ 0), exact for the
// piecewise-linear mask.
func maskPower(u float64) float64 {
	sum := 0.0
	for i := 1; i < len(maskPoints) && u > maskPoints[i-1].mhz; i++ {
		p, q := maskPoints[i-1], maskPoints[i]
		slope := (q.dBr - p.dBr) / (q.mhz - p.mhz)
		sum += segmentPower(p.dBr, slope, min(u, q.mhz)-p.mhz)
	}
	if last := maskPoints[len(maskPoints)-1]; u > last.mhz {
		sum += segmentPower(last.dBr, 0, u-last.mhz)
	}
	return sum
}

// segmentPower is ∫ 10^((d0 + slope·x)/10) dx from 0 to w.
func segmentPower(d0, slope, w float64) float64 {
	if slope == 0 {
		return math.Pow(10, d0/10) * w
	}
	k := slope * math.Ln10 / 10
	return math.Pow(10, d0/10) * (math.Exp(k*w) - 1) / k
}

// bandPower is the mask's power between a and b MHz from its centre.
func bandPower(a, b float64) float64 {
	switch {
	case a >= 0:
		return maskPower(b) - maskPower(a)
	case b <= 0:
		return maskPower(-a) - maskPower(-b)
	}
	return maskPower(-a) + maskPower(b)
}

// adjacentRejection returns, for channel offsets 0 .. acrSpan-1 MHz, the
// fraction of an interferer's power that falls into a receiver's 20 MHz
// channel, relative to an interferer on the same channel.
func adjacentRejection() [acrSpan]float64 {
	var t [acrSpan]float64
	co := bandPower(-10, 10)
	for d := range t {
		t[d] = bandPower(float64(d)-10, float64(d)+10) / co
	}
	return t
}

// mW converts dBm to milliwatts.
func mW(dBm float64) float64 { return math.Pow(10, dBm/10) }
