package sim

import "math"

// The world frame is the camera's optical frame at frame 0 (x right, y down, z forward), so the pose of
// frame 0 is the identity, as in KITTI's odometry poses. The ground is the plane y = camera height.
//
// Everything along the street is placed in road coordinates: arc length s along the centreline, lateral
// offset d (positive to the right of the direction of travel) and height above the ground. The centreline
// has constant curvature kappa (positive turns right), which keeps the inverse mapping closed-form.

// Street cross-section, lateral offsets in metres from the centreline.
const (
	laneWidth     = 3.5
	cameraLaneD   = laneWidth / 2 // the camera drives in the inner right-hand lane
	outerLaneD    = 1.5 * laneWidth
	edgeLineD     = 2 * laneWidth // solid edge line
	parkingD      = 8.3           // centre of the parking strip
	kerbD         = 9.6           // kerb centre; asphalt ends at kerbD - kerbWidth/2
	kerbWidth     = 0.2
	kerbHeight    = 0.15
	sidewalkOuter = 13.5 // paving ends, open ground (grass) begins
	furnitureD    = 10.6 // trees and poles
)

type road struct {
	kappa  float64
	height float64 // camera height above the ground
	centre float64 // x of the centre of curvature (kappa ≠ 0)
}

func newRoad(kappa, height float64) road {
	r := road{kappa: kappa, height: height}
	if kappa != 0 {
		r.centre = -cameraLaneD + 1/kappa
	}
	return r
}

// point returns the world position of road point (s, d, up) and the heading there (yaw about world y).
func (r road) point(s, d, up float64) (p [3]float64, heading float64) {
	th := r.kappa * s
	sn, cs := math.Sincos(th)
	cx, cz := 0.0, s
	if r.kappa != 0 {
		cx, cz = (1-cs)/r.kappa, sn/r.kappa
	}
	// centreline + d·right(θ) + up; right(θ) = (cos θ, 0, −sin θ), up = −y.
	return [3]float64{-cameraLaneD + cx + d*cs, r.height - up, cz - d*sn}, th
}

// toRoad maps a ground point (world x, z) to road coordinates. sRef is any s within half a turn of the
// answer (the camera's), which resolves the angle's wrap-around.
func (r road) toRoad(x, z, sRef float64) (s, d float64) {
	if r.kappa == 0 {
		return z, x + cameraLaneD
	}
	vx, vz := x-r.centre, z
	rad := math.Sqrt(vx*vx + vz*vz)
	var th float64
	if r.kappa > 0 {
		th = math.Atan2(vz, -vx)
		d = 1/r.kappa - rad
	} else {
		th = math.Atan2(-vz, vx)
		d = 1/r.kappa + rad
	}
	diff := th - r.kappa*sRef
	diff -= 2 * math.Pi * math.Round(diff/(2*math.Pi))
	return sRef + diff/r.kappa, d
}

// cameraPose is world_from_camera for a camera at arc length s in its lane, level and looking along the road.
func (r road) cameraPose(s float64) Pose {
	p, th := r.point(s, cameraLaneD, r.height)
	return yawPose(th, p)
}
