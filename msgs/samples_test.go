package msgs

// sampleMessages are the known values that the independent serializers (testdata/cyclone_cdr.c for
// CDR, testdata/genpy_ros1.py for ROS 1) write too; keep the three in step. Strings have lengths
// that leave every alignment case; negative seconds show how ROS 1's unsigned time carries them.
func sampleMessages() []struct {
	name string
	msg  Message
} {
	hdr := func(sec int32, nsec uint32, frame string) Header {
		return Header{Stamp: Time{Sec: sec, Nanosec: nsec}, FrameID: frame}
	}
	pixels := make([]byte, 18)
	for i := range pixels {
		pixels[i] = byte(7*i + 1)
	}
	ci := &CameraInfo{Header: hdr(-5, 999999999, "cam"), Height: 480, Width: 640, DistortionModel: "plumb_bob",
		D: []float64{-0.1, 0.01, 0.001, -0.0005, 0}, BinningX: 1, BinningY: 2,
		ROI: RegionOfInterest{XOffset: 10, YOffset: 20, Height: 30, Width: 40, DoRectify: true}}
	for i := range ci.K {
		ci.K[i], ci.R[i] = float64(i)+0.5, float64(i)*-1.25
	}
	for i := range ci.P {
		ci.P[i] = float64(i)*3 + 0.125
	}
	ciEmpty := *ci
	ciEmpty.Header, ciEmpty.DistortionModel, ciEmpty.D = hdr(7, 8, "ab"), "", nil
	cloud := make([]byte, 26)
	for i := range cloud {
		cloud[i] = byte(3 * i)
	}
	odom := &Odometry{Header: hdr(100, 200, "odom"), ChildFrameID: "base_link"}
	odom.Pose.Pose = Pose{Position: Point{1, 2, 3}, Orientation: Quaternion{0.1, 0.2, 0.3, 0.9}}
	odom.Twist.Twist = Twist{Linear: Vector3{4, 5, 6}, Angular: Vector3{7, 8, 9}}
	for i := range odom.Pose.Covariance {
		odom.Pose.Covariance[i], odom.Twist.Covariance[i] = 0.5*float64(i), -0.25*float64(i)
	}
	disparity := make([]byte, 16)
	for i := range disparity {
		disparity[i] = byte(200 - i)
	}
	return []struct {
		name string
		msg  Message
	}{
		{"image", &Image{Header: hdr(1700000000, 123456789, "camera_optical"), Height: 2, Width: 3,
			Encoding: "rgb8", Step: 9, Data: pixels}},
		{"camera_info", ci},
		{"camera_info_empty_d", &ciEmpty},
		{"point_cloud2", &PointCloud2{Header: hdr(1, 2, "lidar"), Height: 1, Width: 2,
			Fields: []PointField{{"x", 0, PointFieldFloat32, 1}, {"y", 4, PointFieldFloat32, 1},
				{"z", 8, PointFieldFloat32, 1}, {"intensity", 12, PointFieldUint8, 1}},
			PointStep: 13, RowStep: 26, Data: cloud, IsDense: true}},
		{"odometry", odom},
		{"tf_message", &TFMessage{Transforms: []TransformStamped{
			{Header: hdr(10, 20, "map"), ChildFrameID: "odom",
				Transform: Transform{Translation: Vector3{1, 2, 3}, Rotation: Quaternion{0, 0, 0, 1}}},
			{Header: hdr(11, 21, "odom"), ChildFrameID: "camera_link",
				Transform: Transform{Translation: Vector3{-1, -2, -3}, Rotation: Quaternion{0.5, 0.5, 0.5, 0.5}}},
		}}},
		{"compressed_image", &CompressedImage{Header: Header{Seq: 42, Stamp: Time{3, 4}, FrameID: "c"},
			Format: "jpeg", Data: []byte{0xff, 0xd8, 0xff, 0xd9, 0}}},
		{"clock", &Clock{Clock: Time{Sec: 12, Nanosec: 500000000}}},
		{"diagnostic_array", &DiagnosticArray{Header: hdr(9, 10, ""), Status: []DiagnosticStatus{
			{Level: DiagnosticWarn, Name: "ssmde: depth", Message: "slow", HardwareID: "gpu0",
				Values: []KeyValue{{"fps", "9.5"}, {"latency_ms", "105"}}},
			{Level: DiagnosticOK, Name: "ssmde: pose"},
		}}},
		{"disparity_image", &DisparityImage{Header: hdr(5, 6, "left"),
			Image: Image{Header: hdr(5, 6, "left"), Height: 2, Width: 2, Encoding: "32FC1", Step: 8, Data: disparity},
			F:     500.5, T: 0.12, ValidWindow: RegionOfInterest{1, 2, 3, 4, false},
			MinDisparity: 1, MaxDisparity: 64, DeltaD: 0.0625}},
		{"pose_with_covariance", &PoseWithCovariance{Pose: Pose{Point{-1, 0, 1}, Quaternion{0, 0, 0, 1}},
			Covariance: [36]float64{0: 1, 7: 1, 14: 1, 21: 0.1, 28: 0.1, 35: 0.1}}},
	}
}

