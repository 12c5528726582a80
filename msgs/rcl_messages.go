package msgs

// Message methods of the rcl_interfaces types (rcl.go), written as messages.go writes them.

func (*ParameterValue) TypeName() string { return "rcl_interfaces/msg/ParameterValue" }

func (m *ParameterValue) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *ParameterValue) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *ParameterValue) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *ParameterValue) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Parameter) TypeName() string { return "rcl_interfaces/msg/Parameter" }

func (m *Parameter) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Parameter) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Parameter) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Parameter) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*ParameterEvent) TypeName() string { return "rcl_interfaces/msg/ParameterEvent" }

func (m *ParameterEvent) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *ParameterEvent) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *ParameterEvent) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *ParameterEvent) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*FloatingPointRange) TypeName() string { return "rcl_interfaces/msg/FloatingPointRange" }

func (m *FloatingPointRange) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *FloatingPointRange) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *FloatingPointRange) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *FloatingPointRange) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*IntegerRange) TypeName() string { return "rcl_interfaces/msg/IntegerRange" }

func (m *IntegerRange) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *IntegerRange) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *IntegerRange) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *IntegerRange) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*ParameterDescriptor) TypeName() string { return "rcl_interfaces/msg/ParameterDescriptor" }

func (m *ParameterDescriptor) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *ParameterDescriptor) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *ParameterDescriptor) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *ParameterDescriptor) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*SetParametersResult) TypeName() string { return "rcl_interfaces/msg/SetParametersResult" }

func (m *SetParametersResult) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersResult) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *SetParametersResult) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersResult) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*ListParametersResult) TypeName() string { return "rcl_interfaces/msg/ListParametersResult" }

func (m *ListParametersResult) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *ListParametersResult) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *ListParametersResult) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *ListParametersResult) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*Log) TypeName() string { return "rcl_interfaces/msg/Log" }

func (m *Log) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *Log) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *Log) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *Log) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*GetParametersRequest) TypeName() string { return "rcl_interfaces/srv/GetParameters_Request" }

func (m *GetParametersRequest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParametersRequest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *GetParametersRequest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParametersRequest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*GetParametersResponse) TypeName() string { return "rcl_interfaces/srv/GetParameters_Response" }

func (m *GetParametersResponse) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParametersResponse) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *GetParametersResponse) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParametersResponse) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*GetParameterTypesRequest) TypeName() string {
	return "rcl_interfaces/srv/GetParameterTypes_Request"
}

func (m *GetParameterTypesRequest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParameterTypesRequest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *GetParameterTypesRequest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParameterTypesRequest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*GetParameterTypesResponse) TypeName() string {
	return "rcl_interfaces/srv/GetParameterTypes_Response"
}

func (m *GetParameterTypesResponse) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParameterTypesResponse) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *GetParameterTypesResponse) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *GetParameterTypesResponse) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*SetParametersRequest) TypeName() string { return "rcl_interfaces/srv/SetParameters_Request" }

func (m *SetParametersRequest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersRequest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *SetParametersRequest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersRequest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*SetParametersResponse) TypeName() string { return "rcl_interfaces/srv/SetParameters_Response" }

func (m *SetParametersResponse) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersResponse) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *SetParametersResponse) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersResponse) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*SetParametersAtomicallyRequest) TypeName() string {
	return "rcl_interfaces/srv/SetParametersAtomically_Request"
}

func (m *SetParametersAtomicallyRequest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersAtomicallyRequest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *SetParametersAtomicallyRequest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersAtomicallyRequest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*SetParametersAtomicallyResponse) TypeName() string {
	return "rcl_interfaces/srv/SetParametersAtomically_Response"
}

func (m *SetParametersAtomicallyResponse) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersAtomicallyResponse) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *SetParametersAtomicallyResponse) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *SetParametersAtomicallyResponse) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*DescribeParametersRequest) TypeName() string {
	return "rcl_interfaces/srv/DescribeParameters_Request"
}

func (m *DescribeParametersRequest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *DescribeParametersRequest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *DescribeParametersRequest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *DescribeParametersRequest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*DescribeParametersResponse) TypeName() string {
	return "rcl_interfaces/srv/DescribeParameters_Response"
}

func (m *DescribeParametersResponse) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *DescribeParametersResponse) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *DescribeParametersResponse) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *DescribeParametersResponse) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*ListParametersRequest) TypeName() string { return "rcl_interfaces/srv/ListParameters_Request" }

func (m *ListParametersRequest) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *ListParametersRequest) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *ListParametersRequest) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *ListParametersRequest) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (*ListParametersResponse) TypeName() string { return "rcl_interfaces/srv/ListParameters_Response" }

func (m *ListParametersResponse) MarshalCDR(buf []byte) []byte {
	w := cdrWriter(buf)
	m.encode(&w)
	return w.buf
}

func (m *ListParametersResponse) UnmarshalCDR(data []byte) error {
	r := cdrReader(data, m.TypeName())
	m.decode(&r)
	return r.err
}

func (m *ListParametersResponse) MarshalROS1(buf []byte) []byte {
	w := ros1Writer(buf)
	m.encode(&w)
	return w.buf
}

func (m *ListParametersResponse) UnmarshalROS1(data []byte) error {
	r := ros1Reader(data, m.TypeName())
	m.decode(&r)
	return r.err
}
