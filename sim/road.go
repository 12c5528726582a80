package sim

import "math"

// The world frame is the level camera rig's optical frame at frame 0 (x right, y down, z forward): with a
// level camera it is the camera's frame, so the pose of frame 0 is the identity, as in KITTI's odometry
// poses. The ground is the plane y = camera height. A tilted camera (Config.CameraPitch/CameraRoll) or a
// path that does not start along the road is rebased in World.Pose so that frame 0 stays the identity.
//
// Everything along the street is placed in road coordinates: arc length s along the centreline, lateral
// offset d (positive to the right of the direction of travel) and height above the ground. The centreline
// has constant curvature kappa (positive turns right), which keeps the inverse mapping closed-form.

// street is the cross-section, lateral offsets in metres from the centreline. The default (3.5 m lanes, two
// per direction) puts the edge line at 7 m, the kerb at 9.6 m and the end of the paving at 13.5 m.
type street struct {
	lane      float64 // lane width
	lanes     int     // lanes per direction
	camD      float64 // the camera drives in the inner right-hand lane
	edge      float64 // solid edge line
	parking   float64 // centre of the parking strip
	kerb      float64 // kerb centre; asphalt ends at kerb - kerbWidth/2
	sidewalk  float64 // paving ends, open ground (grass) begins
	furniture float64 // trees and poles
}

const (
	kerbWidth  = 0.2
	kerbHeight = 0.15
)

func newStreet(lane float64, lanes int) street {
	edge := lane * float64(lanes)
	return street{lane: lane, lanes: lanes, camD: lane / 2, edge: edge, parking: edge + 1.3,
		kerb: edge + 2.6, sidewalk: edge + 6.5, furniture: edge + 3.6}
}

// laneD is the centre of lane k (0 inner) on the right (+1) or oncoming (−1) side.
func (st street) laneD(side float64, k int) float64 { return side * (float64(k) + 0.5) * st.lane }

type road struct {
	kappa  float64
	height float64 // camera height above the ground
	camD   float64 // lateral offset of the camera at s = 0, which is the world origin
	centre float64 // x of the centre of curvature (kappa ≠ 0)
}

func newRoad(kappa, height, camD float64) road {
	r := road{kappa: kappa, height: height, camD: camD}
	if kappa != 0 {
		r.centre = -camD + 1/kappa
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
	return [3]float64{-r.camD + cx + d*cs, r.height - up, cz - d*sn}, th
}

// toRoad maps a ground point (world x, z) to road coordinates. sRef is any s within half a turn of the
// answer (the camera's), which resolves the angle's wrap-around.
func (r road) toRoad(x, z, sRef float64) (s, d float64) {
	if r.kappa == 0 {
		return z, x + r.camD
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

// cameraPose is world_from_rig for a camera at arc length s in its lane, level and looking along the road.
func (r road) cameraPose(s float64) Pose {
	p, th := r.point(s, r.camD, r.height)
	return yawPose(th, p)
}
