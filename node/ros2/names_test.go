package ros2

import (
	"strings"
	"testing"
)

func TestExpandTopicName(t *testing.T) {
	for _, tc := range []struct {
		name, node, ns, want, err string
	}{
		{"image", "depth", "/", "/image", ""},
		{"image", "depth", "/robot", "/robot/image", ""},
		{"camera/image", "depth", "/robot", "/robot/camera/image", ""},
		{"/abs/image", "depth", "/robot", "/abs/image", ""},
		{"~", "depth", "/robot", "/robot/depth", ""},
		{"~/points", "depth", "/robot", "/robot/depth/points", ""},
		{"~/points", "depth", "/", "/depth/points", ""},
		{"{node}/x", "depth", "/robot", "/robot/depth/x", ""},
		{"/{ns}/x", "depth", "/robot", "/robot/x", ""},
		{"{namespace}/x", "depth", "/", "/x", ""},
		{"", "depth", "/", "", "empty"},
		{"image/", "depth", "/", "", "ends with /"},
		{"a//b", "depth", "/", "", "contains //"},
		{"2d/x", "depth", "/", "", "starts with a digit"},
		{"a/2d", "depth", "/", "", "starts with a digit"},
		{"a-b", "depth", "/", "", "character '-'"},
		{"a~", "depth", "/", "", "~ is allowed only"},
		{"~foo", "depth", "/", "", "~ is allowed only"},
		{"{bad}/x", "depth", "/", "", "unknown substitution"},
		{"/", "depth", "/", "", "ends with /"},
		{strings.Repeat("a", 300), "depth", "/", "", "longer than 255"},
	} {
		got, err := ExpandTopicName(tc.name, tc.node, tc.ns)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), tc.name[:min(len(tc.name), 20)]) {
				t.Errorf("ExpandTopicName(%q, %q, %q) error %v, want one naming the name and saying %q", tc.name, tc.node, tc.ns, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ExpandTopicName(%q, %q, %q) = %q, %v; want %q", tc.name, tc.node, tc.ns, got, err, tc.want)
		}
	}
}

func TestValidateNames(t *testing.T) {
	for _, tc := range []struct {
		kind, name string
		ok         bool
	}{
		{"node", "depth_1", true}, {"node", "_x", true}, {"node", "1x", false}, {"node", "a/b", false}, {"node", "", false}, {"node", "a.b", false},
		{"ns", "/", true}, {"ns", "/a/b_2", true}, {"ns", "a", false}, {"ns", "/a/", false}, {"ns", "/a//b", false}, {"ns", "/a/3", false},
		{"topic", "/a/b", true}, {"topic", "/a", true}, {"topic", "/", false}, {"topic", "a", false}, {"topic", "/a b", false},
	} {
		var err error
		switch tc.kind {
		case "node":
			err = ValidateNodeName(tc.name)
		case "ns":
			err = ValidateNamespace(tc.name)
		case "topic":
			err = ValidateFullTopicName(tc.name)
		}
		if (err == nil) != tc.ok {
			t.Errorf("validate %s %q: %v, want ok=%v", tc.kind, tc.name, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "\""+tc.name+"\"") {
			t.Errorf("error %q does not name %q", err, tc.name)
		}
	}
}

func TestRemapping(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		rules      []string
		node, ns   string
		topic      string
		wantNode   string
		wantNS     string
		wantTopic  string
		wantErrSub string
	}{
		{"none", nil, "depth", "", "image", "depth", "/", "/image", ""},
		{"relative from", []string{"image:=/cam/image_raw"}, "depth", "/robot", "image", "depth", "/robot", "/cam/image_raw", ""},
		{"absolute from", []string{"/robot/image:=/cam/image_raw"}, "depth", "/robot", "image", "depth", "/robot", "/cam/image_raw", ""},
		{"relative to", []string{"image:=front/image"}, "depth", "/robot", "image", "depth", "/robot", "/robot/front/image", ""},
		{"no match", []string{"other:=/x"}, "depth", "/", "image", "depth", "/", "/image", ""},
		{"first wins", []string{"image:=/a", "image:=/b"}, "depth", "/", "image", "depth", "/", "/a", ""},
		{"private from", []string{"~/depth:=/out/depth"}, "ssmde", "/", "~/depth", "ssmde", "/", "/out/depth", ""},
		{"private to", []string{"/in:=~/in"}, "ssmde", "/r", "/in", "ssmde", "/r", "/r/ssmde/in", ""},
		{"node rename", []string{"__node:=front_depth"}, "depth", "/", "~/points", "front_depth", "/", "/front_depth/points", ""},
		{"__name alias", []string{"__name:=n2"}, "depth", "/", "x", "n2", "/", "/x", ""},
		{"namespace", []string{"__ns:=/robot2"}, "depth", "/robot", "image", "depth", "/robot2", "/robot2/image", ""},
		{"remap after ns", []string{"__ns:=/r", "image:=cam"}, "depth", "/", "image", "depth", "/r", "/r/cam", ""},
		{"node targeted, this node", []string{"depth:image:=/a"}, "depth", "/", "image", "depth", "/", "/a", ""},
		{"node targeted, other node", []string{"other:image:=/a"}, "depth", "/", "image", "depth", "/", "/image", ""},
		{"node targeted rename", []string{"other:__node:=x", "depth:__node:=y"}, "depth", "/", "a", "y", "/", "/a", ""},
		{"targeted uses original name", []string{"__node:=y", "depth:image:=/a"}, "depth", "/", "image", "y", "/", "/a", ""},
		{"bad node name", nil, "bad-name", "/", "x", "", "", "", `node name "bad-name"`},
		{"bad topic", nil, "depth", "/", "a b", "depth", "/", "", `topic "a b"`},
		{"namespace without slash", nil, "depth", "robot", "x", "depth", "/robot", "/robot/x", ""},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var remaps []Remap
			for _, r := range tc.rules {
				rm, err := ParseRemap(r)
				if err != nil {
					t.Fatal(err)
				}
				remaps = append(remaps, rm)
			}
			n, err := NewNames(tc.node, tc.ns, remaps)
			var got string
			if err == nil {
				if n.Node != tc.wantNode || n.Namespace != tc.wantNS {
					t.Fatalf("node %s ns %s, want %s %s", n.Node, n.Namespace, tc.wantNode, tc.wantNS)
				}
				got, err = n.Resolve(tc.topic)
			}
			if tc.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrSub) {
					t.Fatalf("error %v, want one containing %s", err, tc.wantErrSub)
				}
				return
			}
			if err != nil || got != tc.wantTopic {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", tc.topic, got, err, tc.wantTopic)
			}
		})
	}
}

