package models

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Every half widens to a float32 that rounds back to the same half (NaNs stay NaN).
func TestFloat16RoundTripsEveryHalf(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := Float16ToFloat32(uint16(h))
		back := Float32ToFloat16(f)
		if math.IsNaN(float64(f)) {
			if back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN half %#04x -> %v -> %#04x, not NaN", h, f, back)
			}
			continue
		}
		if back != uint16(h) {
			t.Fatalf("half %#04x -> %v -> %#04x", h, f, back)
		}
	}
}

// Known values, from the binary16 definition.
func TestFloat16KnownValues(t *testing.T) {
	for _, tc := range []struct {
		f float32
		h uint16
	}{
		{0, 0x0000}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3c00}, {-2, 0xc000}, {0.5, 0x3800},
		{65504, 0x7bff},                           // largest half
		{65520, 0x7c00},                           // rounds up to Inf
		{65519, 0x7bff},                           // rounds down
		{float32(math.Pow(2, -14)), 0x0400},       // smallest normal
		{float32(math.Pow(2, -24)), 0x0001},       // smallest subnormal
		{float32(math.Pow(2, -25)), 0x0000},       // tie between 0 and the smallest subnormal: even (0)
		{float32(1.5 * math.Pow(2, -24)), 0x0002}, // tie between 1 and 2 subnormal units: even (2)
		{1 + 1.0/2048, 0x3c00},                    // tie below: even
		{1 + 3.0/2048, 0x3c02},                    // tie above: even
		{float32(math.Inf(1)), 0x7c00}, {float32(math.Inf(-1)), 0xfc00},
		{0.333251953125, 0x3555},
	} {
		if got := Float32ToFloat16(tc.f); got != tc.h {
			t.Errorf("Float32ToFloat16(%v) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	if !math.IsNaN(float64(Float16ToFloat32(Float32ToFloat16(float32(math.NaN()))))) {
		t.Error("NaN did not survive")
	}
}

// Random float32s round to the nearest half: no half lies strictly nearer.
func TestFloat16RoundsToNearest(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		f := float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(40)-25)))
		if math.Abs(float64(f)) > 65504 {
			continue
		}
		h := Float32ToFloat16(f)
		got := float64(Float16ToFloat32(h))
		err := math.Abs(got - float64(f))
		for _, n := range []uint16{h - 1, h + 1} {
			v := float64(Float16ToFloat32(n))
			if math.IsNaN(v) || math.IsInf(v, 0) || (n&0x7fff) == 0x7fff {
				continue
			}
			if math.Signbit(v) != math.Signbit(got) && v != 0 {
				continue
			}
			if d := math.Abs(v - float64(f)); d < err {
				t.Fatalf("%v -> %#04x (%v, err %g) but %#04x (%v) is nearer (%g)", f, h, got, err, n, v, d)
			}
		}
	}
}

func TestFloat16Slices(t *testing.T) {
	src := []float32{1, -0.25, 1000, 3.14159}
	buf := make([]byte, 2*len(src))
	EncodeFloat16(buf, src)
	dst := make([]float32, len(src))
	DecodeFloat16(dst, buf)
	for i := range src {
		if math.Abs(float64(dst[i]-src[i])) > 1e-3*math.Abs(float64(src[i])) {
			t.Errorf("[%d] %v -> %v", i, src[i], dst[i])
		}
	}
}
