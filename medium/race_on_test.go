//go:build race

package medium_test

// raceScale divides the work of the long tests under the race detector,
// which makes them ten times slower; `go test` without -race does it all.
const raceScale = 5
