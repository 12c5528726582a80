package cpuclock

import (
	"testing"
	"time"
)

// TestProcessCountsBusyTimeNotSleep: busy work advances the clock (100 ms of it within 10 s of wall
// time, however loaded the machine), and 200 ms of sleep advances it by almost nothing.
func TestProcessCountsBusyTimeNotSleep(t *testing.T) {
	start := Process()
	x := 0.0
	for deadline := time.Now().Add(10 * time.Second); Process()-start < 100*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("10 s of busy work counted as %v of CPU", Process()-start)
		}
		for i := 0; i < 100000; i++ {
			x += float64(i) * 1e-9
		}
	}
	start = Process()
	time.Sleep(200 * time.Millisecond)
	if idle := Process() - start; idle > 50*time.Millisecond {
		t.Fatalf("asleep 200 ms → %v CPU (x %g)", idle, x)
	}
}
