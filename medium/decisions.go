package medium

import "time"

// DecisionSampleEvery is how many frames the medium decides per timed
// one. Two clock reads per frame cost the fast path about a third of
// its decision (BenchmarkRoute, 2 radios: ~150 ns a frame, time.Now
// ~25 ns), so one frame in this many is timed: the cost is a counter
// and a branch, and the histogram still fills at a few samples per
// second as soon as anything talks.
const DecisionSampleEvery = 64

// DecisionBuckets are the upper bounds of the decision-time histogram:
// from a few hundred nanoseconds (one receiver, fast path) to the
// milliseconds of a hundred radios under a loss model on an emulated CPU.
var DecisionBuckets = [...]time.Duration{
	250 * time.Nanosecond, 500 * time.Nanosecond,
	time.Microsecond, 2500 * time.Nanosecond, 5 * time.Microsecond,
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
}

// DecisionTimes is a histogram of how long the medium took to decide a
// frame: from taking it to having queued its deliveries and status
// (encoded, not yet sent). Only one frame in Every is timed.
type DecisionTimes struct {
	// Every is the sampling interval: one frame in Every was timed.
	Every int
	// Counts[i] counts the samples at most DecisionBuckets[i] (and
	// above the bucket before); the last entry counts the slower ones.
	Counts [len(DecisionBuckets) + 1]uint64
	// Count is the number of samples, Sum their total.
	Count uint64
	Sum   time.Duration
}

// decisionClock times one frame in DecisionSampleEvery. It lives under
// the medium's lock.
type decisionClock struct {
	n     int
	times DecisionTimes
}

// due reports whether the next frame is one to time.
func (c *decisionClock) due() bool {
	c.n++
	if c.n < DecisionSampleEvery {
		return false
	}
	c.n = 0
	return true
}

// observe records one decision that took d.
func (c *decisionClock) observe(d time.Duration) {
	i := 0
	for i < len(DecisionBuckets) && d > DecisionBuckets[i] {
		i++
	}
	c.times.Counts[i]++
	c.times.Count++
	c.times.Sum += d
}

// DecisionTimes returns the histogram of the time the medium took per
// frame, sampled.
func (m *Medium) DecisionTimes() DecisionTimes {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.decide.times
	t.Every = DecisionSampleEvery
	return t
}
