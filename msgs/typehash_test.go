package msgs

import "testing"

// Reference hashes from ROS 2 Jazzy (`ros2 topic info -v`, the generated <Type>.json files).
var jazzyTypeHashes = map[string]string{
	"sensor_msgs/msg/Image":               "RIHS01_d31d41a9a4c4bc8eae9be757b0beed306564f7526c88ea6a4588fb9582527d47",
	"sensor_msgs/msg/CameraInfo":          "RIHS01_b3dfd68ff46c9d56c80fd3bd4ed22c7a4ddce8c8348f2f59c299e73118e7e275",
	"sensor_msgs/msg/PointCloud2":         "RIHS01_9198cabf7da3796ae6fe19c4cb3bdd3525492988c70522628af5daa124bae2b5",
	"sensor_msgs/msg/CompressedImage":     "RIHS01_15640771531571185e2efc8a100baf923961a4d15d5569652e6cb6691e8e371a",
	"nav_msgs/msg/Odometry":               "RIHS01_3cc97dc7fb7502f8714462c526d369e35b603cfc34d946e3f2eda2766dfec6e0",
	"tf2_msgs/msg/TFMessage":              "RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087",
	"diagnostic_msgs/msg/DiagnosticArray": "RIHS01_5a8a36efb05fb25070fa0fb3810290c0e6cd4862b54a8fb975a1ee8dc55a333e",
	"rosgraph_msgs/msg/Clock":             "RIHS01_692f7a66e93a3c83e71765d033b60349ba68023a8c689a79e48078bcb5c58564",
	"rcl_interfaces/msg/Log":              "RIHS01_e28ce254ca8abc06abf92773b74602cdbf116ed34fbaf294fb9f81da9f318eac",
	"rcl_interfaces/msg/ParameterEvent":   "RIHS01_043e627780fcad87a22d225bc2a037361dba713fca6a6b9f4b869a5aa0393204",
}

func TestTypeHashJazzy(t *testing.T) {
	for name, want := range jazzyTypeHashes {
		got, err := TypeHash(name)
		if err != nil {
			t.Errorf("TypeHash(%s): %v", name, err)
			continue
		}
		if got != want {
			j, _ := typeDescriptionJSON(name)
			t.Errorf("TypeHash(%s) = %s, want %s; hashed:\n%s", name, got, want, j)
		}
	}
}

// Hashes with no Jazzy reference at hand, computed by running ros2/rosidl's own generator
// (rosidl_adapter msg→idl, then rosidl_generator_type_description, jazzy branch) on the jazzy
// .msg files of rmw_dds_common: they cover what the Jazzy list does not, char arrays and bounded
// strings.
var generatorTypeHashes = map[string]string{
	"rmw_dds_common/msg/Gid":                     "RIHS01_ab6f21cfbb0a6dbb837161e1110c2051a2850ed9f9c53944d7115d9bcebedf71",
	"rmw_dds_common/msg/NodeEntitiesInfo":        "RIHS01_8ffef65ee2d088c63b1e8fcd31e800ba9fc8dbe0ee15ca60d1676de5218087a7",
	"rmw_dds_common/msg/ParticipantEntitiesInfo": "RIHS01_91a0593bacdcc50ea9bdcf849a938b128412cc1ea821245c663bcd26f83c295e",
}

func TestTypeHashGenerator(t *testing.T) {
	for name, want := range generatorTypeHashes {
		if got, err := TypeHash(name); err != nil || got != want {
			j, _ := typeDescriptionJSON(name)
			t.Errorf("TypeHash(%s) = %s, %v; want %s; hashed:\n%s", name, got, err, want, j)
		}
	}
}

// Every registered type has a hash, and both name forms give it.
func TestTypeHashAllTypes(t *testing.T) {
	for _, typ := range Types() {
		h, err := TypeHash(typ.Name)
		if err != nil {
			t.Errorf("%s: %v", typ.Name, err)
			continue
		}
		if len(h) != len(RIHS01Prefix)+64 || h[:len(RIHS01Prefix)] != RIHS01Prefix {
			t.Errorf("%s: malformed hash %q", typ.Name, h)
		}
		if short := shortName(typ.Name); short != typ.Name {
			if h2, err := TypeHash(short); err != nil || h2 != h {
				t.Errorf("TypeHash(%s) = %s, %v; want %s", short, h2, err, h)
			}
		}
	}
	for _, bad := range []string{"", "foo_msgs/msg/Bar", "sensor_msgs/msg/Imu", "Image"} {
		if h, err := TypeHash(bad); err == nil {
			t.Errorf("TypeHash(%q) = %s, want an error", bad, h)
		}
	}
}

