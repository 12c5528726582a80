package pipeline

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestRigidFromAxisAngleKnownRotations(t *testing.T) {
	// 90° about z maps x to y.
	r := RigidFromAxisAngle(0, 0, math.Pi/2, 1, 2, 3)
	p := r.Apply([3]float64{1, 0, 0})
	if !near(p[0], 1, 1e-12) || !near(p[1], 3, 1e-12) || !near(p[2], 3, 1e-12) {
		t.Fatalf("Rz(90°)·x + t = %v, want [1 3 3]", p)
	}
	// 180° about x flips y and z.
	r = RigidFromAxisAngle(math.Pi, 0, 0, 0, 0, 0)
	p = r.Apply([3]float64{0, 1, 2})
	if !near(p[0], 0, 1e-12) || !near(p[1], -1, 1e-12) || !near(p[2], -2, 1e-12) {
		t.Fatalf("Rx(180°)·[0 1 2] = %v", p)
	}
	// A tiny rotation matches the exact formula.
	a := RigidFromAxisAngle(1e-13, -2e-13, 3e-13, 0, 0, 0)
	if !near(a.R[1], -3e-13, 1e-20) || !near(a.R[0], 1, 1e-15) {
		t.Fatalf("tiny rotation %v", a.R)
	}
}

func TestRigidInverseAndCompose(t *testing.T) {
	a := RigidFromAxisAngle(0.1, -0.2, 0.3, 1, -2, 0.5)
	b := RigidFromAxisAngle(-0.3, 0.05, 0.2, 0.2, 0.1, -1)
	id := a.Mul(a.Inverse())
	for i, v := range Identity().R {
		if !near(id.R[i], v, 1e-12) {
			t.Fatalf("a·a⁻¹ = %v", id)
		}
	}
	for _, v := range id.T {
		if !near(v, 0, 1e-12) {
			t.Fatalf("a·a⁻¹ translation %v", id.T)
		}
	}
	p := [3]float64{0.3, -0.7, 2}
	ab := a.Mul(b).Apply(p)
	seq := a.Apply(b.Apply(p))
	for i := range ab {
		if !near(ab[i], seq[i], 1e-12) {
			t.Fatalf("(a∘b)p = %v, a(b(p)) = %v", ab, seq)
		}
	}
}

func TestQuaternion(t *testing.T) {
	cases := []struct{ rx, ry, rz, x, y, z, w float64 }{
		{0, 0, 0, 0, 0, 0, 1},
		{0, 0, math.Pi / 2, 0, 0, math.Sqrt2 / 2, math.Sqrt2 / 2},
		{math.Pi, 0, 0, 1, 0, 0, 0},
		{0, -math.Pi / 3, 0, 0, -0.5, 0, math.Sqrt(3) / 2},
	}
	for _, c := range cases {
		x, y, z, w := RigidFromAxisAngle(c.rx, c.ry, c.rz, 0, 0, 0).Quaternion()
		if !near(x, c.x, 1e-12) || !near(y, c.y, 1e-12) || !near(z, c.z, 1e-12) || !near(w, c.w, 1e-12) {
			t.Errorf("rotvec (%v %v %v) → q (%v %v %v %v), want (%v %v %v %v)", c.rx, c.ry, c.rz, x, y, z, w, c.x, c.y, c.z, c.w)
		}
	}
}

func TestOdometryIntegratesScaledSteps(t *testing.T) {
	// Drive forward 0.5 model units per frame while yawing 90° over 10 frames; scale 2 → 1 m steps.
	o := NewOdometry()
	step := RigidFromAxisAngle(0, math.Pi/20, 0, 0, 0, 0.5)
	for i := 0; i < 10; i++ {
		o.Step(step, 2)
	}
	// After a 90° turn about the camera's y (down) axis the camera looks along world +x… the
	// position is the sum of 10 unit steps along headings 0°,9°,…,81° (rotation applies after each
	// step's translation in the previous frame's heading).
	var x, z float64
	for i := 0; i < 10; i++ {
		h := float64(i) * math.Pi / 20
		x += math.Sin(h)
		z += math.Cos(h)
	}
	got := o.WorldFromCamera.T
	if !near(got[0], x, 1e-9) || !near(got[2], z, 1e-9) || !near(got[1], 0, 1e-12) || o.Frames != 10 {
		t.Fatalf("position %v after %d frames, want [%v 0 %v]", got, o.Frames, x, z)
	}
}
