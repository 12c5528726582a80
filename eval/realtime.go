package eval

// SimulateRealtime replays measured processing times against the recording's arrival times, as
// the node would see them: one worker and a latest-frame-wins slot, so a frame that arrives while
// the worker is busy replaces any frame already waiting (which is dropped). arrivals must be
// non-decreasing; both in seconds. It returns how many frames were processed and dropped.
func SimulateRealtime(arrivals, durations []float64) (processed, dropped int) {
	busyUntil := -1.0
	waiting := -1 // index of the frame in the slot
	i := 0
	for i < len(arrivals) || waiting >= 0 {
		// Next event: an arrival or the worker becoming free with a frame waiting.
		if waiting >= 0 && (i >= len(arrivals) || busyUntil <= arrivals[i]) {
			busyUntil += durations[waiting]
			processed++
			waiting = -1
			continue
		}
		t := arrivals[i]
		if t >= busyUntil && waiting < 0 {
			busyUntil = t + durations[i]
			processed++
		} else {
			if waiting >= 0 {
				dropped++
			}
			waiting = i
		}
		i++
	}
	return processed, dropped
}
