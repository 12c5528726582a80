package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
)

// TestNodeQoSOverrides: the node (a real process on the tiny model, in /cam) takes rclcpp's
// qos_overrides parameters, from -p and nested in a params file: a second participant sees
// /cam/depth's writer best-effort and transient-local and /cam/image's reader reliable, the
// other endpoints as the node makes them; its topics are exactly Params.Endpoints; the
// parameter services list the overrides read-only with the QoS in force and refuse to set them.
func TestNodeQoSOverrides(t *testing.T) {
	dom := ntestDomain()
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	file := filepath.Join(t.TempDir(), "qos.yaml")
	if err := os.WriteFile(file, []byte(`/**:
  ros__parameters:
    qos_overrides:
      /cam/depth:
        publisher:
          durability: transient_local
      /cam/image:
        subscription:
          reliability: reliable
`), 0o644); err != nil {
		t.Fatal(err)
	}
	peer, err := ros2.NewNode(ros2.NodeOptions{Name: "observer", Namespace: "/", DomainID: &dom})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	proc := ntestStartNode(t, dom, nil, "-p", "model:="+tiny, "-p", "qos_overrides./cam/depth.publisher.reliability:=best_effort",
		"--params-file", file)
	ntestWait(t, "the node to run", 30*time.Second, func() bool { return strings.Contains(proc.out.String(), "ssmde node running") })
	_, writers := ntestNodeWriters(t, peer, "rr/cam/ssmde/list_parametersReply")
	node0 := writers[0].Participant
	var readers []ros2.EndpointInfo
	eps, err := peer.DiscoveredEndpoints(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range eps {
		if e.Participant == node0 {
			readers = append(readers, e)
		}
	}
	qosOf := map[string]ros2.QoS{} // "publisher rt/cam/depth" → announced QoS
	var topics []string
	for kind, list := range map[string][]ros2.EndpointInfo{"publisher": writers, "subscription": readers} {
		for _, e := range list {
			qosOf[kind+" "+e.Topic] = e.QoS
			if strings.HasPrefix(e.Topic, "rt/") && e.Topic != "rt/rosout" && e.Topic != "rt/parameter_events" {
				topics = append(topics, kind+" "+e.Topic)
			}
		}
	}
	params := nodeDefaultsWith(t, map[string]any{"model": tiny, "providers": "cpu"})
	var want []string
	for _, e := range params.Endpoints() {
		kind := "subscription"
		if e.Publisher {
			kind = "publisher"
		}
		full := e.Topic
		if !strings.HasPrefix(full, "/") {
			full = "/cam/" + full
		}
		want = append(want, kind+" rt"+full)
	}
	slices.Sort(topics)
	slices.Sort(want)
	if !slices.Equal(topics, want) {
		t.Errorf("the node's topics\n%q\nParams.Endpoints\n%q", topics, want)
	}
	for ep, w := range map[string]struct {
		rel ros2.Reliability
		dur ros2.Durability
	}{
		"publisher rt/cam/depth":          {ros2.BestEffort, ros2.TransientLocal},
		"subscription rt/cam/image":       {ros2.Reliable, ros2.Volatile},
		"publisher rt/cam/points":         {ros2.Reliable, ros2.Volatile},
		"subscription rt/cam/camera_info": {ros2.BestEffort, ros2.Volatile},
	} {
		q, ok := qosOf[ep]
		if !ok || q.Reliability != w.rel || q.Durability != w.dur {
			t.Errorf("%s: announced %v (found %v), want %v %v", ep, q, ok, w.rel, w.dur)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := func(name, typ string) *ros2.Client {
		c, err := peer.NewClient("/cam/ssmde/"+name, "rcl_interfaces/srv/"+typ, ros2.QoSParameters)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WaitForService(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	const rel = "qos_overrides./cam/depth.publisher.reliability"
	names := []string{rel, "qos_overrides./cam/depth.publisher.durability", "qos_overrides./cam/depth.publisher.depth",
		"qos_overrides./cam/image.subscription.reliability", "qos_overrides./cam/points.publisher.reliability"}
	var get msgs.GetParametersResponse
	if err := client("get_parameters", "GetParameters").Call(ctx, &msgs.GetParametersRequest{Names: names}, &get); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range get.Values {
		got = append(got, fmt.Sprintf("%#v", v.Value()))
	}
	if w := []string{`"best_effort"`, `"transient_local"`, `5`, `"reliable"`, `"reliable"`}; !slices.Equal(got, w) {
		t.Errorf("get %q: %v, want %v", names, got, w)
	}
	var desc msgs.DescribeParametersResponse
	if err := client("describe_parameters", "DescribeParameters").Call(ctx, &msgs.DescribeParametersRequest{Names: names[:1]}, &desc); err != nil {
		t.Fatal(err)
	}
	if len(desc.Descriptors) != 1 || !desc.Descriptors[0].ReadOnly || desc.Descriptors[0].Type != msgs.ParameterString {
		t.Errorf("describe %s: %+v", rel, desc.Descriptors)
	}
	var set msgs.SetParametersResponse
	if err := client("set_parameters", "SetParameters").Call(ctx, &msgs.SetParametersRequest{Parameters: []msgs.Parameter{
		{Name: rel, Value: msgs.ParameterValue{Type: msgs.ParameterString, String: "reliable"}}}}, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Results) != 1 || set.Results[0].Successful ||
		set.Results[0].Reason != "parameter '"+rel+"' cannot be set because it is read-only ("+ros2.QoSOverrideConstraint+")" {
		t.Errorf("set %s: %+v", rel, set.Results)
	}
}

// TestNodeQoSOverrideErrors: a qos_overrides parameter with a bad value, for a topic the node
// does not have, or for a policy it cannot set, stops the node before the model loads, with an
// error naming the parameter, where it was set and what is allowed.
func TestNodeQoSOverrideErrors(t *testing.T) {
	t.Setenv("ROS_DOMAIN_ID", strconv.Itoa(ntestDomain()))
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	for _, c := range []struct {
		param string
		want  []string
	}{
		{"qos_overrides./depth.publisher.reliability:=maybe",
			[]string{`parameter qos_overrides./depth.publisher.reliability: "maybe" is not reliable or best_effort (-p)`}},
		{"qos_overrides./depth.publisher.history:=keep_some",
			[]string{`parameter qos_overrides./depth.publisher.history: "keep_some" is not keep_last or keep_all (-p)`}},
		{"qos_overrides./deep.publisher.reliability:=reliable",
			[]string{"parameter qos_overrides./deep.publisher.reliability (-p) names no endpoint of this node",
				`did you mean "qos_overrides./depth.publisher.reliability"?`, "publisher /depth, publisher /depth/camera_info", "subscription /image"}},
		{"qos_overrides./image.publisher.depth:=3", []string{"parameter qos_overrides./image.publisher.depth (-p) names no endpoint"}},
		{"qos_overrides./depth.publisher.lifespan:=3", []string{`QoS policy "lifespan" cannot be overridden here; want one of depth, durability, history, reliability`}},
	} {
		code, so, se := runCLI(t, "node", "--ros-args", "-p", "providers:=cpu", "-p", "model:="+tiny, "-p", c.param)
		out := so + se
		if code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s", c.param, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", c.param, w, out)
			}
		}
		if strings.Contains(out, "model loaded") {
			t.Errorf("%s: the model was loaded before the overrides were checked:\n%s", c.param, out)
		}
	}
}
