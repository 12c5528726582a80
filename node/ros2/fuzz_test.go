package ros2

import "testing"

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
