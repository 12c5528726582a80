package ros2

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestParticipantEntitiesInfoBytes pins the encoding to rmw_dds_common's layout, written out by hand.
func TestParticipantEntitiesInfoBytes(t *testing.T) {
	g := func(b byte) Gid {
		var x Gid
		for i := range x {
			x[i] = b
		}
		return x
	}
	info := ParticipantEntitiesInfo{Gid: g(1), Nodes: []NodeEntitiesInfo{{Namespace: "/", Name: "ab", Readers: []Gid{g(2)}, Writers: nil}}}
	gid := func(b byte, size int) string {
		return strings.Repeat(hex.EncodeToString([]byte{b}), 16) + strings.Repeat("00", size-16)
	}
	for _, tc := range []struct {
		size GidSize
		want string
	}{
		{GidSizeIron, "00010000" + gid(1, 16) + "01000000" + "02000000" + "2f00" + "0000" + "03000000" + "616200" + "00" + "01000000" + gid(2, 16) + "00000000"},
		{GidSizeHumble, "00010000" + gid(1, 24) + "01000000" + "02000000" + "2f00" + "0000" + "03000000" + "616200" + "00" + "01000000" + gid(2, 24) + "00000000"},
	} {
		got := hex.EncodeToString(info.MarshalCDR(nil, tc.size))
		if got != tc.want {
			t.Errorf("Gid size %d:\n got %s\nwant %s", tc.size, got, tc.want)
		}
		var back ParticipantEntitiesInfo
		b, _ := hex.DecodeString(tc.want)
		if err := back.UnmarshalCDR(b, tc.size); err != nil {
			t.Fatal(err)
		}
		want := info
		want.Nodes = []NodeEntitiesInfo{{Namespace: "/", Name: "ab", Readers: []Gid{g(2)}, Writers: []Gid{}}}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("decoded %+v, want %+v", back, want)
		}
		for cut := 0; cut < len(b); cut++ {
			if err := back.UnmarshalCDR(b[:cut], tc.size); err == nil {
				t.Fatalf("Gid size %d: a %d-byte prefix decoded", tc.size, cut)
			}
		}
	}
}

func TestGidSizeForDistro(t *testing.T) {
	for distro, want := range map[string]GidSize{"humble": 24, "Humble": 24, "galactic": 24, "iron": 16, "jazzy": 16, "kilted": 16, "rolling": 16, "": 16} {
		if got := GidSizeForDistro(distro); got != want {
			t.Errorf("GidSizeForDistro(%q) = %d, want %d", distro, got, want)
		}
	}
}

// TestDiscoveryInfo: a second participant of ours reads ros_discovery_info as rmw_dds_common
// defines it and finds our node, its namespace and its endpoints' GIDs, for both Gid layouts, and
// sees a closed subscription disappear.
func TestDiscoveryInfo(t *testing.T) {
	for _, size := range []GidSize{GidSizeHumble, GidSizeIron} {
		t.Run(map[GidSize]string{24: "humble", 16: "jazzy"}[size], func(t *testing.T) {
			dom := testDomain()
			a, err := NewNode(NodeOptions{Name: "depth", Namespace: "/robot", DomainID: dom, GidSize: size})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			pub, err := a.NewPublisher("~/points", "sensor_msgs/msg/PointCloud2", QoSDefault)
			if err != nil {
				t.Fatal(err)
			}
			sub, err := a.Subscribe("image", "sensor_msgs/msg/Image", QoSSensorData, func([]byte, SampleInfo) {})
			if err != nil {
				t.Fatal(err)
			}

			b, err := NewNode(NodeOptions{Name: "observer", DomainID: dom, GidSize: size})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			var mu sync.Mutex
			var latest ParticipantEntitiesInfo
			var latestRaw []byte
			var decodeErr error
			// The topic is keyless: all participants' samples share one instance, so a reader of
			// depth 1 keeps only the latest of any participant; this one keeps more.
			observerQoS := QoS{Reliability: Reliable, Durability: TransientLocal, Depth: 100}
			if _, err := b.subscribeDDS(discoveryTopic, discoveryType, "", discoveryROSType, "", observerQoS, func(data []byte, _ SampleInfo) {
				var info ParticipantEntitiesInfo
				err := info.UnmarshalCDR(data, size)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					// Another test's participant on this domain may use the other Gid layout;
					// only our own sample must decode (checked below by its contents).
					decodeErr = err
					return
				}
				decodeErr = nil
				if info.Gid == a.Gid() {
					latest, latestRaw = info, data
				}
			}, false); err != nil {
				t.Fatal(err)
			}
			check := func(wantReaders []Gid) func() bool {
				return func() bool {
					mu.Lock()
					defer mu.Unlock()
					if len(latest.Nodes) != 1 {
						if decodeErr != nil {
							t.Logf("a ros_discovery_info sample did not decode (another participant's?): %v", decodeErr)
						}
						return false
					}
					n := latest.Nodes[0]
					return n.Name == "depth" && n.Namespace == "/robot" &&
						slices.Equal(n.Writers, []Gid{pub.Gid()}) && slices.Equal(n.Readers, wantReaders)
				}
			}
			waitFor(t, "our node on ros_discovery_info (transient local: sent to a late joiner)", 5*time.Second, check([]Gid{sub.Gid()}))

			mu.Lock()
			raw := latestRaw
			mu.Unlock()
			other := GidSizeHumble + GidSizeIron - size
			var wrong ParticipantEntitiesInfo
			if err := wrong.UnmarshalCDR(raw, other); err == nil {
				t.Errorf("the Gid-size-%d payload also decodes with Gid size %d", size, other)
			}
			pg := a.Gid()
			if gidBytes := raw[4 : 4+int(size)]; !bytes.Equal(gidBytes[:16], pg[:]) || !bytes.Equal(gidBytes[16:], make([]byte, int(size)-16)) {
				t.Errorf("participant gid field % x, want the GUID zero-padded to %d", gidBytes, size)
			}
			// Endpoint GUIDs share the participant's 12-byte prefix.
			for _, g := range []Gid{pub.Gid(), sub.Gid()} {
				if !bytes.Equal(g[:12], pg[:12]) {
					t.Errorf("endpoint gid %s does not extend participant gid %s", g, pg)
				}
			}

			if err := sub.Close(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the closed subscription to leave ros_discovery_info", 5*time.Second, check([]Gid{}))
		})
	}
}
