package sim

import (
	"math"
	"testing"
)

// toRoad must invert point on straight and curved roads of either direction, far along the road too.
func TestRoadCoordinatesRoundTrip(t *testing.T) {
	for _, kappa := range []float64{0, 1.0 / 300, -1.0 / 500, 0.01} {
		r := newRoad(kappa, 1.65, 1.75)
		for _, s := range []float64{-20, 0, 17, 400, 2500} {
			for _, d := range []float64{-14, -1.75, 0, 3.3, 12} {
				p, _ := r.point(s, d, 0)
				if math.Abs(p[1]-1.65) > 1e-12 {
					t.Fatalf("ground point at height %v", p[1])
				}
				gs, gd := r.toRoad(p[0], p[2], s+30)
				if math.Abs(gs-s) > 1e-6*(1+math.Abs(s)) || math.Abs(gd-d) > 1e-6 {
					t.Fatalf("kappa %v: (s,d)=(%v,%v) → world → (%v,%v)", kappa, s, d, gs, gd)
				}
			}
		}
	}
}

// The camera's pose is a proper rotation, starts at the identity, and moves forward along the road.
func TestCameraPose(t *testing.T) {
	r := newRoad(1.0/200, 1.65, 1.75)
	p0 := r.cameraPose(0)
	for i, v := range p0.R {
		if math.Abs(v-IdentityPose().R[i]) > 1e-15 {
			t.Fatalf("pose at s=0 %+v", p0)
		}
	}
	p := r.cameraPose(50)
	q := p.Inverse().Mul(p)
	for i, v := range q.R {
		if math.Abs(v-IdentityPose().R[i]) > 1e-12 {
			t.Fatalf("R·Rᵀ ≠ I: %+v", q)
		}
	}
	// Heading after 50 m on radius 200 m: a yaw of 0.25 rad to the right (+x), level, 1.65 m above the road.
	x, y, z, w := p.Quaternion()
	if math.Abs(2*math.Atan2(y, w)-0.25) > 1e-12 || x != 0 || z != 0 {
		t.Fatalf("quaternion %v %v %v %v", x, y, z, w)
	}
	if p.T[1] != 0 || p.T[0] <= 0 || p.T[2] <= 45 {
		t.Fatalf("position %v", p.T)
	}
	// The camera's own optical axis points along the road: a point 10 m ahead stays on the centre of the lane.
	ahead := p.Apply([3]float64{0, 1.65, 10})
	if _, d := r.toRoad(ahead[0], ahead[2], 60); math.Abs(d-1.75) > 0.3 {
		t.Fatalf("10 m ahead the camera's axis is at lateral %v", d)
	}
}

func TestGaussianNoiseMoments(t *testing.T) {
	var sum, sq float64
	const n = 200000
	for i := 0; i < n; i++ {
		a, b, c := gaussian3(uint64(i) * 0x9e3779b97f4a7c15)
		sum += a + b + c
		sq += a*a + b*b + c*c
	}
	mean, variance := sum/(3*n), sq/(3*n)-(sum/(3*n))*(sum/(3*n))
	if math.Abs(mean) > 0.01 || math.Abs(variance-1) > 0.02 {
		t.Fatalf("mean %v variance %v", mean, variance)
	}
}
