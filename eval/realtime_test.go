package eval

import "testing"

func TestSimulateRealtime(t *testing.T) {
	cases := []struct {
		name               string
		arrivals, durs     []float64
		processed, dropped int
	}{
		{"fast enough", []float64{0, 0.1, 0.2, 0.3}, []float64{0.05, 0.05, 0.05, 0.05}, 4, 0},
		// 0.25 s per frame at 10 Hz: frame 0 runs 0–0.25; 1 and 2 arrive meanwhile (1 dropped, 2 waits);
		// 2 runs 0.25–0.5; 3 and 4 arrive (3 dropped), 4 runs 0.5–0.75; 5 arrives at 0.5 → waits; 6 at 0.6
		// replaces it (5 dropped); 6 runs 0.75–1.0.
		{"twice too slow", []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, []float64{0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, 4, 3},
		{"empty", nil, nil, 0, 0},
	}
	for _, c := range cases {
		p, d := SimulateRealtime(c.arrivals, c.durs)
		if p != c.processed || d != c.dropped || p+d != len(c.arrivals) {
			t.Errorf("%s: processed %d dropped %d, want %d %d", c.name, p, d, c.processed, c.dropped)
		}
	}
}
