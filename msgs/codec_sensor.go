package msgs

// Field walks shared by CDR and ROS 1 (wire.go) for sensor_msgs and stereo_msgs.
//
// Decoding aliases: Image.Data, CompressedImage.Data and PointCloud2.Data are sub-slices of the
// input (no copy), valid as long as the input is; other slices reuse the message's own storage
// when it is large enough.

func (m *Image) encode(w *writer) {
	w.header(&m.Header)
	w.u32(m.Height)
	w.u32(m.Width)
	w.str(m.Encoding)
	w.u8(m.IsBigEndian)
	w.u32(m.Step)
	w.bytes(m.Data)
}

func (m *Image) decode(r *reader) {
	r.header("header", &m.Header)
	m.Height = r.u32("height")
	m.Width = r.u32("width")
	m.Encoding = r.str("encoding")
	m.IsBigEndian = r.u8("is_bigendian")
	m.Step = r.u32("step")
	m.Data = r.bytes("data")
}

func (m *CompressedImage) encode(w *writer) {
	w.header(&m.Header)
	w.str(m.Format)
	w.bytes(m.Data)
}

func (m *CompressedImage) decode(r *reader) {
	r.header("header", &m.Header)
	m.Format = r.str("format")
	m.Data = r.bytes("data")
}

func (m *RegionOfInterest) encode(w *writer) {
	w.u32(m.XOffset)
	w.u32(m.YOffset)
	w.u32(m.Height)
	w.u32(m.Width)
	w.boolean(m.DoRectify)
}

func (m *RegionOfInterest) decode(r *reader) {
	m.XOffset = r.u32("x_offset")
	m.YOffset = r.u32("y_offset")
	m.Height = r.u32("height")
	m.Width = r.u32("width")
	m.DoRectify = r.boolean("do_rectify")
}

func (m *CameraInfo) encode(w *writer) {
	w.header(&m.Header)
	w.u32(m.Height)
	w.u32(m.Width)
	w.str(m.DistortionModel)
	w.f64seq(m.D)
	w.f64s(m.K[:])
	w.f64s(m.R[:])
	w.f64s(m.P[:])
	w.u32(m.BinningX)
	w.u32(m.BinningY)
	m.ROI.encode(w)
}

func (m *CameraInfo) decode(r *reader) {
	r.header("header", &m.Header)
	m.Height = r.u32("height")
	m.Width = r.u32("width")
	m.DistortionModel = r.str("distortion_model")
	m.D = r.f64seq("d", m.D)
	r.f64s("k", m.K[:])
	r.f64s("r", m.R[:])
	r.f64s("p", m.P[:])
	m.BinningX = r.u32("binning_x")
	m.BinningY = r.u32("binning_y")
	r.enter("roi", -1)
	m.ROI.decode(r)
	r.leave()
}

func (m *PointField) encode(w *writer) {
	w.str(m.Name)
	w.u32(m.Offset)
	w.u8(m.Datatype)
	w.u32(m.Count)
}

func (m *PointField) decode(r *reader) {
	m.Name = r.str("name")
	m.Offset = r.u32("offset")
	m.Datatype = r.u8("datatype")
	m.Count = r.u32("count")
}

// minPointField is the fewest bytes a PointField takes on either wire (empty name, no padding).
const minPointField = 4 + 4 + 1 + 4

func (m *PointCloud2) encode(w *writer) {
	w.header(&m.Header)
	w.u32(m.Height)
	w.u32(m.Width)
	w.count(len(m.Fields))
	for i := range m.Fields {
		m.Fields[i].encode(w)
	}
	w.boolean(m.IsBigEndian)
	w.u32(m.PointStep)
	w.u32(m.RowStep)
	w.bytes(m.Data)
	w.boolean(m.IsDense)
}

func (m *PointCloud2) decode(r *reader) {
	r.header("header", &m.Header)
	m.Height = r.u32("height")
	m.Width = r.u32("width")
	m.Fields = resize(m.Fields, r.count("fields", minPointField))
	for i := range m.Fields {
		r.enter("fields", i)
		m.Fields[i].decode(r)
		r.leave()
	}
	m.IsBigEndian = r.boolean("is_bigendian")
	m.PointStep = r.u32("point_step")
	m.RowStep = r.u32("row_step")
	m.Data = r.bytes("data")
	m.IsDense = r.boolean("is_dense")
}

func (m *DisparityImage) encode(w *writer) {
	w.header(&m.Header)
	m.Image.encode(w)
	w.f32(m.F)
	w.f32(m.T)
	m.ValidWindow.encode(w)
	w.f32(m.MinDisparity)
	w.f32(m.MaxDisparity)
	w.f32(m.DeltaD)
}

func (m *DisparityImage) decode(r *reader) {
	r.header("header", &m.Header)
	r.enter("image", -1)
	m.Image.decode(r)
	r.leave()
	m.F = r.f32("f")
	m.T = r.f32("t")
	r.enter("valid_window", -1)
	m.ValidWindow.decode(r)
	r.leave()
	m.MinDisparity = r.f32("min_disparity")
	m.MaxDisparity = r.f32("max_disparity")
	m.DeltaD = r.f32("delta_d")
}
