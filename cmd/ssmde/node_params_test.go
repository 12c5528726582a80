package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node"
	"github.com/ssmde/ssmde/node/ros2"
)

// TestMisspeltParameterStopsTheNode: a parameter name the node does not have, from -p or from a
// params file, ends the start-up with an error that names where it was set and what it most
// likely meant, before any model is loaded; a name with nothing near it gets no guess.
func TestMisspeltParameterStopsTheNode(t *testing.T) {
	t.Setenv("ROS_DOMAIN_ID", strconv.Itoa(os.Getpid()%100+100))
	file := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(file, []byte("/**:\n  ros__parameters:\n    min_dept: 0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"--ros-args", "-p", "scale_mdoe:=focal"},
			[]string{`parameter "scale_mdoe" (-p) unknown; did you mean "scale_mode"?`, "the node's parameters: model, providers"}, ""},
		{[]string{"--ros-args", "--params-file", file},
			[]string{`parameter "min_dept" (params file ` + file + `) unknown; did you mean "min_depth"?`}, ""},
		{[]string{"--ros-args", "-p", "wobble:=1"}, []string{`parameter "wobble" (-p) unknown;`}, "did you mean"},
		{[]string{"--ros-args", "-p", "fixed_scale:=abc"}, []string{"parameter fixed_scale = abc (string): want a number (-p)"}, ""},
	} {
		code, so, se := runCLI(t, append([]string{"node"}, c.args...)...)
		out := so + se
		if code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", c.args, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
		if c.not != "" && strings.Contains(out, c.not) {
			t.Errorf("%v: output has %q:\n%s", c.args, c.not, out)
		}
		if strings.Contains(out, "model loaded") {
			t.Errorf("%v: the model was loaded before the parameters were checked:\n%s", c.args, out)
		}
	}
}

