package msgs

// Field walks shared by CDR and ROS 1 (wire.go) for geometry_msgs.

func (m *Vector3) encode(w *writer) { w.f64(m.X); w.f64(m.Y); w.f64(m.Z) }
func (m *Vector3) decode(r *reader) { m.X, m.Y, m.Z = r.f64("x"), r.f64("y"), r.f64("z") }

func (m *Point) encode(w *writer) { w.f64(m.X); w.f64(m.Y); w.f64(m.Z) }
func (m *Point) decode(r *reader) { m.X, m.Y, m.Z = r.f64("x"), r.f64("y"), r.f64("z") }

func (m *Quaternion) encode(w *writer) { w.f64(m.X); w.f64(m.Y); w.f64(m.Z); w.f64(m.W) }
func (m *Quaternion) decode(r *reader) {
	m.X, m.Y, m.Z, m.W = r.f64("x"), r.f64("y"), r.f64("z"), r.f64("w")
}

func (m *Pose) encode(w *writer) { m.Position.encode(w); m.Orientation.encode(w) }
func (m *Pose) decode(r *reader) {
	r.enter("position", -1)
	m.Position.decode(r)
	r.leave()
	r.enter("orientation", -1)
	m.Orientation.decode(r)
	r.leave()
}

func (m *PoseWithCovariance) encode(w *writer) { m.Pose.encode(w); w.f64s(m.Covariance[:]) }
func (m *PoseWithCovariance) decode(r *reader) {
	r.enter("pose", -1)
	m.Pose.decode(r)
	r.leave()
	r.f64s("covariance", m.Covariance[:])
}

func (m *Twist) encode(w *writer) { m.Linear.encode(w); m.Angular.encode(w) }
func (m *Twist) decode(r *reader) {
	r.enter("linear", -1)
	m.Linear.decode(r)
	r.leave()
	r.enter("angular", -1)
	m.Angular.decode(r)
	r.leave()
}

func (m *TwistWithCovariance) encode(w *writer) { m.Twist.encode(w); w.f64s(m.Covariance[:]) }
func (m *TwistWithCovariance) decode(r *reader) {
	r.enter("twist", -1)
	m.Twist.decode(r)
	r.leave()
	r.f64s("covariance", m.Covariance[:])
}

func (m *Transform) encode(w *writer) { m.Translation.encode(w); m.Rotation.encode(w) }
func (m *Transform) decode(r *reader) {
	r.enter("translation", -1)
	m.Translation.decode(r)
	r.leave()
	r.enter("rotation", -1)
	m.Rotation.decode(r)
	r.leave()
}

func (m *TransformStamped) encode(w *writer) {
	w.header(&m.Header)
	w.str(m.ChildFrameID)
	m.Transform.encode(w)
}

func (m *TransformStamped) decode(r *reader) {
	r.header("header", &m.Header)
	m.ChildFrameID = r.str("child_frame_id")
	r.enter("transform", -1)
	m.Transform.decode(r)
	r.leave()
}
