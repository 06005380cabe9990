package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockupWatch(t *testing.T) {
	report := func(cpu, stuck int) string {
		return fmt.Sprintf("[  312.5] watchdog: BUG: soft lockup - CPU#%d stuck for %ds! [kworker/%d:2:85]", cpu, stuck, cpu)
	}
	type line struct {
		at   time.Duration // since the start
		text string
	}
	tests := []struct {
		name  string
		lines []line
		stop  bool
	}{
		{"no lockup", []line{{0, "hwsim-medium: serving"}, {time.Hour, "VM-EXIT-STATUS=0"}}, false},
		{"one passing lockup", []line{{0, report(0, 22)}, {time.Hour, "ok"}}, false},
		{"one report of a long stall (the host paused the VM)", []line{{0, report(0, 150)}, {time.Hour, "ok"}}, false},
		{"passing lockups far apart", []line{
			{0, report(0, 22)}, {5 * time.Minute, report(1, 23)}, {10 * time.Minute, report(0, 22)},
		}, false},
		{"the kernel counts two minutes", []line{
			{0, report(1, 22)}, {26 * time.Second, report(1, 48)}, {52 * time.Second, report(1, 74)},
			{78 * time.Second, report(1, 100)}, {104 * time.Second, report(1, 126)},
		}, true},
		{"reports every 25 s for two minutes, the count restarting", []line{
			{0, report(0, 22)}, {25 * time.Second, report(1, 22)}, {50 * time.Second, report(0, 23)},
			{75 * time.Second, report(1, 22)}, {100 * time.Second, report(0, 22)}, {125 * time.Second, report(1, 22)},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &lockupWatch{limit: lockupLimit, gap: lockupGap}
			t0 := time.Unix(1_700_000_000, 0)
			why := ""
			for _, l := range tt.lines {
				if why = w.see(l.text, t0.Add(l.at)); why != "" {
					break
				}
			}
			if got := why != ""; got != tt.stop {
				t.Fatalf("stop = %v (%q), want %v", got, why, tt.stop)
			}
			if tt.stop && !strings.Contains(why, "persistent soft lockup") {
				t.Errorf("reason %q does not name the lockup", why)
			}
		})
	}
}

// boot stops a VM whose kernel keeps reporting a soft lockup, well before
// its timeout, and says why. A fake qemu-system-x86_64 on PATH prints
// the reports and then hangs.
func TestBootStopsAPersistentLockup(t *testing.T) {
	dir := t.TempDir()
	fake := `#!/bin/sh
for s in 22 48 74 100; do
	echo "[  $s.000000] watchdog: BUG: soft lockup - CPU#1 stuck for ${s}s! [kworker/1:2:85]"
	sleep 0.2
done
exec sleep 60
`
	if err := os.WriteFile(filepath.Join(dir, "qemu-system-x86_64"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	start := time.Now()
	res, _ := boot(bootOpts{Kernel: "/nonexistent", Initrd: "/nonexistent", Accel: "tcg", MemMB: 64, SMP: 1,
		Timeout: time.Minute, Quiet: true, LockupLimit: 60 * time.Second})
	if res == nil {
		t.Fatal("no result")
	}
	if !strings.Contains(res.Lockup, "persistent soft lockup: CPU#1 stuck for 74s") {
		t.Errorf("Lockup = %q", res.Lockup)
	}
	if res.TimedOut || time.Since(start) > 30*time.Second {
		t.Errorf("stopped after %s (timed out: %v), not at the lockup", time.Since(start), res.TimedOut)
	}
}
