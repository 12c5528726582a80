package msgs

// Field walks shared by CDR and ROS 1 (wire.go) for rcl_interfaces (rcl.go). Byte arrays alias
// the input, as Image.Data does.

// The fewest bytes each type takes on either wire (ROS 1 has no padding, so these bound CDR too).
const (
	minParameterValue      = 1 + 1 + 8 + 8 + 4 + 5*4
	minParameter           = 4 + minParameterValue
	minRange               = 3 * 8
	minParameterDescriptor = 4 + 1 + 4 + 4 + 1 + 1 + 4 + 4
	minSetParametersResult = 1 + 4
)

func (m *ParameterValue) encode(w *writer) {
	w.u8(m.Type)
	w.boolean(m.Bool)
	w.i64(m.Integer)
	w.f64(m.Double)
	w.str(m.String)
	w.bytes(m.ByteArray)
	w.bools(m.BoolArray)
	w.i64seq(m.IntegerArray)
	w.f64seq(m.DoubleArray)
	w.strs(m.StringArray)
}

func (m *ParameterValue) decode(r *reader) {
	m.Type = r.u8("type")
	m.Bool = r.boolean("bool_value")
	m.Integer = r.i64("integer_value")
	m.Double = r.f64("double_value")
	m.String = r.str("string_value")
	m.ByteArray = r.bytes("byte_array_value")
	m.BoolArray = r.bools("bool_array_value", m.BoolArray)
	m.IntegerArray = r.i64seq("integer_array_value", m.IntegerArray)
	m.DoubleArray = r.f64seq("double_array_value", m.DoubleArray)
	m.StringArray = r.strs("string_array_value", m.StringArray)
}

func (m *Parameter) encode(w *writer) {
	w.str(m.Name)
	m.Value.encode(w)
}

func (m *Parameter) decode(r *reader) {
	m.Name = r.str("name")
	r.enter("value", -1)
	m.Value.decode(r)
	r.leave()
}

func encodeParameters(w *writer, ps []Parameter) {
	w.count(len(ps))
	for i := range ps {
		ps[i].encode(w)
	}
}

func decodeParameters(r *reader, field string, dst []Parameter) []Parameter {
	dst = resize(dst, r.count(field, minParameter))
	for i := range dst {
		r.enter(field, i)
		dst[i].decode(r)
		r.leave()
	}
	return dst
}

func (m *ParameterEvent) encode(w *writer) {
	w.time(m.Stamp)
	w.str(m.Node)
	encodeParameters(w, m.NewParameters)
	encodeParameters(w, m.ChangedParameters)
	encodeParameters(w, m.DeletedParameters)
}

func (m *ParameterEvent) decode(r *reader) {
	m.Stamp = r.time("stamp")
	m.Node = r.str("node")
	m.NewParameters = decodeParameters(r, "new_parameters", m.NewParameters)
	m.ChangedParameters = decodeParameters(r, "changed_parameters", m.ChangedParameters)
	m.DeletedParameters = decodeParameters(r, "deleted_parameters", m.DeletedParameters)
}

func (m *FloatingPointRange) encode(w *writer) { w.f64(m.FromValue); w.f64(m.ToValue); w.f64(m.Step) }
func (m *FloatingPointRange) decode(r *reader) {
	m.FromValue, m.ToValue, m.Step = r.f64("from_value"), r.f64("to_value"), r.f64("step")
}

func (m *IntegerRange) encode(w *writer) { w.i64(m.FromValue); w.i64(m.ToValue); w.u64(m.Step) }
func (m *IntegerRange) decode(r *reader) {
	m.FromValue, m.ToValue, m.Step = r.i64("from_value"), r.i64("to_value"), r.u64("step")
}

func (m *ParameterDescriptor) encode(w *writer) {
	w.str(m.Name)
	w.u8(m.Type)
	w.str(m.Description)
	w.str(m.AdditionalConstraints)
	w.boolean(m.ReadOnly)
	w.boolean(m.DynamicTyping)
	w.count(len(m.FloatingPointRange))
	for i := range m.FloatingPointRange {
		m.FloatingPointRange[i].encode(w)
	}
	w.count(len(m.IntegerRange))
	for i := range m.IntegerRange {
		m.IntegerRange[i].encode(w)
	}
}

func (m *ParameterDescriptor) decode(r *reader) {
	m.Name = r.str("name")
	m.Type = r.u8("type")
	m.Description = r.str("description")
	m.AdditionalConstraints = r.str("additional_constraints")
	m.ReadOnly = r.boolean("read_only")
	m.DynamicTyping = r.boolean("dynamic_typing")
	m.FloatingPointRange = resize(m.FloatingPointRange, r.bounded("floating_point_range", minRange, 1))
	for i := range m.FloatingPointRange {
		r.enter("floating_point_range", i)
		m.FloatingPointRange[i].decode(r)
		r.leave()
	}
	m.IntegerRange = resize(m.IntegerRange, r.bounded("integer_range", minRange, 1))
	for i := range m.IntegerRange {
		r.enter("integer_range", i)
		m.IntegerRange[i].decode(r)
		r.leave()
	}
}

