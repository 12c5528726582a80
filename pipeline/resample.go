package pipeline

import "fmt"

// Resampler maps a network's per-pixel output (srcW × srcH, any resolution) onto the depth
// grid the pipeline publishes: the content window of the model input (the letterbox padding
// left out), at the content's size. Sampling is bilinear with pixel centres at half-integers,
// OpenCV's convention, through index and weight tables built once per geometry, so Map
// allocates nothing in steady state. When output, tensor and content coincide it is a copy.
type Resampler struct {
	key      resampleKey
	identity bool
	x0, x1   []int32 // per destination column: the two source columns
	wx       []float32
	y0, y1   []int32
	wy       []float32
}

type resampleKey struct{ srcW, srcH, tensorW, tensorH, offX, offY, dstW, dstH int }

// Prepare sets the geometry: the network output is srcW × srcH for a tensorW × tensorH input
// whose content (dstW × dstH, at offX, offY) becomes the destination grid.
func (r *Resampler) Prepare(srcW, srcH, tensorW, tensorH, offX, offY, dstW, dstH int) error {
	k := resampleKey{srcW, srcH, tensorW, tensorH, offX, offY, dstW, dstH}
	if k == r.key && r.key.dstW > 0 {
		return nil
	}
	if srcW < 1 || srcH < 1 || tensorW < 1 || tensorH < 1 || dstW < 1 || dstH < 1 ||
		offX < 0 || offY < 0 || offX+dstW > tensorW || offY+dstH > tensorH {
		return fmt.Errorf("resample: output %dx%d, tensor %dx%d, content %dx%d at (%d, %d): not a valid geometry",
			srcW, srcH, tensorW, tensorH, dstW, dstH, offX, offY)
	}
	r.key = k
	r.identity = srcW == dstW && srcH == dstH && tensorW == dstW && tensorH == dstH
	if r.identity {
		return nil
	}
	r.x0, r.x1, r.wx = axisTable(r.x0, r.x1, r.wx, srcW, tensorW, offX, dstW)
	r.y0, r.y1, r.wy = axisTable(r.y0, r.y1, r.wy, srcH, tensorH, offY, dstH)
	return nil
}

// axisTable: destination pixel i is tensor pixel off+i, whose centre maps to source coordinate
// (off+i+0.5)·src/tensor − 0.5; sample between its two neighbours, clamped at the edges.
func axisTable(i0, i1 []int32, w []float32, src, tensor, off, dst int) ([]int32, []int32, []float32) {
	i0, i1, w = i0[:0], i1[:0], w[:0]
	ratio := float64(src) / float64(tensor)
	for i := 0; i < dst; i++ {
		s := (float64(off+i)+0.5)*ratio - 0.5
		if s < 0 {
			s = 0
		}
		if s > float64(src-1) {
			s = float64(src - 1)
		}
		a := int(s)
		b := min(a+1, src-1)
		i0, i1, w = append(i0, int32(a)), append(i1, int32(b)), append(w, float32(s-float64(a)))
	}
	return i0, i1, w
}

// Map samples src (the prepared srcW × srcH) into dst (dstW × dstH).
func (r *Resampler) Map(dst, src []float32) error {
	k := r.key
	if len(src) < k.srcW*k.srcH || len(dst) < k.dstW*k.dstH {
		return fmt.Errorf("resample: buffers %d and %d values, want %d and %d", len(src), len(dst), k.srcW*k.srcH, k.dstW*k.dstH)
	}
	if r.identity {
		copy(dst, src[:k.dstW*k.dstH])
		return nil
	}
	for y := 0; y < k.dstH; y++ {
		r0 := src[int(r.y0[y])*k.srcW : (int(r.y0[y])+1)*k.srcW]
		r1 := src[int(r.y1[y])*k.srcW : (int(r.y1[y])+1)*k.srcW]
		wy := r.wy[y]
		out := dst[y*k.dstW : (y+1)*k.dstW]
		for x := range out {
			a, b, wx := r.x0[x], r.x1[x], r.wx[x]
			top := r0[a] + (r0[b]-r0[a])*wx
			bot := r1[a] + (r1[b]-r1[a])*wx
			out[x] = top + (bot-top)*wy
		}
	}
	return nil
}
