package pipeline

import (
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

func pixelAt(img *msgs.Image, i int) [3]byte {
	return [3]byte{img.Data[3*i], img.Data[3*i+1], img.Data[3*i+2]}
}

func lutIndex(c [3]byte) int {
	for i, e := range TurboLUT {
		if e == c {
			return i
		}
	}
	return -1
}

func TestTurboLUTEnds(t *testing.T) {
	if TurboLUT[0] != [3]byte{48, 18, 59} || TurboLUT[255] != [3]byte{122, 4, 3} {
		t.Errorf("ends %v, %v", TurboLUT[0], TurboLUT[255])
	}
	// Blue dominates the low end, red the high end.
	if lo, hi := TurboLUT[20], TurboLUT[235]; !(lo[2] > lo[0] && hi[0] > hi[2]) {
		t.Errorf("low %v should be blue, high %v red", lo, hi)
	}
}

func TestColormapFixedRange(t *testing.T) {
	c, err := NewColorizer(ColormapConfig{Min: 1, Max: 11})
	if err != nil {
		t.Fatal(err)
	}
	depth := []float32{1, 6, 11, 0.5, 50, nan32, 0, -1, inf32}
	var img msgs.Image
	hdr := msgs.Header{FrameID: "cam"}
	if err := c.Render(&img, hdr, depth, 9, 1); err != nil {
		t.Fatal(err)
	}
	if img.Encoding != "rgb8" || img.Step != 27 || img.Header != hdr {
		t.Fatalf("metadata %+v", img)
	}
	want := []int{0, 128, 255, 0, 255}
	for i, w := range want {
		if got := pixelAt(&img, i); got != TurboLUT[w] {
			t.Errorf("depth %v: colour %v (LUT %d), want LUT[%d] %v", depth[i], got, lutIndex(got), w, TurboLUT[w])
		}
	}
	for i := 5; i < len(depth); i++ {
		if got := pixelAt(&img, i); got != [3]byte{} {
			t.Errorf("invalid depth %v: colour %v, want black", depth[i], got)
		}
	}
}

func TestColormapAutoRangeMonotonic(t *testing.T) {
	for _, inverse := range []bool{false, true} {
		c, err := NewColorizer(ColormapConfig{Inverse: inverse})
		if err != nil {
			t.Fatal(err)
		}
		const n = 1000
		depth := make([]float32, n+1)
		for i := 0; i < n; i++ {
			depth[i] = 1 + float32(i)*0.1 // increasing depth
		}
		depth[n] = nan32
		var img msgs.Image
		if err := c.Render(&img, msgs.Header{}, depth, n+1, 1); err != nil {
			t.Fatal(err)
		}
		prev := -1
		if inverse {
			prev = 256
		}
		for i := 0; i < n; i++ {
			k := lutIndex(pixelAt(&img, i))
			if k < 0 || (!inverse && k < prev) || (inverse && k > prev) {
				t.Fatalf("inverse=%v: pixel %d (depth %v) LUT index %d after %d: not monotonic", inverse, i, depth[i], k, prev)
			}
			prev = k
		}
		first, last := lutIndex(pixelAt(&img, 0)), lutIndex(pixelAt(&img, n-1))
		if inverse {
			first, last = last, first
		}
		if first != 0 || last != 255 {
			t.Errorf("inverse=%v: ends at LUT %d and %d, want 0 and 255 (2nd/98th percentile saturate)", inverse, first, last)
		}
		if pixelAt(&img, n) != [3]byte{} {
			t.Errorf("NaN not black")
		}
		lo, hi := c.Range()
		if !inverse && (lo < 2.5 || lo > 3.5 || hi < 98 || hi > 99.5) {
			t.Errorf("auto range [%v, %v], want about [3, 99]", lo, hi)
		}
	}
}

func TestColormapDegenerate(t *testing.T) {
	c, _ := NewColorizer(ColormapConfig{})
	var img msgs.Image
	for _, depth := range [][]float32{{nan32, nan32}, {4, 4}} {
		if err := c.Render(&img, msgs.Header{}, depth, 2, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := NewColorizer(ColormapConfig{Min: 5, Max: 2}); err == nil {
		t.Error("max < min accepted")
	}
	allocs := testing.AllocsPerRun(10, func() { _ = c.Render(&img, msgs.Header{}, []float32{1, 2}, 2, 1) })
	if allocs != 0 {
		t.Errorf("%v allocations per render, want 0", allocs)
	}
}
