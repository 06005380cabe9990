package control

import (
	"os"
	"runtime"
	"runtime/metrics"

	"github.com/hwsim-medium/hwsim-medium/medium/control/api"
)

// heapMetric is the bytes of live and not yet swept heap objects.
const heapMetric = "/memory/classes/heap/objects:bytes"

// processStats describes the medium's own process, so that a long run
// can be watched for leaks from outside (the soak test records it). It
// costs no stop of the world, unlike runtime.ReadMemStats.
func processStats() *api.ProcessStats {
	sample := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(sample)
	ps := &api.ProcessStats{Goroutines: runtime.NumGoroutine()}
	if sample[0].Value.Kind() == metrics.KindUint64 {
		ps.HeapBytes = sample[0].Value.Uint64()
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		ps.FDs = len(fds)
	}
	return ps
}
