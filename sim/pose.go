package sim

import "math"

// Pose is a rigid transform p' = R·p + T (R row-major). It has the same layout as pipeline.Rigid, so callers
// that already import pipeline can convert with pipeline.Rigid(p); sim itself stays below pipeline.
type Pose struct {
	R [9]float64
	T [3]float64
}

// IdentityPose is the transform that moves nothing.
func IdentityPose() Pose { return Pose{R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}} }

// yawPose rotates by theta about the y axis (the vertical of the optical frame; positive turns +z towards +x)
// and then translates by t.
func yawPose(theta float64, t [3]float64) Pose {
	c, s := math.Cos(theta), math.Sin(theta)
	return Pose{R: [9]float64{c, 0, s, 0, 1, 0, -s, 0, c}, T: t}
}

// rotXPose rotates by a about the x axis (positive turns +y towards +z), rotZPose about the z axis (positive
// turns +x towards +y).
func rotXPose(a float64) Pose {
	c, s := math.Cos(a), math.Sin(a)
	return Pose{R: [9]float64{1, 0, 0, 0, c, -s, 0, s, c}}
}

func rotZPose(a float64) Pose {
	c, s := math.Cos(a), math.Sin(a)
	return Pose{R: [9]float64{c, -s, 0, s, c, 0, 0, 0, 1}}
}

// Mul returns a∘b: apply b, then a.
func (a Pose) Mul(b Pose) Pose {
	var out Pose
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			out.R[3*i+j] = a.R[3*i]*b.R[j] + a.R[3*i+1]*b.R[3+j] + a.R[3*i+2]*b.R[6+j]
		}
		out.T[i] = a.R[3*i]*b.T[0] + a.R[3*i+1]*b.T[1] + a.R[3*i+2]*b.T[2] + a.T[i]
	}
	return out
}

// Inverse returns the inverse transform.
func (a Pose) Inverse() Pose {
	var out Pose
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
func (a Pose) Apply(p [3]float64) [3]float64 {
	return [3]float64{
		a.R[0]*p[0] + a.R[1]*p[1] + a.R[2]*p[2] + a.T[0],
		a.R[3]*p[0] + a.R[4]*p[1] + a.R[5]*p[2] + a.T[1],
		a.R[6]*p[0] + a.R[7]*p[1] + a.R[8]*p[2] + a.T[2],
	}
}

// rotate applies only the rotation (for directions).
func (a Pose) rotate(p [3]float64) [3]float64 {
	return [3]float64{
		a.R[0]*p[0] + a.R[1]*p[1] + a.R[2]*p[2],
		a.R[3]*p[0] + a.R[4]*p[1] + a.R[5]*p[2],
		a.R[6]*p[0] + a.R[7]*p[1] + a.R[8]*p[2],
	}
}

// Quaternion returns the rotation as a unit quaternion (x, y, z, w) with w ≥ 0, for TF and odometry messages.
func (a Pose) Quaternion() (x, y, z, w float64) {
	r := a.R
	switch tr := r[0] + r[4] + r[8]; {
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
	if w < 0 {
		x, y, z, w = -x, -y, -z, -w
	}
	n := math.Sqrt(x*x + y*y + z*z + w*w)
	return x / n, y / n, z / n, w / n
}
