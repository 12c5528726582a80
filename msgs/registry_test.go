package msgs

import (
	"reflect"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, name := range []string{"sensor_msgs/msg/Image", "sensor_msgs/Image"} {
		typ, ok := Lookup(name)
		if !ok || typ.Name != "sensor_msgs/msg/Image" || typ.ROS1Name != "sensor_msgs/Image" ||
			typ.ROS1MD5 != "060021388200f6f0f447d0fcd9c64743" {
			t.Fatalf("Lookup(%q) = %+v, %v", name, typ, ok)
		}
		if _, isImage := typ.New().(*Image); !isImage {
			t.Fatalf("Lookup(%q).New() is not an *Image", name)
		}
	}
	if typ, ok := Lookup("builtin_interfaces/msg/Time"); !ok || typ.ROS1Name != "" || typ.ROS1Definition != "" {
		t.Fatalf("builtin_interfaces/msg/Time: %+v %v", typ, ok)
	}
	if _, ok := Lookup("sensor_msgs/msg/Imu"); ok {
		t.Fatal("found a type this package does not have")
	}
	m, err := Types()[0].DecodeCDR([]byte{0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0})
	if err != nil || *m.(*Time) != (Time{1, 2}) {
		t.Fatalf("DecodeCDR: %v %v", m, err)
	}
}

// Each definition names as many fields as the Go struct has (less Header.Seq in ROS 2), and each
// full definition holds a block for every type it names, once.
func TestDefinitionsMatchStructs(t *testing.T) {
	if len(Types()) != 25+21 { // 25 sensor, geometry and graph types; 21 of rcl_interfaces
		t.Errorf("%d types, want 46", len(Types()))
	}
	for _, d := range definitions {
		goFields := reflect.TypeOf(d.zero()).Elem().NumField()
		for _, text := range []string{d.ros2, d.ros1} {
			if text == "" {
				continue
			}
			n := 0
			for _, f := range parseMsg(text) {
				if !f.isConst {
					n++
				}
			}
			want := goFields
			if d.name == "std_msgs/msg/Header" && text == d.ros2 {
				want--
			}
			if n != want {
				t.Errorf("%s: definition has %d fields, Go struct %d:\n%s", d.name, n, want, text)
			}
		}
		typ, _ := Lookup(d.name)
		for _, full := range []string{typ.ROS2Definition, typ.ROS1Definition} {
			if full == "" {
				continue
			}
			blocks := strings.Split(full, "\n"+definitionSeparator)
			have := map[string]bool{shortName(d.name): true}
			for _, b := range blocks[1:] {
				name, _, _ := strings.Cut(strings.TrimPrefix(b, "MSG: "), "\n")
				if have[name] {
					t.Errorf("%s: %s twice", d.name, name)
				}
				have[name] = true
			}
			for _, b := range blocks {
				owner, body := shortName(d.name), b
				if strings.HasPrefix(b, "MSG: ") {
					owner, body, _ = strings.Cut(b[5:], "\n")
				}
				pkg, _, _ := strings.Cut(owner, "/")
				for _, f := range parseMsg(body) {
					if dep := resolveType(f.typ, pkg, full == typ.ROS1Definition); !f.isConst && dep != "" && !have[dep] {
						t.Errorf("%s: %s names %s, which has no block", d.name, owner, dep)
					}
				}
			}
		}
	}
}

func TestROS2DefinitionLayout(t *testing.T) {
	typ, _ := Lookup("sensor_msgs/msg/CameraInfo")
	want := "std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\n" +
		"float64[] d\nfloat64[9] k\nfloat64[9] r\nfloat64[12] p\nuint32 binning_x\nuint32 binning_y\nRegionOfInterest roi\n" +
		"\n" + definitionSeparator + "MSG: std_msgs/Header\nbuiltin_interfaces/Time stamp\nstring frame_id\n" +
		"\n" + definitionSeparator + "MSG: builtin_interfaces/Time\nint32 sec\nuint32 nanosec\n" +
		"\n" + definitionSeparator + "MSG: sensor_msgs/RegionOfInterest\n" +
		"uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n"
	if typ.ROS2Definition != want {
		t.Errorf("ROS2Definition\n%q\nwant\n%q", typ.ROS2Definition, want)
	}
}
