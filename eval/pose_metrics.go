package eval

import (
	"fmt"
	"math"
)

// Pose is a camera pose world_from_camera: row-major rotation and translation.
type Pose struct {
	R [9]float64
	T [3]float64
}

// Sim3 is the similarity s·R·p + t that aligns an estimated trajectory onto ground truth.
type Sim3 struct {
	Scale float64
	R     [9]float64
	T     [3]float64
}

// AlignUmeyama finds the Sim(3) (or SE(3) with fixed scale 1 when withScale is false) minimising
// Σ|gt_i − (s·R·est_i + t)|² (Umeyama 1991).
func AlignUmeyama(est, gt [][3]float64, withScale bool) (Sim3, error) {
	n := len(est)
	if n != len(gt) || n < 3 {
		return Sim3{}, fmt.Errorf("eval: alignment needs at least 3 matched positions, got %d and %d", len(est), len(gt))
	}
	var mu, mg [3]float64
	for i := 0; i < n; i++ {
		for k := 0; k < 3; k++ {
			mu[k] += est[i][k] / float64(n)
			mg[k] += gt[i][k] / float64(n)
		}
	}
	var cov [3][3]float64 // Σ (g−mg)(e−mu)ᵀ / n
	var varE float64
	for i := 0; i < n; i++ {
		var e, g [3]float64
		for k := 0; k < 3; k++ {
			e[k], g[k] = est[i][k]-mu[k], gt[i][k]-mg[k]
		}
		varE += (e[0]*e[0] + e[1]*e[1] + e[2]*e[2]) / float64(n)
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				cov[r][c] += g[r] * e[c] / float64(n)
			}
		}
	}
	U, S, V := svd3(cov)
	d := 1.0
	if det3(U)*det3(V) < 0 {
		d = -1
	}
	D := [3]float64{1, 1, d}
	var R [9]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			for k := 0; k < 3; k++ {
				R[3*r+c] += U[r][k] * D[k] * V[c][k]
			}
		}
	}
	s := 1.0
	if withScale {
		if varE == 0 {
			return Sim3{}, fmt.Errorf("eval: estimated trajectory does not move; cannot align its scale")
		}
		s = (S[0]*D[0] + S[1]*D[1] + S[2]*D[2]) / varE
	}
	var t [3]float64
	for r := 0; r < 3; r++ {
		t[r] = mg[r] - s*(R[3*r]*mu[0]+R[3*r+1]*mu[1]+R[3*r+2]*mu[2])
	}
	return Sim3{Scale: s, R: R, T: t}, nil
}

// Apply maps a point.
func (a Sim3) Apply(p [3]float64) [3]float64 {
	var out [3]float64
	for r := 0; r < 3; r++ {
		out[r] = a.Scale*(a.R[3*r]*p[0]+a.R[3*r+1]*p[1]+a.R[3*r+2]*p[2]) + a.T[r]
	}
	return out
}

// ATE is the absolute trajectory error (RMSE of positions) after Sim(3) alignment.
func ATE(est, gt []Pose) (rmse float64, align Sim3, err error) {
	pe, pg := positions(est), positions(gt)
	align, err = AlignUmeyama(pe, pg, true)
	if err != nil {
		return 0, align, err
	}
	for i := range pe {
		q := align.Apply(pe[i])
		for k := 0; k < 3; k++ {
			rmse += (q[k] - pg[i][k]) * (q[k] - pg[i][k])
		}
	}
	return math.Sqrt(rmse / float64(len(pe))), align, nil
}

// RPE is the relative pose error over steps of delta frames: RMSE of the translation error (in
// GT units, after scaling the estimate's relative translations by scale) and mean rotation
// error in degrees.
func RPE(est, gt []Pose, delta int, scale float64) (transRMSE, rotDeg float64, err error) {
	if len(est) != len(gt) || len(est) <= delta || delta < 1 {
		return 0, 0, fmt.Errorf("eval: RPE needs more than %d matched poses, got %d and %d", delta, len(est), len(gt))
	}
	n := 0
	for i := 0; i+delta < len(est); i++ {
		de := relative(est[i], est[i+delta])
		dg := relative(gt[i], gt[i+delta])
		de.T = [3]float64{de.T[0] * scale, de.T[1] * scale, de.T[2] * scale}
		e := relative(dg, de) // dg⁻¹·de
		transRMSE += e.T[0]*e.T[0] + e.T[1]*e.T[1] + e.T[2]*e.T[2]
		c := (e.R[0] + e.R[4] + e.R[8] - 1) / 2
		rotDeg += math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
		n++
	}
	return math.Sqrt(transRMSE / float64(n)), rotDeg / float64(n), nil
}

