package medium

import (
	"fmt"
	"time"
)

// Timing selects when the medium decides and delivers frames.
type Timing uint8

const (
	// TimingFast decides and delivers every frame the moment the kernel
	// hands it over: no airtime, no contention, no collisions.
	TimingFast Timing = iota
	// TimingAirtime gives every frame its transmission time on its
	// channel, with CSMA/CA contention, collisions and interference; see
	// docs/models.md, "Airtime mode".
	TimingAirtime
)

// String names the timing as --timing spells it.
func (t Timing) String() string {
	if t == TimingAirtime {
		return "airtime"
	}
	return "fast"
}

// ParseTiming reads "fast" or "airtime".
func ParseTiming(s string) (Timing, error) {
	switch s {
	case "fast":
		return TimingFast, nil
	case "airtime":
		return TimingAirtime, nil
	}
	return TimingFast, fmt.Errorf("timing %q: want fast or airtime", s)
}

// Clock is the time source of the airtime mode; tests substitute a fake
// one.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once after d.
	NewTimer(d time.Duration) Timer
}

// Timer is a resettable one-shot timer, as time.Timer since Go 1.23:
// after Reset or Stop no value from an earlier deadline is received.
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// realClock is Clock on the system clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time   { return r.t.C }
func (r realTimer) Reset(d time.Duration) { r.t.Reset(d) }
func (r realTimer) Stop()                 { r.t.Stop() }
