package ros2

import (
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

// Params files and ros_discovery_info samples come from outside: parsing them must never panic.

func FuzzParseParamsYAML(f *testing.F) {
	f.Add([]byte("/**:\n  ros__parameters:\n    a: 1\n    b: [1.0, 2.0]\n"))
	f.Add([]byte("/ns/node:\n  ros__parameters:\n    nested:\n      x: true\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseParamsYAML(data)
	})
}

func FuzzParticipantEntitiesInfo(f *testing.F) {
	info := ParticipantEntitiesInfo{Nodes: []NodeEntitiesInfo{{Namespace: "/cam", Name: "ssmde"}}}
	for _, size := range []GidSize{GidSizeHumble, GidSizeIron} {
		f.Add(info.MarshalCDR(nil, size), size == GidSizeHumble)
	}
	f.Fuzz(func(t *testing.T, data []byte, humble bool) {
		size := GidSizeIron
		if humble {
			size = GidSizeHumble
		}
		var p ParticipantEntitiesInfo
		_ = p.UnmarshalCDR(data, size)
	})
}

// FuzzParameterRequests: any client on the domain can send the parameter services anything. Each
// handler answers or refuses it without panicking, and what it accepts it answers with a reply
// that encodes and decodes.
func FuzzParameterRequests(f *testing.F) {
	for _, m := range []msgs.Message{
		&msgs.GetParametersRequest{Names: []string{"a", "b.c"}},
		&msgs.ListParametersRequest{Prefixes: []string{"b"}, Depth: 1},
		&msgs.SetParametersRequest{Parameters: []msgs.Parameter{{Name: "a", Value: msgs.ParameterValue{Type: msgs.ParameterDouble, Double: 2}}}},
		&msgs.DescribeParametersRequest{Names: []string{"a"}},
	} {
		f.Add(msgs.MarshalServiceCDR(nil, msgs.ServiceHeader{GUID: 1, Seq: 2}, m))
	}
	n, err := NewNode(NodeOptions{Name: "fuzz", DomainID: testDomain()})
	if err != nil {
		f.Fatal(err)
	}
	defer n.Close()
	ps, err := n.ServeParameters(
		[]msgs.Parameter{{Name: "a", Value: msgs.ParameterValue{Type: msgs.ParameterDouble, Double: 1}},
			{Name: "b.c", Value: msgs.ParameterValue{Type: msgs.ParameterInteger, Integer: 3}}},
		[]msgs.ParameterDescriptor{{FloatingPointRange: []msgs.FloatingPointRange{{FromValue: 0, ToValue: 10, Step: 0.5}}},
			{IntegerRange: []msgs.IntegerRange{{FromValue: -5, ToValue: 5, Step: 2}}}},
		func([]msgs.Parameter) error { return nil })
	if err != nil {
		f.Fatal(err)
	}
	handlers := []ServiceHandler{ps.get, ps.getTypes, ps.set, ps.setAtomically, ps.describe, ps.list}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, body, err := msgs.SplitServiceCDR(data)
		if err != nil {
			return
		}
		for _, h := range handlers {
			reply, err := h(append([]byte(nil), body...))
			if err != nil {
				continue
			}
			enc := reply.MarshalCDR(nil)
			if err := msgs.TypeOf(reply).New().UnmarshalCDR(enc); err != nil {
				t.Fatalf("%T: reply does not decode: %v", reply, err)
			}
		}
	})
}
