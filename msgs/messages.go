package msgs

// Message is a ROS message this package can encode and decode in both wire formats.
//
// Marshal methods append to buf (pass buf[:0] to reuse a buffer) and return the extended slice.
// Unmarshal methods overwrite every field of the receiver (on error, with what was read up to the
// failing field; the error, a *DecodeError, names that field). Byte sequences (Image.Data,
// CompressedImage.Data, PointCloud2.Data, also inside DisparityImage) then alias the input: keep
// the input unchanged while the message is in use, or copy them. Other slices reuse the
// receiver's storage when it is large enough, so decoding into the same message every frame
// allocates only for strings.
type Message interface {
	// TypeName is the ROS 2 type name, e.g. "sensor_msgs/msg/Image".
	TypeName() string
	// MarshalCDR appends the encapsulation header 00 01 00 00 and the XCDR1 little-endian body.
	MarshalCDR(buf []byte) []byte
	// UnmarshalCDR decodes a payload that starts with its encapsulation header (CDR_LE or CDR_BE).
	UnmarshalCDR(data []byte) error
	// MarshalROS1 appends the ROS 1 serialization.
	MarshalROS1(buf []byte) []byte
	// UnmarshalROS1 decodes a ROS 1 serialization.
	UnmarshalROS1(data []byte) error
}

// The methods below are the same for every type: each type's fields are walked by its encode
// and decode methods in codec_*.go. They call those methods directly (not through an interface)
// so that the writer and reader stay on the stack.

func (*Time) TypeName() string { return "builtin_interfaces/msg/Time" }

func (m *Time) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Time) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Time) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Time) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Duration) TypeName() string { return "builtin_interfaces/msg/Duration" }

func (m *Duration) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Duration) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Duration) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Duration) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Header) TypeName() string { return "std_msgs/msg/Header" }

func (m *Header) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Header) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Header) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Header) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Clock) TypeName() string { return "rosgraph_msgs/msg/Clock" }

func (m *Clock) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Clock) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Clock) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Clock) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Vector3) TypeName() string { return "geometry_msgs/msg/Vector3" }

func (m *Vector3) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Vector3) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Vector3) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Vector3) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Point) TypeName() string { return "geometry_msgs/msg/Point" }

func (m *Point) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Point) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Point) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Point) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Quaternion) TypeName() string { return "geometry_msgs/msg/Quaternion" }

func (m *Quaternion) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Quaternion) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Quaternion) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Quaternion) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Pose) TypeName() string { return "geometry_msgs/msg/Pose" }

func (m *Pose) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Pose) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Pose) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Pose) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*PoseWithCovariance) TypeName() string { return "geometry_msgs/msg/PoseWithCovariance" }

func (m *PoseWithCovariance) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *PoseWithCovariance) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *PoseWithCovariance) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *PoseWithCovariance) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Twist) TypeName() string { return "geometry_msgs/msg/Twist" }

func (m *Twist) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Twist) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Twist) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Twist) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*TwistWithCovariance) TypeName() string { return "geometry_msgs/msg/TwistWithCovariance" }

func (m *TwistWithCovariance) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *TwistWithCovariance) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *TwistWithCovariance) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *TwistWithCovariance) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Transform) TypeName() string { return "geometry_msgs/msg/Transform" }

func (m *Transform) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Transform) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Transform) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Transform) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*TransformStamped) TypeName() string { return "geometry_msgs/msg/TransformStamped" }

func (m *TransformStamped) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *TransformStamped) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *TransformStamped) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *TransformStamped) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Image) TypeName() string { return "sensor_msgs/msg/Image" }

func (m *Image) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Image) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Image) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Image) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*CompressedImage) TypeName() string { return "sensor_msgs/msg/CompressedImage" }

func (m *CompressedImage) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *CompressedImage) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *CompressedImage) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *CompressedImage) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*CameraInfo) TypeName() string { return "sensor_msgs/msg/CameraInfo" }

func (m *CameraInfo) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *CameraInfo) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *CameraInfo) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *CameraInfo) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*RegionOfInterest) TypeName() string { return "sensor_msgs/msg/RegionOfInterest" }

func (m *RegionOfInterest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *RegionOfInterest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *RegionOfInterest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *RegionOfInterest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*PointCloud2) TypeName() string { return "sensor_msgs/msg/PointCloud2" }

func (m *PointCloud2) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *PointCloud2) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *PointCloud2) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *PointCloud2) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*PointField) TypeName() string { return "sensor_msgs/msg/PointField" }

func (m *PointField) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *PointField) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *PointField) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *PointField) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*DisparityImage) TypeName() string { return "stereo_msgs/msg/DisparityImage" }

func (m *DisparityImage) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *DisparityImage) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *DisparityImage) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *DisparityImage) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Odometry) TypeName() string { return "nav_msgs/msg/Odometry" }

func (m *Odometry) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Odometry) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Odometry) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Odometry) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*TFMessage) TypeName() string { return "tf2_msgs/msg/TFMessage" }

func (m *TFMessage) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *TFMessage) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *TFMessage) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *TFMessage) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*KeyValue) TypeName() string { return "diagnostic_msgs/msg/KeyValue" }

func (m *KeyValue) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *KeyValue) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *KeyValue) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *KeyValue) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*DiagnosticStatus) TypeName() string { return "diagnostic_msgs/msg/DiagnosticStatus" }

func (m *DiagnosticStatus) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *DiagnosticStatus) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *DiagnosticStatus) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *DiagnosticStatus) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*DiagnosticArray) TypeName() string { return "diagnostic_msgs/msg/DiagnosticArray" }

func (m *DiagnosticArray) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *DiagnosticArray) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *DiagnosticArray) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *DiagnosticArray) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}
