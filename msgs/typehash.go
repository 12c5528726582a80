package msgs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ROS 2 from Iron on names each interface type by a type hash (REP 2011, "RIHS01"): the SHA-256 of
// the type's description, a JSON text listing its fields and those of every type it refers to.
// rmw announces it in the USER_DATA of each reader and writer ("typehash=RIHS01_<hex>;") and
// rosbag2 stores it; `ros2 topic info -v` shows it. This file builds that description from the same
// .msg texts the bag definitions use (definitions.go, plus typehashOnly for types that have no Go
// message here) and hashes it.
//
// It follows rosidl_generator_type_description/rosidl_generator_type_description/__init__.py of
// ros2/rosidl (jazzy): serialize_field_type, extract_full_type_description and
// calculate_type_hash; the .msg → IDL type mapping is rosidl_adapter/rosidl_adapter/msg/__init__.py
// (MSG_TYPE_TO_IDL) and the field type ids are type_description_interfaces/msg/FieldType.msg.
//
// What is hashed, in this order and nothing else:
//
//	{"type_description": T, "referenced_type_descriptions": [R...]}
//
// T and each R are {"type_name": "pkg/msg/Type", "fields": [F...]}; each field F is
// {"name": ..., "type": {"type_id": N, "capacity": N, "string_capacity": N, "nested_type_name": "..."}}
// in .msg order. The R are every type reached through fields, recursively, each once, sorted by
// name. Constants, comments and default values are not part of it. The JSON is Python's
// json.dumps with separators ", " and ": " (no newlines), ASCII only.

// RIHS01Prefix starts every type hash string of REP 2011's version 1.
const RIHS01Prefix = "RIHS01_"

// Field type ids of type_description_interfaces/msg/FieldType (the value type; the array kinds
// add a fixed offset to it).
const (
	fieldTypeNested        = 1
	fieldTypeBoundedString = 21
	fieldTypeBoundedWStr   = 22

	fieldTypeArrayOffset        = 48  // T[N]
	fieldTypeBoundedSeqOffset   = 96  // T[<=N]
	fieldTypeUnboundedSeqOffset = 144 // T[]
)

// fieldValueTypeIDs maps a .msg primitive to its FieldType id, through the IDL type
// rosidl_adapter gives it (byte is octet; char is uint8).
var fieldValueTypeIDs = map[string]int{
	"int8": 2, "uint8": 3, "int16": 4, "uint16": 5, "int32": 6, "uint32": 7, "int64": 8, "uint64": 9,
	"float32": 10, "float64": 11,
	"char": 3, // rosidl_adapter maps .msg char to IDL uint8
	"bool": 15, "byte": 16, "string": 17, "wstring": 18,
}

// tdFieldType is type_description_interfaces/FieldType.
type tdFieldType struct {
	typeID, capacity, stringCapacity int
	nestedTypeName                   string // "pkg/msg/Type"; "" for primitives
}

type tdField struct {
	name string
	typ  tdFieldType
}

// individualTypeDescription is type_description_interfaces/IndividualTypeDescription.
type individualTypeDescription struct {
	typeName string
	fields   []tdField
}

// parseFieldType reads a .msg field type ("float64[9]", "string<=256", "Gid[]",
// "std_msgs/Header") of a type in package pkg.
func parseFieldType(typ, pkg string) (tdFieldType, error) {
	var ft tdFieldType
	base, arrayOffset := typ, 0
	if i := strings.IndexByte(typ, '['); i >= 0 {
		if !strings.HasSuffix(typ, "]") {
			return ft, fmt.Errorf("field type %q: unterminated array", typ)
		}
		bound := typ[i+1 : len(typ)-1]
		base = typ[:i]
		switch {
		case bound == "":
			arrayOffset = fieldTypeUnboundedSeqOffset
		case strings.HasPrefix(bound, "<="):
			arrayOffset = fieldTypeBoundedSeqOffset
			bound = bound[2:]
		default:
			arrayOffset = fieldTypeArrayOffset
		}
		if arrayOffset != fieldTypeUnboundedSeqOffset {
			n, err := strconv.Atoi(bound)
			if err != nil || n <= 0 {
				return ft, fmt.Errorf("field type %q: bad array bound", typ)
			}
			ft.capacity = n
		}
	}
	if s, bound, ok := strings.Cut(base, "<="); ok {
		if s != "string" && s != "wstring" {
			return ft, fmt.Errorf("field type %q: only strings take an upper bound", typ)
		}
		n, err := strconv.Atoi(bound)
		if err != nil || n <= 0 {
			return ft, fmt.Errorf("field type %q: bad string bound", typ)
		}
		ft.stringCapacity = n
		ft.typeID = fieldTypeBoundedString
		if s == "wstring" {
			ft.typeID = fieldTypeBoundedWStr
		}
	} else if id, ok := fieldValueTypeIDs[base]; ok {
		ft.typeID = id
	} else if primitiveTypes[base] {
		return ft, fmt.Errorf("field type %q has no ROS 2 equivalent", typ)
	} else {
		ft.typeID = fieldTypeNested
		p, t, qualified := strings.Cut(base, "/")
		if !qualified {
			p, t = pkg, base
		}
		kind := "msg"
		if k, rest, ok := strings.Cut(t, "/"); ok && (k == "msg" || k == "srv" || k == "action") {
			// A fully qualified "pkg/srv/Type": a service's own messages, which .msg syntax cannot
			// name but the descriptions of services and their events refer to.
			kind, t = k, rest
		}
		if p == "" || t == "" || strings.Contains(t, "/") {
			return ft, fmt.Errorf("field type %q: bad type name", typ)
		}
		ft.nestedTypeName = p + "/" + kind + "/" + t
	}
	ft.typeID += arrayOffset
	return ft, nil
}

