package pipeline

import "math"

// Rigid is a rigid transform p' = R·p + T in float64 (row-major R). Poses are chained in float64
// because odometry accumulates thousands of them.
type Rigid struct {
	R [9]float64
	T [3]float64
}

// Identity returns the identity transform.
func Identity() Rigid { return Rigid{R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}} }

// RigidFromAxisAngle builds the transform of a pose net output: a rotation vector (axis × angle in
// radians, Rodrigues) and a translation.
func RigidFromAxisAngle(rx, ry, rz, tx, ty, tz float64) Rigid {
	t := Rigid{T: [3]float64{tx, ty, tz}}
	theta := math.Sqrt(rx*rx + ry*ry + rz*rz)
	if theta < 1e-12 {
		// First-order expansion keeps tiny rotations exact to rounding.
		t.R = [9]float64{1, -rz, ry, rz, 1, -rx, -ry, rx, 1}
		return t
	}
	x, y, z := rx/theta, ry/theta, rz/theta
	c, s := math.Cos(theta), math.Sin(theta)
	C := 1 - c
	t.R = [9]float64{
		c + x*x*C, x*y*C - z*s, x*z*C + y*s,
		y*x*C + z*s, c + y*y*C, y*z*C - x*s,
		z*x*C - y*s, z*y*C + x*s, c + z*z*C,
	}
	return t
}

// Mul returns a∘b: apply b, then a.
func (a Rigid) Mul(b Rigid) Rigid {
	var out Rigid
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out.R[3*i+j] = a.R[3*i]*b.R[j] + a.R[3*i+1]*b.R[3+j] + a.R[3*i+2]*b.R[6+j]
		}
		out.T[i] = a.R[3*i]*b.T[0] + a.R[3*i+1]*b.T[1] + a.R[3*i+2]*b.T[2] + a.T[i]
	}
	return out
}

// Inverse returns the inverse transform.
func (a Rigid) Inverse() Rigid {
	var out Rigid
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out.R[3*i+j] = a.R[3*j+i]
		}
	}
	for i := 0; i < 3; i++ {
		out.T[i] = -(out.R[3*i]*a.T[0] + out.R[3*i+1]*a.T[1] + out.R[3*i+2]*a.T[2])
	}
	return out
}

// Apply transforms a point.
func (a Rigid) Apply(p [3]float64) [3]float64 {
	return [3]float64{
		a.R[0]*p[0] + a.R[1]*p[1] + a.R[2]*p[2] + a.T[0],
		a.R[3]*p[0] + a.R[4]*p[1] + a.R[5]*p[2] + a.T[1],
		a.R[6]*p[0] + a.R[7]*p[1] + a.R[8]*p[2] + a.T[2],
	}
}

// Quaternion returns the rotation as a unit quaternion (x, y, z, w) with w ≥ 0.
func (a Rigid) Quaternion() (x, y, z, w float64) {
	r := a.R
	tr := r[0] + r[4] + r[8]
	switch {
	case tr > 0:
		s := 2 * math.Sqrt(tr+1)
		w, x, y, z = s/4, (r[7]-r[5])/s, (r[2]-r[6])/s, (r[3]-r[1])/s
	case r[0] > r[4] && r[0] > r[8]:
		s := 2 * math.Sqrt(1+r[0]-r[4]-r[8])
		w, x, y, z = (r[7]-r[5])/s, s/4, (r[1]+r[3])/s, (r[2]+r[6])/s
	case r[4] > r[8]:
		s := 2 * math.Sqrt(1+r[4]-r[0]-r[8])
		w, x, y, z = (r[2]-r[6])/s, (r[1]+r[3])/s, s/4, (r[5]+r[7])/s
	default:
		s := 2 * math.Sqrt(1+r[8]-r[0]-r[4])
		w, x, y, z = (r[3]-r[1])/s, (r[2]+r[6])/s, (r[5]+r[7])/s, s/4
	}
	n := math.Sqrt(x*x + y*y + z*z + w*w)
	if w < 0 {
		n = -n
	}
	return x / n, y / n, z / n, w / n
}

// Odometry integrates the pose net's relative motions into a trajectory: world_from_cur =
// world_from_prev ∘ prev_from_cur, with the translation multiplied by the metric scale first.
// The world frame is the first camera frame (optical axes: z forward, x right, y down).
type Odometry struct {
	WorldFromCamera Rigid
	Frames          int
}

// NewOdometry starts at the identity.
func NewOdometry() *Odometry { return &Odometry{WorldFromCamera: Identity()} }

// Step applies one relative motion prevFromCur whose translation is in model units, scaled to
// metres by scale, and returns the new world_from_camera.
func (o *Odometry) Step(prevFromCur Rigid, scale float64) Rigid {
	prevFromCur.T[0] *= scale
	prevFromCur.T[1] *= scale
	prevFromCur.T[2] *= scale
	o.WorldFromCamera = o.WorldFromCamera.Mul(prevFromCur)
	o.Frames++
	return o.WorldFromCamera
}