// relative returns a⁻¹·b.
func relative(a, b Pose) Pose {
	var out Pose
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			out.R[3*r+c] = a.R[r]*b.R[c] + a.R[3+r]*b.R[3+c] + a.R[6+r]*b.R[6+c]
		}
		out.T[r] = a.R[r]*(b.T[0]-a.T[0]) + a.R[3+r]*(b.T[1]-a.T[1]) + a.R[6+r]*(b.T[2]-a.T[2])
	}
	return out
}

func positions(p []Pose) [][3]float64 {
	out := make([][3]float64, len(p))
	for i := range p {
		out[i] = p[i].T
	}
	return out
}

func det3(m [3][3]float64) float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

// svd3 is a one-sided Jacobi SVD of a 3×3 matrix: A = U·diag(S)·Vᵀ with S descending.
func svd3(a [3][3]float64) (U [3][3]float64, S [3]float64, V [3][3]float64) {
	u := a
	V = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	for sweep := 0; sweep < 60; sweep++ {
		off := 0.0
		for p := 0; p < 2; p++ {
			for q := p + 1; q < 3; q++ {
				var alpha, beta, gamma float64
				for k := 0; k < 3; k++ {
					alpha += u[k][p] * u[k][p]
					beta += u[k][q] * u[k][q]
					gamma += u[k][p] * u[k][q]
				}
				if math.Abs(gamma) < 1e-300 {
					continue
				}
				off = math.Max(off, math.Abs(gamma)/math.Sqrt(alpha*beta))
				zeta := (beta - alpha) / (2 * gamma)
				t := math.Copysign(1, zeta) / (math.Abs(zeta) + math.Sqrt(1+zeta*zeta))
				c := 1 / math.Sqrt(1+t*t)
				s := c * t
				for k := 0; k < 3; k++ {
					up, uq := u[k][p], u[k][q]
					u[k][p], u[k][q] = c*up-s*uq, s*up+c*uq
					vp, vq := V[k][p], V[k][q]
					V[k][p], V[k][q] = c*vp-s*vq, s*vp+c*vq
				}
			}
		}
		if off < 1e-15 {
			break
		}
	}
	for j := 0; j < 3; j++ {
		S[j] = math.Sqrt(u[0][j]*u[0][j] + u[1][j]*u[1][j] + u[2][j]*u[2][j])
		for k := 0; k < 3; k++ {
			if S[j] > 1e-300 {
				U[k][j] = u[k][j] / S[j]
			}
		}
	}
	// Sort descending, permuting U and V columns alike.
	for i := 0; i < 2; i++ {
		for j := i + 1; j < 3; j++ {
			if S[j] > S[i] {
				S[i], S[j] = S[j], S[i]
				for k := 0; k < 3; k++ {
					U[k][i], U[k][j] = U[k][j], U[k][i]
					V[k][i], V[k][j] = V[k][j], V[k][i]
				}
			}
		}
	}
	// Zero singular values (a trajectory on a line or in a plane) leave their U columns
	// undefined: complete U to an orthonormal basis; det(U)·det(V) then fixes the handedness.
	for j := 1; j < 3; j++ {
		if S[j] > 1e-12*math.Max(S[0], 1e-300) {
			continue
		}
		best, bestDot := 0, math.Inf(1)
		for axis := 0; axis < 3; axis++ {
			d := 0.0
			for i := 0; i < j; i++ {
				d += math.Abs(U[axis][i])
			}
			if d < bestDot {
				best, bestDot = axis, d
			}
		}
		var v [3]float64
		v[best] = 1
		for i := 0; i < j; i++ {
			dot := v[0]*U[0][i] + v[1]*U[1][i] + v[2]*U[2][i]
			for k := 0; k < 3; k++ {
				v[k] -= dot * U[k][i]
			}
		}
		norm := math.Sqrt(v[0]*v[0] + v[1]*v[1] + v[2]*v[2])
		for k := 0; k < 3; k++ {
			U[k][j] = v[k] / norm
		}
	}
	return U, S, V
}