// describe builds the individual description of type name ("pkg/msg/Type") from its .msg text.
func describe(name, text string) (individualTypeDescription, error) {
	d := individualTypeDescription{typeName: name}
	pkg, _, _ := strings.Cut(name, "/")
	for _, f := range parseMsg(text) {
		if f.isConst {
			continue
		}
		ft, err := parseFieldType(f.typ, pkg)
		if err != nil {
			return d, fmt.Errorf("%s.%s: %w", name, f.name, err)
		}
		d.fields = append(d.fields, tdField{name: f.name, typ: ft})
	}
	if len(d.fields) == 0 {
		// rosidl_adapter gives an empty message this one member (struct.idl.em).
		d.fields = []tdField{{name: "structure_needs_at_least_one_member", typ: tdFieldType{typeID: fieldValueTypeIDs["uint8"]}}}
	}
	return d, nil
}

// writeJSONString writes s quoted. Type and field names are identifiers and package paths, which
// need no escaping; anything else is refused rather than risk escaping it unlike Python does.
func writeJSONString(b *strings.Builder, s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '/') {
			return fmt.Errorf("name %q: character %q is not allowed in a type description", s, c)
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
	return nil
}

func (d *individualTypeDescription) writeJSON(b *strings.Builder) error {
	b.WriteString(`{"type_name": `)
	if err := writeJSONString(b, d.typeName); err != nil {
		return err
	}
	b.WriteString(`, "fields": [`)
	for i, f := range d.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`{"name": `)
		if err := writeJSONString(b, f.name); err != nil {
			return err
		}
		fmt.Fprintf(b, `, "type": {"type_id": %d, "capacity": %d, "string_capacity": %d, "nested_type_name": `,
			f.typ.typeID, f.typ.capacity, f.typ.stringCapacity)
		if err := writeJSONString(b, f.typ.nestedTypeName); err != nil {
			return err
		}
		b.WriteString("}}")
	}
	b.WriteString("]}")
	return nil
}

// typeTexts maps every type this package can describe ("pkg/msg/Type") to its ROS 2 .msg text.
var typeTexts = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(definitions)+len(typehashOnly))
	for _, d := range definitions {
		m[d.name] = d.ros2
	}
	for _, d := range typehashOnly {
		m[d.name] = d.text
	}
	return m
})

// normalizeTypeName accepts "pkg/msg/Type" and "pkg/Type".
func normalizeTypeName(rosType string) string {
	if p, t, ok := strings.Cut(rosType, "/"); ok && !strings.Contains(t, "/") {
		return p + "/msg/" + t
	}
	return rosType
}

// typeDescriptionJSON is the text TypeHash hashes (the type description without default values).
func typeDescriptionJSON(rosType string) (string, error) {
	texts := typeTexts()
	name := normalizeTypeName(rosType)
	describeKnown := func(n string) (individualTypeDescription, error) {
		text, ok := texts[n]
		if !ok {
			return individualTypeDescription{}, fmt.Errorf("no definition of %s", n)
		}
		return describe(n, text)
	}
	top, err := describeKnown(name)
	if err != nil {
		return "", fmt.Errorf("type hash of %s: %w", rosType, err)
	}
	// Every type reached through fields, each once (extract_full_type_description).
	refs := map[string]individualTypeDescription{}
	queue := []individualTypeDescription{top}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		for _, f := range d.fields {
			n := f.typ.nestedTypeName
			if n == "" {
				continue
			}
			if _, seen := refs[n]; seen {
				continue
			}
			r, err := describeKnown(n)
			if err != nil {
				return "", fmt.Errorf("type hash of %s: %w", rosType, err)
			}
			refs[n] = r
			queue = append(queue, r)
		}
	}
	names := make([]string, 0, len(refs))
	for n := range refs {
		names = append(names, n)
	}
	slices.Sort(names)

	var b strings.Builder
	b.WriteString(`{"type_description": `)
	if err := top.writeJSON(&b); err != nil {
		return "", err
	}
	b.WriteString(`, "referenced_type_descriptions": [`)
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		r := refs[n]
		if err := r.writeJSON(&b); err != nil {
			return "", err
		}
	}
	b.WriteString("]}")
	return b.String(), nil
}

var typeHashes sync.Map // normalized name → string

// TypeHash returns the REP 2011 type hash of a message type, "RIHS01_" and 64 hex digits, as ROS 2
// Iron and later compute it. rosType is "pkg/msg/Type" (or "pkg/Type"); the type and every type
// it refers to must be one this package defines (Types, or the few described for ROS 2 graph
// topics only: rcl_interfaces Log and ParameterEvent, rmw_dds_common ParticipantEntitiesInfo).
func TypeHash(rosType string) (string, error) {
	name := normalizeTypeName(rosType)
	if h, ok := typeHashes.Load(name); ok {
		return h.(string), nil
	}
	j, err := typeDescriptionJSON(name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(j))
	h := RIHS01Prefix + hex.EncodeToString(sum[:])
	typeHashes.Store(name, h)
	return h, nil
}
