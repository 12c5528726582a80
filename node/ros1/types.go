package ros1

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	rmsg "github.com/bluenviron/goroslib/v2/pkg/msg"
	"github.com/bluenviron/goroslib/v2/pkg/msgproc"
	"github.com/bluenviron/goroslib/v2/pkg/protocommon"

	"github.com/ssmde/ssmde/msgs"
)

// goroslib knows a message type only as a Go struct: it derives the type name, MD5 sum and
// message definition it puts in connection headers from the struct's fields (msgproc), and
// serializes by walking them (protocommon). It has no raw-bytes publisher or subscriber.
//
// wireType therefore builds that struct at run time with reflect.StructOf from the msgs
// registry's ROS 1 definition: one field per .msg field, named by a rosname tag, nested types as
// nested structs carrying their package and name in goroslib's msg.Package / msg.Name tags,
// constants in a msg.Definitions tag. goroslib's MD5 of the struct must equal the registry's
// (checked when the type is built), so peers see exactly the types roscpp would announce. No code
// per message type: every type in msgs works.
//
// Bytes cross the boundary through goroslib's own codec: a message to publish is marshalled
// with MarshalROS1 and decoded into a new struct (protocommon.MessageDecode), which goroslib
// encodes again on each connection; a received struct is encoded back to ROS 1 bytes
// (protocommon.MessageEncode) for the node to decode with UnmarshalROS1. Byte arrays (image and
// cloud data) are copied, not walked; only small arrays of structs cost reflection.
type wireType struct {
	ros1Name string
	md5      string
	typ      reflect.Type // the struct
	ptr      reflect.Type // *struct
}

var (
	wireTypesMu sync.Mutex
	wireTypes   = map[string]*wireType{}
)

// lookupWireType returns the goroslib struct type for a ROS 2 or ROS 1 type name.
func lookupWireType(name string) (*wireType, error) {
	t, ok := msgs.Lookup(name)
	if !ok || t.ROS1Name == "" {
		return nil, fmt.Errorf("message type %q has no ROS 1 definition in package msgs", name)
	}
	wireTypesMu.Lock()
	defer wireTypesMu.Unlock()
	if w, ok := wireTypes[t.ROS1Name]; ok {
		return w, nil
	}
	st, err := structFromDefinition(t.ROS1Name, t.ROS1Definition)
	if err != nil {
		return nil, fmt.Errorf("message type %s: %w", t.ROS1Name, err)
	}
	sum, err := msgproc.MD5(reflect.New(st).Elem().Interface())
	if err != nil {
		return nil, fmt.Errorf("message type %s: %w", t.ROS1Name, err)
	}
	if sum != t.ROS1MD5 {
		return nil, fmt.Errorf("message type %s: goroslib's MD5 of the built struct is %s, the registry's %s", t.ROS1Name, sum, t.ROS1MD5)
	}
	w := &wireType{ros1Name: t.ROS1Name, md5: sum, typ: st, ptr: reflect.PointerTo(st)}
	wireTypes[t.ROS1Name] = w
	return w, nil
}

// newValue returns a new *struct as an interface{}, what goroslib's publisher wants.
func (w *wireType) newValue() any { return reflect.New(w.typ).Interface() }

// fromBytes decodes a ROS 1 serialization (with its 4-byte length prefix in front) into a new
// struct for goroslib to publish.
func (w *wireType) fromBytes(prefixed []byte) (any, error) {
	v := w.newValue()
	if err := protocommon.MessageDecode(bytes.NewReader(prefixed), v); err != nil {
		return nil, err
	}
	return v, nil
}

// marshalPrefixed appends m's ROS 1 serialization to buf[:0] behind a 4-byte length, the
// framing protocommon.MessageDecode reads.
func marshalPrefixed(buf []byte, m msgs.Message) []byte {
	buf = append(buf[:0], 0, 0, 0, 0)
	buf = m.MarshalROS1(buf)
	binary.LittleEndian.PutUint32(buf, uint32(len(buf)-4))
	return buf
}

// callback returns a func(*struct) for goroslib's SubscriberConf.Callback that serializes each
// message back to ROS 1 bytes into a reused buffer and passes them to handle. goroslib calls it
// from one goroutine per subscriber, so the buffer needs no lock.
func (w *wireType) callback(handle func([]byte)) any {
	var buf bytes.Buffer
	fn := reflect.FuncOf([]reflect.Type{w.ptr}, nil, false)
	return reflect.MakeFunc(fn, func(args []reflect.Value) []reflect.Value {
		buf.Reset()
		if err := protocommon.MessageEncode(&buf, args[0].Interface()); err == nil && buf.Len() >= 4 {
			handle(buf.Bytes()[4:])
		}
		return nil
	}).Interface()
}

// structFromDefinition builds the struct of a full ROS 1 definition (the type's text, then
// "====...\nMSG: pkg/Type\n" blocks for its dependencies).
func structFromDefinition(name, full string) (reflect.Type, error) {
	texts := map[string]string{}
	blocks := strings.Split(full, "\n"+strings.Repeat("=", 80)+"\n")
	texts[name] = blocks[0]
	for _, b := range blocks[1:] {
		head, body, _ := strings.Cut(b, "\n")
		dep, ok := strings.CutPrefix(strings.TrimSpace(head), "MSG: ")
		if !ok {
			return nil, fmt.Errorf("definition block without a MSG: line: %q", head)
		}
		texts[strings.TrimSpace(dep)] = body
	}
	built := map[string]reflect.Type{}
	return buildStruct(name, texts, built, 0)
}

