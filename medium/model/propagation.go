package model

import (
	"math"
	"math/rand/v2"
)

// Propagation models. Each is a pure function returning the path loss in dB
// between two isotropic antennas d metres apart on a carrier of f MHz;
// antenna gains and transmit power are the caller's. Distances below
// MinDistance are taken as MinDistance: the models are calibrated from a
// 1 m reference and say nothing useful about the near field.

// SpeedOfLight in m/s.
const SpeedOfLight = 299792458.0

// MinDistance is the shortest distance the models use, in metres.
const MinDistance = 1.0

// DefaultFreq is the carrier, in MHz, used when a frame does not say which
// channel it was sent on (2.4 GHz channel 1, as wmediumd assumes).
const DefaultFreq = 2412.0

func clampDistance(d float64) float64 {
	if !(d >= MinDistance) { // also catches NaN
		return MinDistance
	}
	return d
}

// FreeSpace is the Friis free-space path loss:
//
//	PL(d) = 20·log10(4π·d·f / c)        f in Hz, d in m
//
// about 40.1 dB at 1 m on 2412 MHz, +6.02 dB per doubling of distance.
func FreeSpace(d, fMHz float64) float64 {
	d = clampDistance(d)
	return 20 * math.Log10(4*math.Pi*d*fMHz*1e6/SpeedOfLight)
}

// LogDistance is the log-distance path loss model:
//
//	PL(d) = PL0 + 10·n·log10(d / 1 m)
//
// where PL0 is the loss at the 1 m reference distance (commonly the
// free-space loss at 1 m, FreeSpace(1, f)) and n the path loss exponent
// (2 in free space, about 2.7–3.5 in urban areas and 1.6–6 indoors).
func LogDistance(d, pl0, n float64) float64 {
	d = clampDistance(d)
	return pl0 + 10*n*math.Log10(d)
}

// ITUIndoor is the ITU-R P.1238 indoor site-general model:
//
//	PL(d) = 20·log10(f) + N·log10(d) + Lf(floors) − 28      f in MHz, d in m
//
// with N the distance power loss coefficient (P.1238 table 2: 30 for
// offices at 2.4 GHz, 28 residential, 31 offices at 5.2 GHz) and the floor
// penetration factor taken as Lf(floors) = floors · floorLoss (P.1238 table
// 3 gives 15 + 4(n−1) dB for offices at 2.4 GHz; a constant per floor is
// what wmediumd's LF·nFLOORS does). Lf is 0 on the same floor.
func ITUIndoor(d, fMHz, n float64, floors int, floorLoss float64) float64 {
	d = clampDistance(d)
	lf := 0.0
	if floors > 0 {
		lf = float64(floors) * floorLoss
	}
	return 20*math.Log10(fMHz) + n*math.Log10(d) + lf - 28
}

// TwoRayCrossover is the distance beyond which the ground-reflected ray
// cancels the direct one and the two-ray model applies:
//
//	dc = 4π·ht·hr / λ        λ = c / f
func TwoRayCrossover(fMHz, ht, hr float64) float64 {
	lambda := SpeedOfLight / (fMHz * 1e6)
	return 4 * math.Pi * ht * hr / lambda
}

// TwoRayGround is the two-ray ground reflection model for antennas ht and hr
// metres above a flat ground:
//
//	PL(d) = 40·log10(d) − 20·log10(ht·hr)        for d ≥ dc
//	PL(d) = FreeSpace(d, f)                      for d < dc
//
// The far-field formula does not depend on frequency; below the crossover
// distance dc (TwoRayCrossover) the rays interfere constructively and
// destructively and free space is the usual, continuous stand-in (the two
// formulas meet exactly at dc).
func TwoRayGround(d, fMHz, ht, hr float64) float64 {
	d = clampDistance(d)
	if d < TwoRayCrossover(fMHz, ht, hr) {
		return FreeSpace(d, fMHz)
	}
	return 40*math.Log10(d) - 20*math.Log10(ht*hr)
}

// LogNormalShadowing is the log-distance model plus a zero-mean Gaussian
// shadowing term Xσ (in dB) drawn from r:
//
//	PL(d) = PL0 + 10·n·log10(d) + Xσ,        Xσ ~ N(0, σ²)
//
// r must be seeded by the caller for reproducible results. The Model draws
// Xσ once per pair of radios instead (see Propagation.Sigma), because
// shadowing is a property of the path, not of a frame.
func LogNormalShadowing(d, pl0, n, sigma float64, r *rand.Rand) float64 {
	return LogDistance(d, pl0, n) + sigma*r.NormFloat64()
}
