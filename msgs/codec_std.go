package msgs

// Field walks shared by CDR and ROS 1 (wire.go) for builtin_interfaces, std_msgs and rosgraph_msgs.

func (m *Time) encode(w *writer) { w.time(*m) }
func (m *Time) decode(r *reader) { m.Sec, m.Nanosec = r.i32("sec"), r.u32("nanosec") }

func (m *Duration) encode(w *writer) { w.i32(m.Sec); w.u32(m.Nanosec) }
func (m *Duration) decode(r *reader) { m.Sec, m.Nanosec = r.i32("sec"), r.u32("nanosec") }

func (m *Header) encode(w *writer) { w.header(m) }

func (m *Header) decode(r *reader) {
	if r.ros1 {
		m.Seq = r.u32("seq")
	} else {
		m.Seq = 0
	}
	m.Stamp = r.time("stamp")
	m.FrameID = r.str("frame_id")
}

func (m *Clock) encode(w *writer) { w.time(m.Clock) }
func (m *Clock) decode(r *reader) { m.Clock = r.time("clock") }
