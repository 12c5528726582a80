package ros2

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestQoSOverrides: qos_overrides parameters, from -p or nested in a params file, change the QoS
// of the endpoint they name by its fully qualified topic; they are listed back as read-only
// parameters with the QoS in force; an override of an endpoint the node lacks, of a policy it
// cannot set, or with a bad value is an error naming the parameter, where it came from and what
// would do.
func TestQoSOverrides(t *testing.T) {
	file := filepath.Join(t.TempDir(), "qos.yaml")
	if err := os.WriteFile(file, []byte(`/**:
  ros__parameters:
    qos_overrides:
      /front/image:
        subscription:
          reliability: reliable
          history: keep_last
          depth: 7
`), 0o644); err != nil {
		t.Fatal(err)
	}
	eps := []OverridableEndpoint{{Topic: "depth", Publisher: true, QoS: QoSDefault}, {Topic: "image", QoS: QoSSensorData},
		{Topic: "/tf", Publisher: true, QoS: QoSTF}}
	node := func(argv ...string) *Node {
		args, _, err := ParseArgs(append([]string{"--ros-args"}, argv...))
		if err != nil {
			t.Fatal(err)
		}
		return newTestNode(t, "ssmde", "/front", testDomain(), args)
	}

	n := node("-p", "qos_overrides./front/depth.publisher.reliability:=best_effort", "-p", "qos_overrides./front/depth.publisher.durability:=transient_local",
		"--params-file", file)
	o, err := n.QoSOverrides(eps)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		topic     string
		publisher bool
		def, want QoS
	}{
		{"depth", true, QoSDefault, QoS{Reliability: BestEffort, Durability: TransientLocal, Depth: 10}},
		{"/front/depth", true, QoSDefault, QoS{Reliability: BestEffort, Durability: TransientLocal, Depth: 10}},
		{"image", false, QoSSensorData, QoS{Reliability: Reliable, Durability: Volatile, Depth: 7}},
		{"/tf", true, QoSTF, QoSTF},
		{"depth", false, QoSSensorData, QoSSensorData}, // no subscription of depth: not overridable
	} {
		if got := o.QoS(c.topic, c.publisher, c.def); got != c.want {
			t.Errorf("%s (publisher %v): %v, want %v", c.topic, c.publisher, got, c.want)
		}
	}
	params, descs := o.Parameters()
	got := map[string]any{}
	for i, p := range params {
		got[p.Name] = p.Value.Value()
		if !descs[i].ReadOnly || descs[i].Name != p.Name || !strings.Contains(descs[i].Description, " on /") {
			t.Errorf("descriptor %+v", descs[i])
		}
	}
	want := map[string]any{
		"qos_overrides./front/depth.publisher.depth": int64(10), "qos_overrides./front/depth.publisher.durability": "transient_local",
		"qos_overrides./front/depth.publisher.history": "keep_last", "qos_overrides./front/depth.publisher.reliability": "best_effort",
		"qos_overrides./front/image.subscription.depth": int64(7), "qos_overrides./front/image.subscription.durability": "volatile",
		"qos_overrides./front/image.subscription.history": "keep_last", "qos_overrides./front/image.subscription.reliability": "reliable",
		"qos_overrides./tf.publisher.depth": int64(100), "qos_overrides./tf.publisher.durability": "volatile",
		"qos_overrides./tf.publisher.history": "keep_last", "qos_overrides./tf.publisher.reliability": "reliable",
	}
	if len(got) != len(want) || len(params) != len(want) {
		t.Errorf("parameters %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if p, _ := (*QoSOverrides)(nil).Parameters(); p != nil || (*QoSOverrides)(nil).QoS("depth", true, QoSClock) != QoSClock {
		t.Error("a nil QoSOverrides changes something")
	}

	for _, c := range []struct {
		argv []string
		want []string
	}{
		{[]string{"-p", "qos_overrides./front/depth.publisher.reliability:=maybe"},
			[]string{`parameter qos_overrides./front/depth.publisher.reliability: "maybe" is not reliable or best_effort (-p)`}},
		{[]string{"-p", "qos_overrides./front/depth.publisher.depth:=0"},
			[]string{"parameter qos_overrides./front/depth.publisher.depth: 0 is not an integer from 1 (-p)"}},
		{[]string{"-p", "qos_overrides./front/dept.publisher.reliability:=reliable"},
			[]string{"parameter qos_overrides./front/dept.publisher.reliability (-p) names no endpoint of this node",
				`did you mean "qos_overrides./front/depth.publisher.reliability"?`,
				"for publisher /front/depth, subscription /front/image, publisher /tf"}},
		{[]string{"-p", "qos_overrides.depth.publisher.reliability:=reliable"},
			[]string{"parameter qos_overrides.depth.publisher.reliability (-p) names no endpoint", "<publisher|subscription>.<depth|durability|history|reliability>"}},
		{[]string{"-p", "qos_overrides./front/depth.subscription.depth:=3"},
			[]string{"parameter qos_overrides./front/depth.subscription.depth (-p) names no endpoint"}},
		{[]string{"-p", "qos_overrides./front/depth.publisher.deadline:=5"},
			[]string{`parameter qos_overrides./front/depth.publisher.deadline (-p): QoS policy "deadline" cannot be overridden here; want one of depth, durability, history, reliability`}},
		{[]string{"--params-file", file, "-p", "qos_overrides./front/image.subscription.history:=sometimes"},
			[]string{`parameter qos_overrides./front/image.subscription.history: "sometimes" is not keep_last or keep_all (-p)`}},
	} {
		_, err := node(c.argv...).QoSOverrides(eps)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v, want one with %q", c.argv, err, w)
			}
		}
	}
	if _, err := node("--params-file", file).QoSOverrides(eps[:1]); err == nil ||
		!strings.Contains(err.Error(), "parameter qos_overrides./front/image.subscription.depth (params file "+file+") names no endpoint") {
		t.Errorf("an override from a params file for a missing endpoint: %v", err)
	}
}