func TestParseRemapErrors(t *testing.T) {
	for _, rule := range []string{"a", "a:=", ":=b", "__node:=1x", "__ns:=relative", "a b:=c", "bad-node:a:=b", "a:=b/"} {
		if _, err := ParseRemap(rule); err == nil || !strings.Contains(err.Error(), rule) {
			t.Errorf("ParseRemap(%q) error %v, want one naming the rule", rule, err)
		}
	}
}

func TestDDSNames(t *testing.T) {
	for in, want := range map[string]string{
		"sensor_msgs/msg/Image":                      "sensor_msgs::msg::dds_::Image_",
		"rosgraph_msgs/msg/Clock":                    "rosgraph_msgs::msg::dds_::Clock_",
		"rmw_dds_common/msg/ParticipantEntitiesInfo": "rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_",
	} {
		if got, err := DDSTypeName(in); err != nil || got != want {
			t.Errorf("DDSTypeName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"sensor_msgs/Image", "a/msg/", "a/b/c", "a/msg/B-c"} {
		if _, err := DDSTypeName(bad); err == nil {
			t.Errorf("DDSTypeName(%q) succeeded", bad)
		}
	}
	if got := DDSTopicName("/camera/image_raw"); got != "rt/camera/image_raw" {
		t.Errorf("DDSTopicName = %q", got)
	}
}

// TestLoggerName: the logger name follows rcl_create_node_logger_name, after remapping.
func TestLoggerName(t *testing.T) {
	for _, tc := range []struct {
		node, ns string
		remaps   []Remap
		want     string
	}{
		{"ssmde", "/", nil, "ssmde"},
		{"ssmde", "", nil, "ssmde"},
		{"ssmde", "/front", nil, "front.ssmde"},
		{"ssmde", "/robot/front", nil, "robot.front.ssmde"},
		{"ssmde", "/", []Remap{{From: "__ns", To: "/a/b"}, {From: "__node", To: "d"}}, "a.b.d"},
	} {
		n, err := NewNames(tc.node, tc.ns, tc.remaps)
		if err != nil {
			t.Fatal(err)
		}
		if got := n.LoggerName(); got != tc.want {
			t.Errorf("%s in %q with %v: logger name %q, want %q", tc.node, tc.ns, tc.remaps, got, tc.want)
		}
	}
}
