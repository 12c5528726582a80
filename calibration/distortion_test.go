package calibration

import (
	"fmt"
	"math"
	"testing"
)

func TestDistortKnownAnswers(t *testing.T) {
	q := math.Pi / 4 // atan(1)
	tests := []struct {
		name         string
		model        DistortionModel
		d            []float64
		x, y         float64
		wantX, wantY float64
	}{
		{"none", NoDistortion, []float64{1, 2, 3}, 0.3, -0.4, 0.3, -0.4},
		{"plumb_bob zero", PlumbBob, []float64{0, 0, 0, 0, 0}, 0.3, -0.4, 0.3, -0.4},
		{"plumb_bob empty D", PlumbBob, nil, 0.3, -0.4, 0.3, -0.4},
		// r² = 0.25: 1 + 0.1·0.25 = 1.025.
		{"plumb_bob k1", PlumbBob, []float64{0.1, 0, 0, 0, 0}, 0.5, 0, 0.5125, 0},
		// r² = 0.25: 1 + 0.1·0.25 + 0.01·0.0625 + 0.001·0.015625.
		{"plumb_bob k1 k2 k3", PlumbBob, []float64{0.1, 0.01, 0, 0, 0.001}, 0, 0.5, 0, 0.5 * 1.025640625},
		// r² = 0.29: x + 2·p1·x·y = 0.502; y + p1·(r² + 2y²) = 0.2037.
		{"plumb_bob p1", PlumbBob, []float64{0, 0, 0.01, 0, 0}, 0.5, 0.2, 0.502, 0.2037},
		// x + p2·(r² + 2x²) = 0.5 + 0.01·0.79; y + 2·p2·x·y = 0.2 + 0.002.
		{"plumb_bob p2", PlumbBob, []float64{0, 0, 0, 0.01, 0}, 0.5, 0.2, 0.5079, 0.202},
		// 1/(1 + 0.5·0.25) = 1/1.125.
		{"rational k4", RationalPolynomial, []float64{0, 0, 0, 0, 0, 0.5, 0, 0}, 0.5, 0, 0.5 / 1.125, 0},
		// (1 + 0.2·0.25)/(1 + 0.25·0.0625) = 1.05/1.015625.
		{"rational k1 k5", RationalPolynomial, []float64{0.2, 0, 0, 0, 0, 0, 0.25, 0}, 0, -0.5, 0, -0.5 * 1.05 / 1.015625},
		// An ideal fisheye with zero coefficients is the equidistant projection: r_d = θ = atan(r).
		{"equidistant zero", Equidistant, []float64{0, 0, 0, 0}, 1, 0, q, 0},
		{"equidistant k1", Equidistant, []float64{0.1, 0, 0, 0}, 0, 1, 0, q * (1 + 0.1*q*q)},
		{"equidistant k4", Equidistant, []float64{0, 0, 0, 0.02}, 0.6, 0.8, 0.6 * q * (1 + 0.02*math.Pow(q, 8)), 0.8 * q * (1 + 0.02*math.Pow(q, 8))},
		{"equidistant centre", Equidistant, []float64{0.3, 0.1, 0, 0}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y := Distort(tt.model, tt.d, tt.x, tt.y)
			if math.Abs(x-tt.wantX) > 1e-15 || math.Abs(y-tt.wantY) > 1e-15 {
				t.Errorf("Distort(%v, %v) = (%.17g, %.17g), want (%.17g, %.17g)", tt.x, tt.y, x, y, tt.wantX, tt.wantY)
			}
		})
	}
}

// Lenses the tests use: a webcam with barrel distortion, a wide-angle rational model (Azure Kinect-like),
// and a fisheye.
var testLenses = []struct {
	model DistortionModel
	d     []float64
	// maxR is the radius in normalised coordinates up to which the lens is one-to-one.
	maxR float64
}{
	{PlumbBob, []float64{-0.28340811, 0.07395907, 0.00019359, 1.76187114e-05, 0}, 0.9},
	{PlumbBob, []float64{0.12, -0.25, 0.001, -0.0015, 0.08}, 1.0},
	{RationalPolynomial, []float64{0.5, -0.02, 1e-4, -2e-4, 0.001, 0.85, 0.05, 0.003}, 2.0},
	{Equidistant, []float64{0.0069, 0.0043, -0.0072, 0.0019}, 3.0},
	{Equidistant, []float64{-0.013, 0.02, -0.01, 0.002}, 10.0},
}

func TestUndistortInvertsDistort(t *testing.T) {
	for _, lens := range testLenses {
		t.Run(fmt.Sprint(lens.model, lens.d), func(t *testing.T) {
			const n = 25
			for i := 0; i <= n; i++ {
				for j := 0; j <= n; j++ {
					// A grid over the square inscribed in the one-to-one disc.
					x := lens.maxR * (2*float64(i)/n - 1) / math.Sqrt2
					y := lens.maxR * (2*float64(j)/n - 1) / math.Sqrt2
					xd, yd := Distort(lens.model, lens.d, x, y)
					ux, uy, ok := Undistort(lens.model, lens.d, xd, yd)
					if !ok || math.Abs(ux-x) > 1e-9*(1+math.Abs(x)) || math.Abs(uy-y) > 1e-9*(1+math.Abs(y)) {
						t.Fatalf("(%g, %g) → distorted (%g, %g) → undistorted (%.12g, %.12g) ok=%v", x, y, xd, yd, ux, uy, ok)
					}
				}
			}
		})
	}
}

func TestUndistortReportsFailure(t *testing.T) {
	// Strong barrel distortion folds back: r_d = r(1 − 0.5r²) never exceeds 0.544, so 0.8 has no preimage.
	if x, y, ok := Undistort(PlumbBob, []float64{-0.5, 0, 0, 0, 0}, 0.8, 0); ok {
		t.Errorf("Undistort of an unreachable point = (%g, %g), ok", x, y)
	}
	// A fisheye radius beyond θ = 90° has no pinhole image.
	if x, y, ok := Undistort(Equidistant, []float64{0, 0, 0, 0}, 2, 0); ok {
		t.Errorf("Undistort beyond 90° = (%g, %g), ok", x, y)
	}
	if x, y, ok := Undistort(NoDistortion, nil, 0.25, -1.5); !ok || x != 0.25 || y != -1.5 {
		t.Errorf("Undistort without distortion = (%g, %g, %v), want the point itself", x, y, ok)
	}
}
