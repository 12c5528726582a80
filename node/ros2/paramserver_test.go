package ros2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

// syncBuffer is a log sink the service goroutines write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func val(v any) msgs.ParameterValue {
	pv, err := msgs.ParameterValueOf(v)
	if err != nil {
		panic(err)
	}
	return pv
}

// paramFixture is a parameter server node (/front/ssmde) and a second participant with a client
// of each parameter service and a subscription of /parameter_events made before the server
// started.
type paramFixture struct {
	server  *Node
	ps      *ParameterServer
	log     *syncBuffer
	clients map[string]*Client

	mu      sync.Mutex
	events  []msgs.ParameterEvent
	applied [][]msgs.Parameter
}

func newParamFixture(t *testing.T) *paramFixture {
	t.Helper()
	dom := testDomain()
	f := &paramFixture{log: &syncBuffer{}, clients: map[string]*Client{}}
	peer := newTestNode(t, "param_client", "/", dom, nil)
	if _, err := peer.Subscribe(TopicParameterEvents, "rcl_interfaces/msg/ParameterEvent", QoSParameterEvents, func(data []byte, _ SampleInfo) {
		var ev msgs.ParameterEvent
		if err := ev.UnmarshalCDR(data); err != nil {
			t.Errorf("parameter event: %v", err)
			return
		}
		f.mu.Lock()
		f.events = append(f.events, ev)
		f.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	f.server, err = NewNode(NodeOptions{Name: "ssmde", Namespace: "/front", DomainID: dom,
		Logger: slog.New(slog.NewTextHandler(f.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.server.Close() })
	params := []msgs.Parameter{
		{Name: "scale_mode", Value: val("focal")},
		{Name: "fixed_scale", Value: val(1.0)},
		{Name: "points_decimation", Value: val(int64(1))},
		{Name: "model", Value: val("models/default")},
		{Name: "base_to_camera", Value: val([]float64{})},
		{Name: "qos_overrides./depth.publisher.depth", Value: val(int64(5))},
	}
	descs := []msgs.ParameterDescriptor{
		{Description: "how depth becomes metric", AdditionalConstraints: "one of none, fixed, focal"},
		{Description: "depth factor", FloatingPointRange: []msgs.FloatingPointRange{{FromValue: 0.001, ToValue: 1000}}},
		{Description: "keep every k-th pixel", IntegerRange: []msgs.IntegerRange{{FromValue: 1, ToValue: 64, Step: 1}}},
		{Description: "model folder", ReadOnly: true, AdditionalConstraints: "restart the node to change it"},
		{Description: "x y z qx qy qz qw"},
		{Description: "QoS override", ReadOnly: true},
	}
	f.ps, err = f.server.ServeParameters(params, descs, func(changes []msgs.Parameter) error {
		for _, c := range changes {
			if c.Name == "fixed_scale" && c.Value.Double > 100 {
				return errors.New("fixed_scale above 100 is not believable")
			}
		}
		f.mu.Lock()
		f.applied = append(f.applied, changes)
		f.mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range []string{"GetParameters", "GetParameterTypes", "SetParameters", "SetParametersAtomically", "DescribeParameters", "ListParameters"} {
		name := strings.ToLower(regexp.MustCompile(`([a-z])([A-Z])`).ReplaceAllString(s, "${1}_${2}"))
		c, err := peer.NewClient("/front/ssmde/"+name, "rcl_interfaces/srv/"+s, QoSParameters)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WaitForService(ctx); err != nil {
			t.Fatal(err)
		}
		f.clients[name] = c
	}
	return f
}

func (f *paramFixture) call(t *testing.T, service string, req, resp msgs.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.clients[service].Call(ctx, req, resp); err != nil {
		t.Fatalf("%s: %v", service, err)
	}
}

func (f *paramFixture) eventCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

// TestParameterServices: list, get, get_types, describe, set (accepted and each kind of refusal),
// set_atomically and /parameter_events, through clients in another participant speaking
// rmw_cyclonedds' request/reply mapping; a malformed request is logged and dropped and the
// service keeps answering.
func TestParameterServices(t *testing.T) {
	f := newParamFixture(t)
	all := []string{"base_to_camera", "fixed_scale", "model", "points_decimation", "qos_overrides./depth.publisher.depth", "scale_mode"}

	waitFor(t, "the start event", 5*time.Second, func() bool { return f.eventCount() >= 1 })
	f.mu.Lock()
	start := f.events[0]
	f.mu.Unlock()
	var names []string
	for _, p := range start.NewParameters {
		names = append(names, p.Name)
	}
	if start.Node != "/front/ssmde" || !reflect.DeepEqual(names, all) || len(start.ChangedParameters) != 0 ||
		start.NewParameters[1].Value.Double != 1 || start.NewParameters[1].Value.Type != msgs.ParameterDouble {
		t.Fatalf("start event: %+v", start)
	}

	var list msgs.ListParametersResponse
	f.call(t, "list_parameters", &msgs.ListParametersRequest{}, &list)
	if !reflect.DeepEqual(list.Result.Names, all) || !reflect.DeepEqual(list.Result.Prefixes, []string{"qos_overrides./depth.publisher"}) {
		t.Errorf("list (recursive): %+v", list.Result)
	}
	f.call(t, "list_parameters", &msgs.ListParametersRequest{Depth: 1}, &list)
	if len(list.Result.Names) != 5 || slicesContain(list.Result.Names, all[4]) || len(list.Result.Prefixes) != 0 {
		t.Errorf("list depth 1: %+v", list.Result)
	}
	f.call(t, "list_parameters", &msgs.ListParametersRequest{Prefixes: []string{"qos_overrides"}}, &list)
	if !reflect.DeepEqual(list.Result.Names, []string{all[4]}) {
		t.Errorf("list prefix qos_overrides: %+v", list.Result)
	}
	f.call(t, "list_parameters", &msgs.ListParametersRequest{Prefixes: []string{"qos_overrides"}, Depth: 2}, &list)
	if len(list.Result.Names) != 0 {
		t.Errorf("list prefix qos_overrides depth 2 (the name is 3 levels below): %+v", list.Result)
	}

	var get msgs.GetParametersResponse
	f.call(t, "get_parameters", &msgs.GetParametersRequest{Names: []string{"scale_mode", "points_decimation", "base_to_camera"}}, &get)
	if len(get.Values) != 3 || get.Values[0].String != "focal" || get.Values[1].Integer != 1 || get.Values[1].Type != msgs.ParameterInteger ||
		get.Values[2].Type != msgs.ParameterDoubleArray || len(get.Values[2].DoubleArray) != 0 {
		t.Errorf("get: %+v", get.Values)
	}
	f.call(t, "get_parameters", &msgs.GetParametersRequest{Names: []string{"scale_mode", "nope"}}, &get)
	if len(get.Values) != 0 {
		t.Errorf("get with an undeclared name: %+v, want nothing (as rclcpp)", get.Values)
	}
	var types msgs.GetParameterTypesResponse
	f.call(t, "get_parameter_types", &msgs.GetParameterTypesRequest{Names: []string{"model", "fixed_scale", "base_to_camera"}}, &types)
	if !bytes.Equal(types.Types, []byte{msgs.ParameterString, msgs.ParameterDouble, msgs.ParameterDoubleArray}) {
		t.Errorf("get_types: %v", types.Types)
	}
	var desc msgs.DescribeParametersResponse
	f.call(t, "describe_parameters", &msgs.DescribeParametersRequest{Names: []string{"model", "points_decimation", "fixed_scale"}}, &desc)
	if len(desc.Descriptors) != 3 {
		t.Fatalf("describe: %+v", desc.Descriptors)
	}
	if d := desc.Descriptors[0]; d.Name != "model" || !d.ReadOnly || d.Type != msgs.ParameterString || d.Description != "model folder" {
		t.Errorf("describe model: %+v", d)
	}
	if d := desc.Descriptors[1]; d.ReadOnly || len(d.IntegerRange) != 1 || d.IntegerRange[0] != (msgs.IntegerRange{FromValue: 1, ToValue: 64, Step: 1}) {
		t.Errorf("describe points_decimation: %+v", d)
	}
	if d := desc.Descriptors[2]; len(d.FloatingPointRange) != 1 || d.FloatingPointRange[0].ToValue != 1000 {
		t.Errorf("describe fixed_scale: %+v", d)
	}

	events := f.eventCount()
	var set msgs.SetParametersResponse
	f.call(t, "set_parameters", &msgs.SetParametersRequest{Parameters: []msgs.Parameter{
		{Name: "scale_mode", Value: val("camera_height")},
		{Name: "model", Value: val("elsewhere")},
		{Name: "fixed_scale", Value: val(int64(2))},
		{Name: "points_decimation", Value: val(int64(65))},
		{Name: "points_decimation", Value: val(int64(64))},
		{Name: "nope", Value: val(true)},
		{Name: "fixed_scale", Value: val(500.0)},
	}}, &set)
	want := []msgs.SetParametersResult{
		{Successful: true},
		{Reason: "parameter 'model' cannot be set because it is read-only (restart the node to change it)"},
		{Reason: "Wrong parameter type, parameter {fixed_scale} is of type {double}, setting it to {integer} is not allowed."},
		{Reason: "Parameter {points_decimation} doesn't comply with integer range."},
		{Successful: true},
		{Reason: "parameter 'nope' cannot be set because it was not declared"},
		{Reason: "fixed_scale above 100 is not believable"},
	}
	if !reflect.DeepEqual(set.Results, want) {
		t.Errorf("set results:\n%+v\nwant\n%+v", set.Results, want)
	}
	waitFor(t, "two change events", 5*time.Second, func() bool { return f.eventCount() >= events+2 })
	f.mu.Lock()
	ev1, ev2 := f.events[events], f.events[events+1]
	f.mu.Unlock()
	if len(ev1.ChangedParameters) != 1 || ev1.ChangedParameters[0].Name != "scale_mode" || ev1.ChangedParameters[0].Value.String != "camera_height" ||
		len(ev2.ChangedParameters) != 1 || ev2.ChangedParameters[0].Value.Integer != 64 || len(ev1.NewParameters) != 0 || ev1.Node != "/front/ssmde" {
		t.Errorf("change events: %+v / %+v", ev1, ev2)
	}
	f.call(t, "get_parameters", &msgs.GetParametersRequest{Names: []string{"scale_mode", "model", "fixed_scale"}}, &get)
	if len(get.Values) != 3 || get.Values[0].String != "camera_height" || get.Values[1].String != "models/default" || get.Values[2].Double != 1 {
		t.Errorf("after set: %+v", get.Values)
	}

	var atomic msgs.SetParametersAtomicallyResponse
	f.call(t, "set_parameters_atomically", &msgs.SetParametersAtomicallyRequest{Parameters: []msgs.Parameter{
		{Name: "scale_mode", Value: val("none")}, {Name: "model", Value: val("x")}}}, &atomic)
	if atomic.Result.Successful || !strings.Contains(atomic.Result.Reason, "'model' cannot be set because it is read-only") {
		t.Errorf("atomic with a read-only one: %+v", atomic.Result)
	}
	f.call(t, "set_parameters_atomically", &msgs.SetParametersAtomicallyRequest{Parameters: []msgs.Parameter{
		{Name: "scale_mode", Value: val("none")}, {Name: "nope", Value: val(1.0)}}}, &atomic)
	if atomic.Result.Successful || atomic.Result.Reason != "One or more parameters were not declared before setting" {
		t.Errorf("atomic with an undeclared one: %+v", atomic.Result)
	}
	if v, _ := f.ps.Value("scale_mode"); v.String != "camera_height" {
		t.Errorf("a refused atomic set changed scale_mode to %q", v.String)
	}
	events = f.eventCount()
	f.call(t, "set_parameters_atomically", &msgs.SetParametersAtomicallyRequest{Parameters: []msgs.Parameter{
		{Name: "fixed_scale", Value: val(2.5)}, {Name: "base_to_camera", Value: val([]float64{0, 0, 1, 0, 0, 0, 1})}}}, &atomic)
	if !atomic.Result.Successful {
		t.Errorf("atomic: %+v", atomic.Result)
	}
	waitFor(t, "the atomic change event", 5*time.Second, func() bool { return f.eventCount() > events })
	f.mu.Lock()
	if ev := f.events[events]; len(ev.ChangedParameters) != 2 || ev.ChangedParameters[1].Value.DoubleArray[2] != 1 {
		t.Errorf("atomic event: %+v", ev)
	}
	if last := f.applied[len(f.applied)-1]; len(last) != 2 || last[0].Value.Double != 2.5 {
		t.Errorf("the setter got %+v", last)
	}
	f.mu.Unlock()

	// A malformed request: no reply, a clear error in the log, and the service still answers.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := f.clients["get_parameters"].CallRaw(ctx, []byte{0, 1, 0, 0, 0xff, 0xff, 0xff, 0x7f}); err == nil {
		t.Error("a malformed request got a reply")
	}
	waitFor(t, "the malformed request to be logged", 5*time.Second, func() bool {
		return strings.Contains(f.log.String(), "service request dropped") &&
			strings.Contains(f.log.String(), "service=/front/ssmde/get_parameters") &&
			strings.Contains(f.log.String(), "rcl_interfaces/srv/GetParameters_Request.names: length 2147483647")
	})
	f.call(t, "get_parameters", &msgs.GetParametersRequest{Names: []string{"fixed_scale"}}, &get)
	if len(get.Values) != 1 || get.Values[0].Double != 2.5 {
		t.Errorf("after the malformed request: %+v", get.Values)
	}
}

func slicesContain(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

// TestServiceEndpoints: the parameter services' readers and writers are where rmw_cyclonedds puts
// them (rq/…Request, rr/…Reply, srv DDS types), share one serviceid in USER_DATA, carry the type
// hash of their own message, and are listed on ros_discovery_info.
func TestServiceEndpoints(t *testing.T) {
	f := newParamFixture(t)
	hashReq, _ := msgs.TypeHash("rcl_interfaces/srv/GetParameters_Request")
	hashResp, _ := msgs.TypeHash("rcl_interfaces/srv/GetParameters_Response")
	find := func(writers bool, topic string) EndpointInfo {
		var got EndpointInfo
		waitFor(t, topic, 5*time.Second, func() bool {
			eps, err := f.server.DiscoveredEndpoints(writers)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range eps {
				if e.Topic == topic && e.Participant == f.server.Gid() {
					got = e
					return true
				}
			}
			return false
		})
		return got
	}
	rd := find(false, "rq/front/ssmde/get_parametersRequest")
	wr := find(true, "rr/front/ssmde/get_parametersReply")
	if rd.Type != "rcl_interfaces::srv::dds_::GetParameters_Request_" || wr.Type != "rcl_interfaces::srv::dds_::GetParameters_Response_" {
		t.Errorf("types %s / %s", rd.Type, wr.Type)
	}
	re := regexp.MustCompile(`^serviceid=([ 0-9a-f]{2}(\.[0-9a-f]{1,2}){15});typehash=(RIHS01_[0-9a-f]{64});$`)
	mr, mw := re.FindStringSubmatch(string(rd.UserData)), re.FindStringSubmatch(string(wr.UserData))
	if mr == nil || mw == nil || mr[1] != mw[1] || mr[3] != hashReq || mw[3] != hashResp {
		t.Errorf("USER_DATA %q / %q; want one serviceid and the hashes %s / %s", rd.UserData, wr.UserData, hashReq, hashResp)
	}
	other := find(false, "rq/front/ssmde/set_parametersRequest")
	if mo := re.FindStringSubmatch(string(other.UserData)); mo == nil || mo[1] == mr[1] {
		t.Errorf("set_parameters' serviceid %q is get_parameters' %q", other.UserData, rd.UserData)
	}
	f.server.mu.Lock()
	info := ParticipantEntitiesInfo{}
	err := info.UnmarshalCDR(f.server.infoBuf, f.server.gidSize)
	f.server.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if !slicesContainGid(info.Nodes[0].Readers, rd.Gid) || !slicesContainGid(info.Nodes[0].Writers, wr.Gid) {
		t.Errorf("ros_discovery_info does not list the service's reader and writer: %+v", info.Nodes[0])
	}
	if got := fmt.Sprint(len(info.Nodes[0].Readers), len(info.Nodes[0].Writers)); got != "6 7" {
		t.Errorf("readers and writers %s, want 6 7 (six services; their replies and /parameter_events)", got)
	}
}

func slicesContainGid(s []Gid, g Gid) bool {
	for _, e := range s {
		if e == g {
			return true
		}
	}
	return false
}
