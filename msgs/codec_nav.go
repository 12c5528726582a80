package msgs

// Field walks shared by CDR and ROS 1 (wire.go) for nav_msgs, tf2_msgs and diagnostic_msgs.

func (m *Odometry) encode(w *writer) {
	w.header(&m.Header)
	w.str(m.ChildFrameID)
	m.Pose.encode(w)
	m.Twist.encode(w)
}

func (m *Odometry) decode(r *reader) {
	r.header("header", &m.Header)
	m.ChildFrameID = r.str("child_frame_id")
	r.enter("pose", -1)
	m.Pose.decode(r)
	r.leave()
	r.enter("twist", -1)
	m.Twist.decode(r)
	r.leave()
}

// minTransformStamped is the fewest bytes a TransformStamped takes on either wire.
const minTransformStamped = 8 + 4 + 7*8

func (m *TFMessage) encode(w *writer) {
	w.count(len(m.Transforms))
	for i := range m.Transforms {
		m.Transforms[i].encode(w)
	}
}

func (m *TFMessage) decode(r *reader) {
	m.Transforms = resize(m.Transforms, r.count("transforms", minTransformStamped))
	for i := range m.Transforms {
		r.enter("transforms", i)
		m.Transforms[i].decode(r)
		r.leave()
	}
}

func (m *KeyValue) encode(w *writer) { w.str(m.Key); w.str(m.Value) }
func (m *KeyValue) decode(r *reader) { m.Key, m.Value = r.str("key"), r.str("value") }

// minKeyValue and minDiagnosticStatus are the fewest bytes each takes on either wire.
const (
	minKeyValue         = 4 + 4
	minDiagnosticStatus = 1 + 3*4 + 4
)

func (m *DiagnosticStatus) encode(w *writer) {
	w.u8(m.Level)
	w.str(m.Name)
	w.str(m.Message)
	w.str(m.HardwareID)
	w.count(len(m.Values))
	for i := range m.Values {
		m.Values[i].encode(w)
	}
}

func (m *DiagnosticStatus) decode(r *reader) {
	m.Level = r.u8("level")
	m.Name = r.str("name")
	m.Message = r.str("message")
	m.HardwareID = r.str("hardware_id")
	m.Values = resize(m.Values, r.count("values", minKeyValue))
	for i := range m.Values {
		r.enter("values", i)
		m.Values[i].decode(r)
		r.leave()
	}
}

func (m *DiagnosticArray) encode(w *writer) {
	w.header(&m.Header)
	w.count(len(m.Status))
	for i := range m.Status {
		m.Status[i].encode(w)
	}
}

func (m *DiagnosticArray) decode(r *reader) {
	r.header("header", &m.Header)
	m.Status = resize(m.Status, r.count("status", minDiagnosticStatus))
	for i := range m.Status {
		r.enter("status", i)
		m.Status[i].decode(r)
		r.leave()
	}
}
