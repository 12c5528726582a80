package ros1

import (
	"reflect"
	"testing"
)

func TestParseArgs(t *testing.T) {
	a, rest, err := ParseArgs([]string{"--help-params", "__name:=front_depth", "__ns:=cam", "image:=image_raw",
		"_model:=/opt/m", "_threads:=2", "_fixed_scale:=1.5", "_rectify:=true", "_base_to_camera:=[0, 0, 1, 0, 0, 0, 1]",
		"__master:=http://10.0.0.2:11311", "__ip:=10.0.0.3", "__log:=/tmp/x.log", "__id:=ignored", "extra"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rest, []string{"--help-params", "extra"}) {
		t.Fatalf("rest %q", rest)
	}
	if a.Name != "front_depth" || a.Namespace != "cam" || a.Master != "http://10.0.0.2:11311" || a.IP != "10.0.0.3" || a.Log != "/tmp/x.log" {
		t.Fatalf("%+v", a)
	}
	want := map[string]any{"model": "/opt/m", "threads": int64(2), "fixed_scale": 1.5, "rectify": true,
		"base_to_camera": []any{int64(0), int64(0), int64(1), int64(0), int64(0), int64(0), int64(1)}}
	if !reflect.DeepEqual(a.Params, want) {
		t.Fatalf("params %#v", a.Params)
	}
	if !reflect.DeepEqual(a.Remaps, []Remap{{"image", "image_raw"}}) {
		t.Fatalf("remaps %v", a.Remaps)
	}
	if a.MasterURI() != "http://10.0.0.2:11311" || a.Host() != "10.0.0.3" {
		t.Fatal(a.MasterURI(), a.Host())
	}
	if _, _, err := ParseArgs([]string{"_9bad:=1"}); err == nil {
		t.Fatal("want an error for a bad parameter name")
	}
	if _, _, err := ParseArgs([]string{"a:="}); err == nil {
		t.Fatal("want an error for an empty remap target")
	}
}

func TestMasterURIAndHostFromEnvironment(t *testing.T) {
	t.Setenv("ROS_MASTER_URI", "http://robot:11311")
	t.Setenv("ROS_HOSTNAME", "")
	t.Setenv("ROS_IP", "192.0.2.7")
	var a *Args
	if a.MasterURI() != "http://robot:11311" || a.Host() != "192.0.2.7" {
		t.Fatal(a.MasterURI(), a.Host())
	}
	t.Setenv("ROS_HOSTNAME", "robot.local") // roscpp: ROS_HOSTNAME wins over ROS_IP
	if a.Host() != "robot.local" {
		t.Fatal(a.Host())
	}
	t.Setenv("ROS_MASTER_URI", "")
	if a.MasterURI() != "http://localhost:11311" {
		t.Fatal(a.MasterURI())
	}
	for uri, hp := range map[string]string{"http://h:1234": "h:1234", "http://h:1234/": "h:1234", "http://h": "h:11311"} {
		m, err := newMaster(uri, "/x")
		if err != nil || m.hostPort() != hp {
			t.Fatalf("%s: %v %v", uri, m, err)
		}
	}
	if _, err := newMaster("h:1234", "/x"); err == nil {
		t.Fatal("want an error for a URI without http://")
	}
}

func TestNamesResolve(t *testing.T) {
	t.Setenv("ROS_NAMESPACE", "")
	a, _, err := ParseArgs([]string{"__ns:=/camera/", "image:=image_raw", "/tf:=/robot/tf", "~depth:=/out/depth",
		"camera_info:=/other/info", "image:=ignored_second_rule"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := NewNames("ssmde", "", a)
	if err != nil {
		t.Fatal(err)
	}
	if n.FullyQualifiedName() != "/camera/ssmde" || n.Namespace != "/camera" {
		t.Fatal(n.FullyQualifiedName(), n.Namespace)
	}
	for in, want := range map[string]string{
		"image": "/camera/image_raw", "camera_info": "/other/info", "depth": "/camera/depth",
		"depth/camera_info": "/camera/depth/camera_info", "/tf": "/robot/tf", "/diagnostics": "/diagnostics",
		"~depth": "/out/depth", "~points": "/camera/ssmde/points", "~/points": "/camera/ssmde/points",
	} {
		got, err := n.Resolve(in)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := n.Resolve("bad name"); err == nil {
		t.Error("want an error for a name with a space")
	}

	// ROS_NAMESPACE (roslaunch's, with its trailing slash) when there is no __ns.
	t.Setenv("ROS_NAMESPACE", "/front/")
	n, err = NewNames("ssmde", "", &Args{Name: "d"})
	if err != nil || n.FullyQualifiedName() != "/front/d" {
		t.Fatal(n, err)
	}
	t.Setenv("ROS_NAMESPACE", "")
	n, err = NewNames("ssmde", "rel", nil)
	if err != nil || n.FullyQualifiedName() != "/rel/ssmde" {
		t.Fatal(n, err)
	}
	if _, err := NewNames("bad/name", "", nil); err == nil {
		t.Fatal("want an error for a node name with a slash")
	}
}
