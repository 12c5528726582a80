package calibration

import "math"

// Distort maps ideal normalised image coordinates (x = X/Z, y = Y/Z) to the distorted normalised
// coordinates the lens produces, with OpenCV's formulas for each model. Missing coefficients count as
// zero, so a model name with an empty D is the ideal pinhole; NoDistortion ignores D, and so does a
// model name this package does not know (Camera.Validate rejects those before they get here).
func Distort(model DistortionModel, d []float64, x, y float64) (xd, yd float64) {
	switch model {
	case PlumbBob, RationalPolynomial:
		k1, k2, p1, p2, k3 := coef(d, 0), coef(d, 1), coef(d, 2), coef(d, 3), coef(d, 4)
		r2 := x*x + y*y
		radial := 1 + r2*(k1+r2*(k2+r2*k3))
		if model == RationalPolynomial {
			k4, k5, k6 := coef(d, 5), coef(d, 6), coef(d, 7)
			radial /= 1 + r2*(k4+r2*(k5+r2*k6))
		}
		xy2 := 2 * x * y
		return x*radial + p1*xy2 + p2*(r2+2*x*x),
			y*radial + p1*(r2+2*y*y) + p2*xy2
	case Equidistant:
		r := math.Hypot(x, y)
		if r < 1e-12 {
			// theta_d / r → 1 as r → 0.
			return x, y
		}
		theta := math.Atan(r)
		return x * equidistantThetaD(d, theta) / r, y * equidistantThetaD(d, theta) / r
	}
	return x, y
}

// equidistantThetaD is the fisheye's distorted angle θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸).
func equidistantThetaD(d []float64, theta float64) float64 {
	t2 := theta * theta
	return theta * (1 + t2*(coef(d, 0)+t2*(coef(d, 1)+t2*(coef(d, 2)+t2*coef(d, 3)))))
}

func coef(d []float64, i int) float64 {
	if i < len(d) {
		return d[i]
	}
	return 0
}

// Undistort inverts Distort by iteration: it returns the ideal normalised coordinates that the lens
// maps to (xd, yd). ok is false where the iteration does not converge, which happens outside the
// region where the model is one-to-one (far beyond the calibrated field of view).
func Undistort(model DistortionModel, d []float64, xd, yd float64) (x, y float64, ok bool) {
	switch model {
	case PlumbBob, RationalPolynomial:
		return undistortNewton(model, d, xd, yd)
	case Equidistant:
		return undistortEquidistant(d, xd, yd)
	}
	return xd, yd, true
}

// undistortNewton solves Distort(x, y) = (xd, yd) by Newton's method with a central-difference
// Jacobian. OpenCV's fixed-point iteration diverges for strong barrel distortion; Newton does not
// near the solution and converges to machine precision in a few steps.
func undistortNewton(model DistortionModel, d []float64, xd, yd float64) (x, y float64, ok bool) {
	const h = 1e-7
	x, y = xd, yd
	det := 1.0
	for range 50 {
		fx, fy := Distort(model, d, x, y)
		ex, ey := fx-xd, fy-yd
		if math.Abs(ex) < 1e-15 && math.Abs(ey) < 1e-15 {
			break
		}
		xpx, xpy := Distort(model, d, x+h, y)
		xmx, xmy := Distort(model, d, x-h, y)
		ypx, ypy := Distort(model, d, x, y+h)
		ymx, ymy := Distort(model, d, x, y-h)
		a, b := (xpx-xmx)/(2*h), (ypx-ymx)/(2*h) // ∂fx/∂x, ∂fx/∂y
		c, e := (xpy-xmy)/(2*h), (ypy-ymy)/(2*h) // ∂fy/∂x, ∂fy/∂y
		det = a*e - b*c
		if det == 0 || !isFinite(det) {
			return x, y, false
		}
		dx, dy := (e*ex-b*ey)/det, (a*ey-c*ex)/det
		x, y = x-dx, y-dy
		if math.Abs(dx) < 1e-15*(1+math.Abs(x)) && math.Abs(dy) < 1e-15*(1+math.Abs(y)) {
			break
		}
	}
	fx, fy := Distort(model, d, x, y)
	converged := math.Abs(fx-xd) < 1e-9 && math.Abs(fy-yd) < 1e-9
	// Beyond the fold of a strong lens the polynomial has other roots, on the far side of the centre
	// or where the image is mirrored; no real ray comes from there.
	physical := det > 0 && x*xd+y*yd >= 0
	return x, y, converged && physical
}

// undistortEquidistant solves θ_d(θ) = r_d for θ by Newton's method; the fisheye model is radial, so
// the direction of the point is kept.
func undistortEquidistant(d []float64, xd, yd float64) (x, y float64, ok bool) {
	rd := math.Hypot(xd, yd)
	if rd < 1e-12 {
		return xd, yd, true
	}
	theta := min(rd, math.Pi/2)
	for range 50 {
		t2 := theta * theta
		f := equidistantThetaD(d, theta) - rd
		df := 1 + t2*(3*coef(d, 0)+t2*(5*coef(d, 1)+t2*(7*coef(d, 2)+t2*9*coef(d, 3))))
		if df == 0 {
			return xd, yd, false
		}
		step := f / df
		theta -= step
		if math.Abs(step) < 1e-15 {
			break
		}
	}
	// Rays at or beyond 90° have no pinhole image.
	if !(theta > 0 && theta < math.Pi/2) || math.Abs(equidistantThetaD(d, theta)-rd) > 1e-12 {
		return xd, yd, false
	}
	scale := math.Tan(theta) / rd
	return xd * scale, yd * scale, true
}
