package eval

import "math"

// MeanMetrics averages per-frame metrics (Monodepth2 averages per image, not per pixel).
type MeanMetrics struct {
	DepthMetrics
	Frames int `json:"frames"`
}

// Summary accumulates frame scores.
type Summary struct {
	all, dyn, st    [7]float64
	nAll, nDyn, nSt int
	pixAll, pixDyn  int
	pixSt           int
	ratios          []float64
}

// Add includes one frame. Frames without dynamic (or static) pixels do not count toward that
// breakdown's mean.
func (s *Summary) Add(f FrameScore) {
	add := func(acc *[7]float64, n *int, pix *int, m DepthMetrics) {
		if m.Pixels == 0 {
			return
		}
		for i, v := range m.Values() {
			acc[i] += v
		}
		*n++
		*pix += m.Pixels
	}
	add(&s.all, &s.nAll, &s.pixAll, f.All)
	add(&s.dyn, &s.nDyn, &s.pixDyn, f.Dynamic)
	add(&s.st, &s.nSt, &s.pixSt, f.Static)
	s.ratios = append(s.ratios, f.Ratio)
}

func mean(acc [7]float64, n, pix int) MeanMetrics {
	if n == 0 {
		return MeanMetrics{}
	}
	k := float64(n)
	return MeanMetrics{Frames: n, DepthMetrics: DepthMetrics{AbsRel: acc[0] / k, SqRel: acc[1] / k, RMSE: acc[2] / k,
		RMSELog: acc[3] / k, Delta1: acc[4] / k, Delta2: acc[5] / k, Delta3: acc[6] / k, Pixels: pix}}
}

// All, Dynamic and Static return the per-frame means.
func (s *Summary) All() MeanMetrics     { return mean(s.all, s.nAll, s.pixAll) }
func (s *Summary) Dynamic() MeanMetrics { return mean(s.dyn, s.nDyn, s.pixDyn) }
func (s *Summary) Static() MeanMetrics  { return mean(s.st, s.nSt, s.pixSt) }

// RatioStats returns the mean and standard deviation of the applied scale ratios (for median
// scaling, a small std means the model's scale is consistent across frames).
func (s *Summary) RatioStats() (mean, std float64) {
	if len(s.ratios) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, r := range s.ratios {
		mean += r
	}
	mean /= float64(len(s.ratios))
	for _, r := range s.ratios {
		std += (r - mean) * (r - mean)
	}
	return mean, math.Sqrt(std / float64(len(s.ratios)))
}
