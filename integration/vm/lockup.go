package main

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// A kernel under TCG on a loaded host can report a soft lockup now and
// then (a vCPU the host did not run for 20 s) and go on. A kernel that
// keeps reporting one is stuck: the run would only end at -timeout (up to
// an hour for make soak), so the VM is stopped once the lockup has lasted
// lockupLimit.
const (
	lockupLimit = 2 * time.Minute
	// lockupGap: reports further apart than this belong to two passing
	// lockups, not one persistent one (the watchdog reports a stuck CPU
	// every 20-30 s).
	lockupGap = time.Minute
)

// softLockupRE matches the watchdog's report, e.g.
// "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:2:85]".
var softLockupRE = regexp.MustCompile(`soft lockup - CPU#(\d+) stuck for (\d+)s`)

// lockupWatch tells a passing soft lockup from a persistent one, from the
// console lines as they arrive.
type lockupWatch struct {
	limit, gap  time.Duration
	first, last time.Time // the current streak of reports
	reports     int
}

// lockupMinReports: one report, however long it says the CPU was stuck,
// may be the host having paused the whole VM; a stuck CPU is reported
// again and again.
const lockupMinReports = 3

// see takes one console line seen at now; it returns why the VM should be
// stopped, or "".
func (w *lockupWatch) see(line string, now time.Time) string {
	m := softLockupRE.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	if w.reports == 0 || now.Sub(w.last) > w.gap {
		w.first, w.reports = now, 0
	}
	w.last = now
	w.reports++
	stuck, _ := strconv.Atoi(m[2])
	// The kernel's own measure, or ours when it restarts its count.
	lasted := max(time.Duration(stuck)*time.Second, now.Sub(w.first))
	if lasted < w.limit || w.reports < lockupMinReports {
		return ""
	}
	return fmt.Sprintf("persistent soft lockup: CPU#%s stuck for %ds, %d reports in %s (%q)",
		m[1], stuck, w.reports, now.Sub(w.first).Round(time.Second), line)
}
