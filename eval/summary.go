package eval

import "math"

// MeanMetrics averages per-frame metrics (Monodepth2 averages per image, not per pixel).
type MeanMetrics struct {
	DepthMetrics
	Frames int `json:"frames"`
}

// meanAcc accumulates depth metrics into their per-frame mean: frame by frame (addFrame), or from
// means over many frames (addMean, when merging recordings), which gives the same mean.
type meanAcc struct {
	sum            [7]float64
	frames, pixels int
}

// addFrame includes one frame's metrics; a frame without pixels there does not count.
func (a *meanAcc) addFrame(m DepthMetrics) {
	if m.Pixels == 0 {
		return
	}
	a.addMean(MeanMetrics{DepthMetrics: m, Frames: 1})
}

// addMean includes a mean over mm.Frames frames.
func (a *meanAcc) addMean(mm MeanMetrics) {
	for i, v := range mm.Values() {
		a.sum[i] += v * float64(mm.Frames)
	}
	a.frames += mm.Frames
	a.pixels += mm.Pixels
}

func (a *meanAcc) mean() MeanMetrics {
	if a.frames == 0 {
		return MeanMetrics{}
	}
	k := float64(a.frames)
	s := a.sum
	return MeanMetrics{Frames: a.frames, DepthMetrics: DepthMetrics{AbsRel: s[0] / k, SqRel: s[1] / k, RMSE: s[2] / k,
		RMSELog: s[3] / k, Delta1: s[4] / k, Delta2: s[5] / k, Delta3: s[6] / k, Pixels: a.pixels}}
}

// moverSplit returns the follower and other-mover means, or nil for both when no frame had a follower
// pixel: masks that do not mark followers (real data, older sims) have no split to report.
func moverSplit(fol, oth *meanAcc) (followers, others *MeanMetrics) {
	if fol.frames == 0 {
		return nil, nil
	}
	f, o := fol.mean(), oth.mean()
	return &f, &o
}

// Summary accumulates frame scores.
type Summary struct {
	all, dyn, st, fol, oth meanAcc
	ratios                 []float64
}

// Add includes one frame. Frames without pixels in a breakdown (dynamic, static, followers, other
// movers) do not count toward that breakdown's mean.
func (s *Summary) Add(f FrameScore) {
	s.all.addFrame(f.All)
	s.dyn.addFrame(f.Dynamic)
	s.st.addFrame(f.Static)
	s.fol.addFrame(f.Followers)
	s.oth.addFrame(f.OtherMovers)
	s.ratios = append(s.ratios, f.Ratio)
}

// All, Dynamic and Static return the per-frame means.
func (s *Summary) All() MeanMetrics     { return s.all.mean() }
func (s *Summary) Dynamic() MeanMetrics { return s.dyn.mean() }
func (s *Summary) Static() MeanMetrics  { return s.st.mean() }

// MoverSplit returns the per-frame means over follower and other-mover pixels, both nil when no frame
// had a follower pixel.
func (s *Summary) MoverSplit() (followers, others *MeanMetrics) { return moverSplit(&s.fol, &s.oth) }

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