var primitiveGoTypes = map[string]struct {
	t   reflect.Type
	tag string // goroslib's rostype tag for aliases
}{
	"bool": {reflect.TypeOf(false), ""}, "int8": {reflect.TypeOf(int8(0)), ""}, "byte": {reflect.TypeOf(int8(0)), "byte"},
	"uint8": {reflect.TypeOf(uint8(0)), ""}, "char": {reflect.TypeOf(uint8(0)), "char"},
	"int16": {reflect.TypeOf(int16(0)), ""}, "uint16": {reflect.TypeOf(uint16(0)), ""},
	"int32": {reflect.TypeOf(int32(0)), ""}, "uint32": {reflect.TypeOf(uint32(0)), ""},
	"int64": {reflect.TypeOf(int64(0)), ""}, "uint64": {reflect.TypeOf(uint64(0)), ""},
	"float32": {reflect.TypeOf(float32(0)), ""}, "float64": {reflect.TypeOf(float64(0)), ""},
	"string": {reflect.TypeOf(""), ""}, "time": {reflect.TypeOf(time.Time{}), ""}, "duration": {reflect.TypeOf(time.Duration(0)), ""},
}

func buildStruct(name string, texts map[string]string, built map[string]reflect.Type, depth int) (reflect.Type, error) {
	if t, ok := built[name]; ok {
		return t, nil
	}
	if depth > 32 {
		return nil, fmt.Errorf("type %s: nesting too deep", name)
	}
	text, ok := texts[name]
	if !ok {
		return nil, fmt.Errorf("type %s: no definition", name)
	}
	pkg, short, ok := strings.Cut(name, "/")
	if !ok {
		return nil, fmt.Errorf("type %q: want pkg/Type", name)
	}
	fields := []reflect.StructField{
		{Name: "Package", Type: reflect.TypeOf(rmsg.Package(0)), Anonymous: true, Tag: reflect.StructTag(`ros:` + strconv.Quote(pkg))},
		{Name: "Name", Type: reflect.TypeOf(rmsg.Name(0)), Anonymous: true, Tag: reflect.StructTag(`ros:` + strconv.Quote(short))},
	}
	var consts []string
	for _, line := range strings.Split(text, "\n") {
		typ, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		if typ == "" || strings.HasPrefix(typ, "#") {
			continue
		}
		rest = strings.TrimSpace(rest)
		if cname, val, isConst := strings.Cut(rest, "="); isConst {
			val = strings.TrimSpace(val)
			if typ != "string" {
				val, _, _ = strings.Cut(val, "#")
				val = strings.TrimSpace(val)
			}
			if strings.Contains(val, ",") {
				// goroslib joins constants with commas in one tag.
				return nil, fmt.Errorf("type %s: constant %s: a value with a comma cannot be carried by goroslib", name, cname)
			}
			consts = append(consts, typ+" "+strings.TrimSpace(cname)+"="+val)
			continue
		}
		rest, _, _ = strings.Cut(rest, "#")
		fname := strings.TrimSpace(rest)
		ft, tag, err := fieldType(typ, pkg, texts, built, depth)
		if err != nil {
			return nil, fmt.Errorf("type %s field %s: %w", name, fname, err)
		}
		st := `rosname:` + strconv.Quote(fname)
		if tag != "" {
			st += ` rostype:` + strconv.Quote(tag)
		}
		fields = append(fields, reflect.StructField{Name: "F" + strconv.Itoa(len(fields)), Type: ft, Tag: reflect.StructTag(st)})
	}
	if len(consts) > 0 {
		// Constants first, where genmsg's MD5 text has them.
		def := reflect.StructField{Name: "Definitions", Type: reflect.TypeOf(rmsg.Definitions(0)), Anonymous: true,
			Tag: reflect.StructTag(`ros:` + strconv.Quote(strings.Join(consts, ",")))}
		fields = append(fields[:2], append([]reflect.StructField{def}, fields[2:]...)...)
	}
	t := reflect.StructOf(fields)
	built[name] = t
	return t, nil
}

// fieldType maps a .msg field type ("float64[9]", "Header", "PointField[]") onto a Go type.
func fieldType(typ, pkg string, texts map[string]string, built map[string]reflect.Type, depth int) (reflect.Type, string, error) {
	base, arr := typ, ""
	if i := strings.IndexByte(typ, '['); i >= 0 {
		base, arr = typ[:i], typ[i:]
	}
	var elem reflect.Type
	tag := ""
	if p, ok := primitiveGoTypes[base]; ok {
		elem, tag = p.t, p.tag
	} else {
		full := base
		switch {
		case base == "Header":
			full = "std_msgs/Header"
		case !strings.Contains(base, "/"):
			full = pkg + "/" + base
		}
		st, err := buildStruct(full, texts, built, depth+1)
		if err != nil {
			return nil, "", err
		}
		elem = st
	}
	switch {
	case arr == "":
		return elem, tag, nil
	case arr == "[]":
		if tag != "" {
			return nil, "", fmt.Errorf("arrays of %s are not supported by goroslib's type naming", base)
		}
		return reflect.SliceOf(elem), "", nil
	case strings.HasPrefix(arr, "[") && strings.HasSuffix(arr, "]"):
		n, err := strconv.Atoi(arr[1 : len(arr)-1])
		if err != nil || n < 0 {
			return nil, "", fmt.Errorf("bad array size in %q", typ)
		}
		if tag != "" {
			return nil, "", fmt.Errorf("arrays of %s are not supported by goroslib's type naming", base)
		}
		return reflect.ArrayOf(n, elem), "", nil
	}
	return nil, "", fmt.Errorf("bad type %q", typ)
}