func (m *SetParametersResult) encode(w *writer) { w.boolean(m.Successful); w.str(m.Reason) }
func (m *SetParametersResult) decode(r *reader) {
	m.Successful, m.Reason = r.boolean("successful"), r.str("reason")
}

func (m *ListParametersResult) encode(w *writer) { w.strs(m.Names); w.strs(m.Prefixes) }
func (m *ListParametersResult) decode(r *reader) {
	m.Names = r.strs("names", m.Names)
	m.Prefixes = r.strs("prefixes", m.Prefixes)
}

func (m *Log) encode(w *writer) {
	w.time(m.Stamp)
	w.u8(m.Level)
	w.str(m.Name)
	w.str(m.Msg)
	w.str(m.File)
	w.str(m.Function)
	w.u32(m.Line)
}

func (m *Log) decode(r *reader) {
	m.Stamp = r.time("stamp")
	m.Level = r.u8("level")
	m.Name = r.str("name")
	m.Msg = r.str("msg")
	m.File = r.str("file")
	m.Function = r.str("function")
	m.Line = r.u32("line")
}

func (m *GetParametersRequest) encode(w *writer) { w.strs(m.Names) }
func (m *GetParametersRequest) decode(r *reader) { m.Names = r.strs("names", m.Names) }

func (m *GetParametersResponse) encode(w *writer) {
	w.count(len(m.Values))
	for i := range m.Values {
		m.Values[i].encode(w)
	}
}

func (m *GetParametersResponse) decode(r *reader) {
	m.Values = resize(m.Values, r.count("values", minParameterValue))
	for i := range m.Values {
		r.enter("values", i)
		m.Values[i].decode(r)
		r.leave()
	}
}

func (m *GetParameterTypesRequest) encode(w *writer)  { w.strs(m.Names) }
func (m *GetParameterTypesRequest) decode(r *reader)  { m.Names = r.strs("names", m.Names) }
func (m *GetParameterTypesResponse) encode(w *writer) { w.bytes(m.Types) }
func (m *GetParameterTypesResponse) decode(r *reader) { m.Types = r.bytes("types") }

func (m *SetParametersRequest) encode(w *writer) { encodeParameters(w, m.Parameters) }
func (m *SetParametersRequest) decode(r *reader) {
	m.Parameters = decodeParameters(r, "parameters", m.Parameters)
}

func (m *SetParametersResponse) encode(w *writer) {
	w.count(len(m.Results))
	for i := range m.Results {
		m.Results[i].encode(w)
	}
}

func (m *SetParametersResponse) decode(r *reader) {
	m.Results = resize(m.Results, r.count("results", minSetParametersResult))
	for i := range m.Results {
		r.enter("results", i)
		m.Results[i].decode(r)
		r.leave()
	}
}

func (m *SetParametersAtomicallyRequest) encode(w *writer) { encodeParameters(w, m.Parameters) }
func (m *SetParametersAtomicallyRequest) decode(r *reader) {
	m.Parameters = decodeParameters(r, "parameters", m.Parameters)
}

func (m *SetParametersAtomicallyResponse) encode(w *writer) { m.Result.encode(w) }
func (m *SetParametersAtomicallyResponse) decode(r *reader) {
	r.enter("result", -1)
	m.Result.decode(r)
	r.leave()
}

func (m *DescribeParametersRequest) encode(w *writer) { w.strs(m.Names) }
func (m *DescribeParametersRequest) decode(r *reader) { m.Names = r.strs("names", m.Names) }

func (m *DescribeParametersResponse) encode(w *writer) {
	w.count(len(m.Descriptors))
	for i := range m.Descriptors {
		m.Descriptors[i].encode(w)
	}
}

func (m *DescribeParametersResponse) decode(r *reader) {
	m.Descriptors = resize(m.Descriptors, r.count("descriptors", minParameterDescriptor))
	for i := range m.Descriptors {
		r.enter("descriptors", i)
		m.Descriptors[i].decode(r)
		r.leave()
	}
}

func (m *ListParametersRequest) encode(w *writer) { w.strs(m.Prefixes); w.u64(m.Depth) }
func (m *ListParametersRequest) decode(r *reader) {
	m.Prefixes = r.strs("prefixes", m.Prefixes)
	m.Depth = r.u64("depth")
}

func (m *ListParametersResponse) encode(w *writer) { m.Result.encode(w) }
func (m *ListParametersResponse) decode(r *reader) {
	r.enter("result", -1)
	m.Result.decode(r)
	r.leave()
}