func TestParseFieldType(t *testing.T) {
	for _, c := range []struct {
		typ  string
		want tdFieldType
	}{
		{"bool", tdFieldType{typeID: 15}},
		{"byte", tdFieldType{typeID: 16}},
		{"char", tdFieldType{typeID: 3}},
		{"float32", tdFieldType{typeID: 10}},
		{"float64[9]", tdFieldType{typeID: 59, capacity: 9}},
		{"uint8[]", tdFieldType{typeID: 147}},
		{"int32[<=5]", tdFieldType{typeID: 102, capacity: 5}},
		{"string", tdFieldType{typeID: 17}},
		{"wstring", tdFieldType{typeID: 18}},
		{"string<=256", tdFieldType{typeID: 21, stringCapacity: 256}},
		{"wstring<=8[3]", tdFieldType{typeID: 70, capacity: 3, stringCapacity: 8}},
		{"string<=10[<=4]", tdFieldType{typeID: 117, capacity: 4, stringCapacity: 10}},
		{"string[]", tdFieldType{typeID: 161}},
		{"Gid", tdFieldType{typeID: 1, nestedTypeName: "pkg/msg/Gid"}},
		{"std_msgs/Header", tdFieldType{typeID: 1, nestedTypeName: "std_msgs/msg/Header"}},
		{"geometry_msgs/TransformStamped[]", tdFieldType{typeID: 145, nestedTypeName: "geometry_msgs/msg/TransformStamped"}},
		{"Point[2]", tdFieldType{typeID: 49, capacity: 2, nestedTypeName: "pkg/msg/Point"}},
		{"Point[<=7]", tdFieldType{typeID: 97, capacity: 7, nestedTypeName: "pkg/msg/Point"}},
	} {
		got, err := parseFieldType(c.typ, "pkg")
		if err != nil || got != c.want {
			t.Errorf("parseFieldType(%q) = %+v, %v; want %+v", c.typ, got, err, c.want)
		}
	}
	for _, bad := range []string{"time", "duration", "uint8[", "uint8[x]", "uint8[0]", "int32[<=]", "uint8<=3", "string<=0", "a/b/c"} {
		if got, err := parseFieldType(bad, "pkg"); err == nil {
			t.Errorf("parseFieldType(%q) = %+v, want an error", bad, got)
		}
	}
}

// An empty message gets rosidl's placeholder member.
func TestDescribeEmpty(t *testing.T) {
	d, err := describe("std_msgs/msg/Empty", "# nothing\n")
	if err != nil || len(d.fields) != 1 || d.fields[0].name != "structure_needs_at_least_one_member" || d.fields[0].typ.typeID != 3 {
		t.Errorf("describe(Empty) = %+v, %v", d, err)
	}
}

// Reference hashes of the parameter services (rcl_interfaces jazzy, the generated <Service>.json
// files): they cover the service, request, response and event descriptions and ServiceEventInfo.
var jazzyServiceTypeHashes = map[string]string{
	"rcl_interfaces/srv/GetParameters":  "RIHS01_bf9803d5c74cf989a5de3e0c2e99444599a627c7ff75f97b8c05b01003675cbc",
	"rcl_interfaces/srv/SetParameters":  "RIHS01_56eed9a67e169f9cb6c1f987bc88f868c14a8fc9f743a263bc734c154015d7e0",
	"rcl_interfaces/srv/ListParameters": "RIHS01_3e6062bfbb27bfb8730d4cef2558221f51a11646d78e7bb30a1e83afac3aad9d",
}

func TestTypeHashServices(t *testing.T) {
	for name, want := range jazzyServiceTypeHashes {
		if got, err := TypeHash(name); err != nil || got != want {
			j, _ := typeDescriptionJSON(name)
			t.Errorf("TypeHash(%s) = %s, %v; want %s; hashed:\n%s", name, got, err, want, j)
		}
	}
	// Every parameter service, its request and its response have a hash (the request's and the
	// response's are what service endpoints announce), and they differ.
	seen := map[string]string{}
	for _, s := range []string{"GetParameters", "GetParameterTypes", "SetParameters", "SetParametersAtomically", "DescribeParameters", "ListParameters"} {
		for _, suffix := range []string{"", "_Request", "_Response", "_Event"} {
			name := "rcl_interfaces/srv/" + s + suffix
			h, err := TypeHash(name)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if other, dup := seen[h]; dup {
				t.Errorf("%s and %s have the same hash %s", name, other, h)
			}
			seen[h] = name
		}
	}
}
