// Package cpuclock reads the CPU time the process has used, all threads together (user + system),
// for CPU-per-frame accounting in /diagnostics and `ssmde bench`: wall time says how fast a frame
// is, CPU time says what it costs the robot's other nodes.
package cpuclock

import (
	"syscall"
	"time"
)

// Process returns the CPU time used by every thread of this process so far (getrusage RUSAGE_SELF);
// 0 when the kernel does not say.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