// rclSampleMessages are rcl_interfaces values that testdata/cyclone_cdr.c writes too (ROS 2
// only: ROS 1 has no such types). The event carries a value of every parameter type.
func rclSampleMessages() []struct {
	name string
	msg  Message
} {
	str := func(name, v string) Parameter {
		return Parameter{Name: name, Value: ParameterValue{Type: ParameterString, String: v}}
	}
	ev := &ParameterEvent{Stamp: Time{5, 6}, Node: "/front/ssmde", NewParameters: []Parameter{
		str("scale_mode", "focal"),
		{"fixed_scale", ParameterValue{Type: ParameterDouble, Double: 1.5}},
		{"points_decimation", ParameterValue{Type: ParameterInteger, Integer: 2}},
		{"publish_points", ParameterValue{Type: ParameterBool, Bool: true}},
		{"base_to_camera", ParameterValue{Type: ParameterDoubleArray, DoubleArray: []float64{0.1, 0.2, 0.3, 0, 0, 0, 1}}},
		{"names", ParameterValue{Type: ParameterStringArray, StringArray: []string{"a", "bcd"}}},
		{"ints", ParameterValue{Type: ParameterIntegerArray, IntegerArray: []int64{-1, 7}}},
		{"bools", ParameterValue{Type: ParameterBoolArray, BoolArray: []bool{true, false, true}}},
		{"bytes", ParameterValue{Type: ParameterByteArray, ByteArray: []byte{1, 2, 3}}},
	}, DeletedParameters: []Parameter{{Name: "gone"}}}
	return []struct {
		name string
		msg  Message
	}{
		{"parameter_event", ev},
		{"parameter_descriptor", &rclDescriptors()[0]},
		{"log", &Log{Stamp: Time{1700000000, 5}, Level: LogWarn, Name: "front.ssmde", Msg: "frame dropped",
			File: "node/node.go", Function: "processFrame", Line: 42}},
	}
}

func rclDescriptors() []ParameterDescriptor {
	return []ParameterDescriptor{
		{Name: "fixed_scale", Type: ParameterDouble, Description: "depth factor",
			FloatingPointRange: []FloatingPointRange{{0, 1000, 0}}},
		{Name: "points_decimation", Type: ParameterInteger, Description: "keep every k-th pixel",
			IntegerRange: []IntegerRange{{1, 64, 1}}},
		{Name: "model", Type: ParameterString, Description: "model folder",
			AdditionalConstraints: "read-only: restart the node", ReadOnly: true},
	}
}

// rclServiceSamples are requests and replies of the parameter services framed as rmw_cyclonedds
// frames them (service.go), as testdata/cyclone_cdr.c writes them.
func rclServiceSamples() []struct {
	name   string
	header ServiceHeader
	msg    Message
} {
	return []struct {
		name   string
		header ServiceHeader
		msg    Message
	}{
		{"get_parameters_request", ServiceHeader{0x0102030405060708, 7},
			&GetParametersRequest{Names: []string{"scale_mode", "min_depth"}}},
		{"set_parameters_request", ServiceHeader{0x1112131415161718, 9}, &SetParametersRequest{Parameters: []Parameter{
			{"min_depth", ParameterValue{Type: ParameterDouble, Double: 0.5}},
			{"publish_colormap", ParameterValue{Type: ParameterString, String: "always"}}}}},
		{"describe_parameters_response", ServiceHeader{0x2122232425262728, 11},
			&DescribeParametersResponse{Descriptors: rclDescriptors()}},
		{"set_parameters_atomically_response", ServiceHeader{0x3132333435363738, -3},
			&SetParametersAtomicallyResponse{Result: SetParametersResult{Reason: "parameter 'model' cannot be set because it is read-only"}}},
	}
}
