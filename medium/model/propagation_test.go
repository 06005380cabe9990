package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Reference values below were computed independently of this package
// (with the textbook formulas, in another language) and are written as
// constants.

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

func TestFreeSpace(t *testing.T) {
	tests := []struct {
		d, f, want float64
	}{
		{1, 2412, 40.09532929124565},
		{10, 2412, 60.09532929124565},
		{100, 5180, 86.73437841678803},
		{37.5, 2437, 71.66551916013223},
		{0.5, 2412, 40.09532929124565}, // clamped to 1 m
		{0, 2412, 40.09532929124565},
	}
	for _, tt := range tests {
		near(t, "FreeSpace", FreeSpace(tt.d, tt.f), tt.want, 1e-9)
	}
	// +6.02 dB per doubling of distance, +6.02 dB per doubling of f.
	near(t, "doubling d", FreeSpace(200, 2412)-FreeSpace(100, 2412), 20*math.Log10(2), 1e-9)
	near(t, "doubling f", FreeSpace(100, 4824)-FreeSpace(100, 2412), 20*math.Log10(2), 1e-9)
	near(t, "NaN distance", FreeSpace(math.NaN(), 2412), 40.09532929124565, 1e-9)
}

func TestLogDistance(t *testing.T) {
	tests := []struct {
		d, pl0, n, want float64
	}{
		{50, 40, 3.5, 99.46395015176066},
		{20, 40.09532929124565, 2.7, 75.22313917417314},
		{1, 40, 3, 40},
		{10, 40, 2, 60},
		{0.1, 40, 3, 40},
	}
	for _, tt := range tests {
		near(t, "LogDistance", LogDistance(tt.d, tt.pl0, tt.n), tt.want, 1e-9)
	}
	// n = 2 with the free-space reference is free space.
	near(t, "n=2", LogDistance(123, FreeSpace(1, 2412), 2), FreeSpace(123, 2412), 1e-9)
}

func TestITUIndoor(t *testing.T) {
	tests := []struct {
		d, f, n   float64
		floors    int
		floorLoss float64
		want      float64
	}{
		{20, 2412, 30, 2, 15, 108.67844593928172},
		{7, 5180, 31, 0, 15, 72.48463443534662},
		{1, 2400, 30, 0, 0, 20*math.Log10(2400) - 28},
		{10, 2400, 30, 1, 15, 20*math.Log10(2400) + 30 + 15 - 28},
		{10, 2400, 30, -1, 15, 20*math.Log10(2400) + 30 - 28}, // no negative floors
	}
	for _, tt := range tests {
		near(t, "ITUIndoor", ITUIndoor(tt.d, tt.f, tt.n, tt.floors, tt.floorLoss), tt.want, 1e-9)
	}
}

func TestTwoRayGround(t *testing.T) {
	// ht = 1.5 m, hr = 2 m at 2412 MHz: dc = 4π·3/λ = 303.31 m.
	near(t, "crossover", TwoRayCrossover(2412, 1.5, 2), 303.3106915768474, 1e-9)
	near(t, "far", TwoRayGround(500, 2412, 1.5, 2), 98.4163750790475, 1e-9)
	near(t, "near = free space", TwoRayGround(50, 2412, 1.5, 2), 74.07472937796602, 1e-9)
	// Continuous at the crossover.
	dc := TwoRayCrossover(2412, 1.5, 2)
	near(t, "continuity", TwoRayGround(dc*(1+1e-12), 2412, 1.5, 2), FreeSpace(dc, 2412), 1e-6)
	// 12 dB per doubling beyond it.
	near(t, "40 dB/decade", TwoRayGround(2000, 2412, 1.5, 2)-TwoRayGround(1000, 2412, 1.5, 2), 40*math.Log10(2), 1e-9)
}

func TestLogNormalShadowing(t *testing.T) {
	const d, pl0, n, sigma = 30.0, 40.0, 3.0, 6.0
	base := 40 + 30*math.Log10(30)
	// Same seed, same draws.
	r1 := rand.New(rand.NewPCG(7, 7))
	r2 := rand.New(rand.NewPCG(7, 7))
	for range 10 {
		x := r2.NormFloat64()
		near(t, "LogNormalShadowing", LogNormalShadowing(d, pl0, n, sigma, r1), base+sigma*x, 1e-9)
	}
	// σ = 0 is log-distance.
	near(t, "sigma 0", LogNormalShadowing(d, pl0, n, 0, r1), base, 1e-12)
	// The draws have mean 0 and standard deviation σ.
	r := rand.New(rand.NewPCG(1, 2))
	var sum, sq float64
	const N = 200000
	for range N {
		x := LogNormalShadowing(d, pl0, n, sigma, r) - base
		sum += x
		sq += x * x
	}
	mean := sum / N
	sd := math.Sqrt(sq/N - mean*mean)
	near(t, "mean", mean, 0, 0.05)
	near(t, "sd", sd, sigma, 0.05)
}
