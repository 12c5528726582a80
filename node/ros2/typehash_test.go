package ros2

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

// observedEndpoint is one line of TestObserverProcess's output.
type observedEndpoint struct {
	Topic, Type string
	Writer      bool
	UserData    string
}

// TestObserverProcess is not a test: TestEndpointTypeHashes runs the test binary again with this
// test selected, as a second process, so that our endpoints reach its participant over the network
// (the wire's DCPSPublication and DCPSSubscription data) rather than through Cyclone's in-process
// shortcut. It waits until it knows the wanted number of writers and readers of the participant
// SSMDE_OBSERVER_PARTICIPANT, prints them as JSON lines and exits.
func TestObserverProcess(t *testing.T) {
	if os.Getenv("SSMDE_OBSERVER_PARTICIPANT") == "" {
		return // not run on its own: the helper process of TestEndpointTypeHashes
	}
	dom, _ := strconv.Atoi(os.Getenv("SSMDE_OBSERVER_DOMAIN"))
	wantW, _ := strconv.Atoi(os.Getenv("SSMDE_OBSERVER_WRITERS"))
	wantR, _ := strconv.Atoi(os.Getenv("SSMDE_OBSERVER_READERS"))
	n, err := NewNode(NodeOptions{Name: "observer", DomainID: &dom})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	var found []observedEndpoint
	deadline := time.Now().Add(15 * time.Second)
	for {
		found = found[:0]
		w, r := 0, 0
		for _, writers := range []bool{true, false} {
			eps, err := n.DiscoveredEndpoints(writers)
			if err != nil {
				t.Fatal(err)
			}
			for _, ep := range eps {
				if hex.EncodeToString(ep.Participant[:]) != os.Getenv("SSMDE_OBSERVER_PARTICIPANT") {
					continue
				}
				found = append(found, observedEndpoint{ep.Topic, ep.Type, writers, string(ep.UserData)})
				if writers {
					w++
				} else {
					r++
				}
			}
		}
		if w >= wantW && r >= wantR || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, e := range found {
		b, _ := json.Marshal(e)
		fmt.Printf("OBSERVED %s\n", b)
	}
}

// observe runs TestObserverProcess for node's participant and returns what it saw.
func observe(t *testing.T, dom int, node *Node, writers, readers int) []observedEndpoint {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestObserverProcess$", "-test.count=1")
	g := node.Gid()
	cmd.Env = append(os.Environ(),
		"SSMDE_OBSERVER_PARTICIPANT="+hex.EncodeToString(g[:]),
		"SSMDE_OBSERVER_DOMAIN="+strconv.Itoa(dom),
		"SSMDE_OBSERVER_WRITERS="+strconv.Itoa(writers),
		"SSMDE_OBSERVER_READERS="+strconv.Itoa(readers))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("observer process: %v\n%s", err, out)
	}
	var seen []observedEndpoint
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line, ok := bytes.CutPrefix(sc.Bytes(), []byte("OBSERVED "))
		if !ok {
			continue
		}
		var e observedEndpoint
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("observer line %q: %v", line, err)
		}
		seen = append(seen, e)
	}
	return seen
}

// TestEndpointTypeHashes: every reader and writer of a node with the Iron/Jazzy layout carries
// "typehash=RIHS01_<hash>;" in its USER_DATA, exactly as rmw_cyclonedds writes it, with the hash of
// its topic's type, ros_discovery_info's writer included, as a second process's participant sees
// them on the wire; with the Humble layout they carry no USER_DATA, as Humble's rmw does.
func TestEndpointTypeHashes(t *testing.T) {
	// Jazzy's own value for sensor_msgs/msg/Image (msgs' tests check the others).
	const jazzyImage = "RIHS01_d31d41a9a4c4bc8eae9be757b0beed306564f7526c88ea6a4588fb9582527d47"
	pubs := []struct{ topic, typ string }{
		{"depth", "sensor_msgs/msg/Image"},
		{"depth/camera_info", "sensor_msgs/msg/CameraInfo"},
		{"points", "sensor_msgs/msg/PointCloud2"},
		{"depth/compressed", "sensor_msgs/msg/CompressedImage"},
		{"odom", "nav_msgs/msg/Odometry"},
		{"/tf", "tf2_msgs/msg/TFMessage"},
		{"/diagnostics", "diagnostic_msgs/msg/DiagnosticArray"},
	}
	subs := []struct{ topic, typ string }{
		{"image", "sensor_msgs/msg/Image"},
		{"camera_info", "sensor_msgs/msg/CameraInfo"},
		// and /clock (rosgraph_msgs/msg/Clock), from use_sim_time
	}
	for _, tc := range []struct {
		name string
		size GidSize
	}{{"jazzy", GidSizeIron}, {"humble", GidSizeHumble}} {
		t.Run(tc.name, func(t *testing.T) {
			dom := testDomain()
			n, err := NewNode(NodeOptions{Name: "ssmde", DomainID: dom, GidSize: tc.size, UseSimTime: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { n.Close() })
			type key struct {
				topic  string
				writer bool
			}
			wantType := map[key]string{
				{discoveryTopic, true}: discoveryROSType,
				{"rt/clock", false}:    "rosgraph_msgs/msg/Clock",
			}
			for _, p := range pubs {
				pub, err := n.NewPublisher(p.topic, p.typ, QoSDefault)
				if err != nil {
					t.Fatal(err)
				}
				wantType[key{DDSTopicName(pub.Topic()), true}] = p.typ
			}
			for _, s := range subs {
				sub, err := n.Subscribe(s.topic, s.typ, QoSSensorData, func([]byte, SampleInfo) {})
				if err != nil {
					t.Fatal(err)
				}
				wantType[key{DDSTopicName(sub.Topic()), false}] = s.typ
			}

			seen := observe(t, *dom, n, len(pubs)+1, len(subs)+1)
			got := map[key]observedEndpoint{}
			for _, e := range seen {
				got[key{e.Topic, e.Writer}] = e
			}
			for k, rosType := range wantType {
				e, ok := got[k]
				if !ok {
					t.Errorf("%s (writer %v) not discovered; the observer saw %+v", k.topic, k.writer, seen)
					continue
				}
				if ddsType, _ := DDSTypeName(rosType); e.Type != ddsType {
					t.Errorf("%s: DDS type %s, want %s", k.topic, e.Type, ddsType)
				}
				want := ""
				if tc.size == GidSizeIron {
					h, err := msgs.TypeHash(rosType)
					if err != nil {
						t.Fatal(err)
					}
					want = "typehash=" + h + ";"
				}
				if e.UserData != want {
					t.Errorf("%s (writer %v): USER_DATA %q, want %q", k.topic, k.writer, e.UserData, want)
				}
			}
			if e := got[key{"rt/depth", true}]; tc.size == GidSizeIron && e.UserData != "typehash="+jazzyImage+";" {
				t.Errorf("rt/depth: USER_DATA %q, want Jazzy's Image hash %s", e.UserData, jazzyImage)
			}
			if len(got) != len(wantType) {
				t.Errorf("observer saw %d endpoints of the node, want %d: %+v", len(got), len(wantType), seen)
			}
		})
	}
}
