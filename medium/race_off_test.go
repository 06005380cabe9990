//go:build !race

package medium_test

// raceScale: see race_on_test.go.
const raceScale = 1