// TestParametersAtRuntime: the node (a real process on the tiny model) serves its parameters;
// a client in this process, speaking rmw_cyclonedds' request/reply mapping, sets fixed_scale and
// the next depth images are scaled by it, /parameter_events announces the change, read-only and
// impossible values are refused with the reason, and a dump (list, then get, written as `ros2
// param dump` writes it) loads back through the params-file loader to the same parameters.
func TestParametersAtRuntime(t *testing.T) {
	dom := ntestDomain()
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	proc := ntestStartNode(t, dom, nil, "-p", "model:="+tiny, "-p", "scale_mode:=fixed", "-p", "fixed_scale:=1.0",
		"-p", "points_decimation:=2")
	cam := ntestNewCamera(t, dom, ros2.QoSSensorData, "cam_optical")
	peer := cam.n
	var mu sync.Mutex
	var depth0 []float32
	var events []msgs.ParameterEvent
	if _, err := peer.Subscribe("/cam/depth", "sensor_msgs/msg/Image", ros2.QoSDefault, func(data []byte, _ ros2.SampleInfo) {
		var img msgs.Image
		if img.UnmarshalCDR(data) != nil || len(img.Data) < 4 {
			return
		}
		mu.Lock()
		depth0 = append(depth0, math.Float32frombits(binary.LittleEndian.Uint32(img.Data)))
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := peer.Subscribe(ros2.TopicParameterEvents, "rcl_interfaces/msg/ParameterEvent", ros2.QoSParameterEvents, func(data []byte, _ ros2.SampleInfo) {
		var ev msgs.ParameterEvent
		if ev.UnmarshalCDR(data) == nil && ev.Node == "/cam/ssmde" {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	clients := map[string]*ros2.Client{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for name, typ := range map[string]string{"list_parameters": "ListParameters", "get_parameters": "GetParameters",
		"set_parameters": "SetParameters", "describe_parameters": "DescribeParameters"} {
		c, err := peer.NewClient("/cam/ssmde/"+name, "rcl_interfaces/srv/"+typ, ros2.QoSParameters)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WaitForService(ctx); err != nil {
			t.Fatalf("%v\n%s", err, proc.out.String())
		}
		clients[name] = c
	}
	call := func(service string, req, resp msgs.Message) {
		t.Helper()
		if err := clients[service].Call(ctx, req, resp); err != nil {
			t.Fatalf("%s: %v", service, err)
		}
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
			cam.img.Publish(greyFrame(32, 16, msgs.TimeFromNanos(int64(n+1)*int64(time.Millisecond))))
		}
	}()
	latest := func() (float32, int) {
		mu.Lock()
		defer mu.Unlock()
		if len(depth0) == 0 {
			return 0, 0
		}
		return depth0[len(depth0)-1], len(depth0)
	}
	ntestWait(t, "depth images", 30*time.Second, func() bool { _, n := latest(); return n > 0 })
	before, _ := latest()

	var set msgs.SetParametersResponse
	call("set_parameters", &msgs.SetParametersRequest{Parameters: []msgs.Parameter{
		{Name: "fixed_scale", Value: msgs.ParameterValue{Type: msgs.ParameterDouble, Double: 2}},
		{Name: "model", Value: msgs.ParameterValue{Type: msgs.ParameterString, String: "/elsewhere"}},
		{Name: "scale_mode", Value: msgs.ParameterValue{Type: msgs.ParameterString, String: "fixed_affine"}},
		{Name: "points_decimation", Value: msgs.ParameterValue{Type: msgs.ParameterInteger, Integer: -1}},
	}}, &set)
	if len(set.Results) != 4 || !set.Results[0].Successful ||
		set.Results[1].Reason != "parameter 'model' cannot be set because it is read-only (read-only while the node runs: set it at start-up (-p name:=value or --params-file))" ||
		!strings.Contains(set.Results[2].Reason, "fixed_affine is for affine_disparity/affine_depth models") ||
		set.Results[3].Reason != "Parameter {points_decimation} doesn't comply with integer range." {
		t.Fatalf("set results: %+v", set.Results)
	}
	ntestWait(t, "depth scaled by the new fixed_scale", 10*time.Second, func() bool {
		d, _ := latest()
		return math.Abs(float64(d-2*before)) < 1e-4*float64(before)
	})
	mu.Lock()
	var changed []msgs.Parameter
	for _, ev := range events {
		changed = append(changed, ev.ChangedParameters...)
	}
	mu.Unlock()
	if len(changed) != 1 || changed[0].Name != "fixed_scale" || changed[0].Value.Double != 2 {
		t.Errorf("parameter events announced changes %+v, want fixed_scale 2 only", changed)
	}

	var desc msgs.DescribeParametersResponse
	call("describe_parameters", &msgs.DescribeParametersRequest{Names: []string{"fixed_scale", "model"}}, &desc)
	if len(desc.Descriptors) != 2 || desc.Descriptors[0].ReadOnly || !desc.Descriptors[1].ReadOnly ||
		!strings.HasPrefix(desc.Descriptors[1].Description, "model folder") {
		t.Errorf("describe: %+v", desc.Descriptors)
	}

	// The dump.
	var list msgs.ListParametersResponse
	call("list_parameters", &msgs.ListParametersRequest{}, &list)
	want := nodeDefaultsWith(t, map[string]any{"model": tiny, "providers": "cpu", "scale_mode": "fixed", "fixed_scale": 2.0, "points_decimation": 2})
	qosNames := 0
	for _, name := range list.Result.Names {
		if strings.HasPrefix(name, ros2.QoSOverridesPrefix) {
			qosNames++
		}
	}
	// Every endpoint's four QoS policies are listed too (read-only), as rclcpp lists its overridable ones.
	if len(list.Result.Names)-qosNames != len(node.ParamNames()) || qosNames != 4*len(want.Endpoints()) {
		t.Fatalf("list: %d names, %d of them QoS overrides; want %d and %d", len(list.Result.Names), qosNames,
			len(node.ParamNames())+4*len(want.Endpoints()), 4*len(want.Endpoints()))
	}
	var get msgs.GetParametersResponse
	call("get_parameters", &msgs.GetParametersRequest{Names: list.Result.Names}, &get)
	dump := map[string]any{}
	for i, name := range list.Result.Names {
		dump[name] = get.Values[i].Value()
	}
	text, err := yaml.Marshal(map[string]any{"/cam/ssmde": map[string]any{"ros__parameters": dump}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ros2.ParseParamsYAML(text)
	if err != nil || len(entries) != 1 || !ros2.MatchNodePattern(entries[0].Pattern, "/cam/ssmde") {
		t.Fatalf("dump does not parse as a params file for /cam/ssmde: %v %+v\n%s", err, entries, text)
	}
	loaded, err := nodeParams(entries[0].Params, func(string) string { return "params file" }, nil)
	if err != nil {
		t.Fatalf("dump does not load: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(loaded, want) {
		t.Errorf("dump loads to\n%+v\nwant\n%+v\n%s", loaded, want, text)
	}
}

func greyFrame(w, h int, stamp msgs.Time) *msgs.Image {
	return &msgs.Image{Header: msgs.Header{Stamp: stamp, FrameID: "cam_optical"}, Width: uint32(w), Height: uint32(h),
		Encoding: "rgb8", Step: uint32(3 * w), Data: bytes.Repeat([]byte{90}, 3*w*h)}
}

func nodeDefaultsWith(t *testing.T, values map[string]any) node.Params {
	t.Helper()
	p := node.DefaultParams()
	if err := p.SetAll(values); err != nil {
		t.Fatal(err)
	}
	return p
}
