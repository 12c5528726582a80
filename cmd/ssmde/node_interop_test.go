package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssmde/ssmde/pipeline"
)

// TestNodeFastDDSInterop: the node between Fast DDS peers, as in a ROS 2 graph on ROS 2's
// default middleware. A Fast DDS camera publishes textured rgb8 Images and CameraInfos with the
// same stamps and frame_id on /cam/image and /cam/camera_info; the node runs the real lite student
// (128×64); a Fast DDS subscriber with rclcpp's default QoS (RELIABLE, KEEP_LAST 10; /tf depth 100)
// reads /cam/depth, /cam/points, /cam/odom and /tf and every sample's contents are checked.
func TestNodeFastDDSInterop(t *testing.T) {
	t.Parallel()
	bin := ntestFastDDSPeer(t)
	model := ntestLiteModel(t)
	cases := []struct {
		camera, policy string
		w, h           int
	}{
		{"reliable", "exact", 640, 192},
		{"best_effort", "exact", 320, 96},
		{"best_effort", "latest", 320, 96},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s_camera_%s_camera_info_%dx%d", c.camera, c.policy, c.w, c.h), func(t *testing.T) {
			t.Parallel()
			domain := ntestDomain()
			const frame = "front_camera_optical"
			sub := ntestStartPeer(t, bin, "sub", strconv.Itoa(domain))
			node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "camera_info_policy:="+c.policy)
			cam := ntestStartPeer(t, bin, "camera", strconv.Itoa(domain), c.camera, strconv.Itoa(c.w), strconv.Itoa(c.h), "15", frame)
			const want = 5
			ntestWait(t, fmt.Sprintf("%d samples each of depth, points, odom and tf at the Fast DDS subscriber", want), 40*time.Second, func() bool {
				if !node.running() {
					t.Fatalf("node exited with %d", node.code)
				}
				for _, k := range []string{"depth", "points", "odom", "tf"} {
					if sub.count(ntestPrefix(k)) < want {
						return false
					}
				}
				return true
			})
			cam.stop()
			sub.stop()

			published := map[string]bool{} // "sec nanosec" of every camera frame
			for _, l := range cam.snapshot() {
				if f := strings.Fields(l); len(f) == 6 && f[0] == "pub" {
					published[f[2]+" "+f[3]] = true
				}
			}
			stamps := map[string]map[string]bool{} // kind → stamps seen
			for _, l := range sub.snapshot() {
				f := strings.Fields(l)
				if len(f) == 0 || f[0] == "ready" {
					continue
				}
				var stamp string
				switch f[0] {
				case "depth": // depth W H ENCODING BIGENDIAN STEP SEC NANOSEC FRAME DATA_LEN N_FINITE MIN MAX
					if len(f) != 13 {
						t.Fatalf("bad line %q", l)
					}
					// depth_resolution camera (the default): the camera's size, every pixel (a stretch fit)
					want := fmt.Sprintf("depth %d %d 32FC1 0 %d %s %s %s %d %d", c.w, c.h, 4*c.w, f[6], f[7], frame, c.w*c.h*4, c.w*c.h)
					if strings.Join(f[:11], " ") != want {
						t.Errorf("Fast DDS read depth\n%s\nwant (size, encoding, step, frame, all pixels finite)\n%s ...", l, want)
					}
					lo, _ := strconv.ParseFloat(f[11], 64)
					hi, _ := strconv.ParseFloat(f[12], 64)
					if !(lo >= 0.1*(1-1e-4) && hi <= 100*(1+1e-4) && lo <= hi) {
						t.Errorf("depth range [%v, %v] outside the model's [0.1, 100] m: %s", lo, hi, l)
					}
					stamp = f[6] + " " + f[7]
				case "points": // points W H POINT_STEP ROW_STEP IS_DENSE BIGENDIAN FIELDS DATA_LEN N_FINITE SEC NANOSEC FRAME
					if len(f) != 13 {
						t.Fatalf("bad line %q", l)
					}
					// points_decimation 0: every k-th pixel of the camera-sized depth, no more points than the 128×64 grid
					k := pipeline.AutoDecimation(c.w, c.h, 128, 64)
					cw, ch := pipeline.CloudSize(c.w, c.h, k)
					want := fmt.Sprintf("points %d %d 16 %d 0 0 x:0:7:1,y:4:7:1,z:8:7:1,rgb:12:7:1 %d", cw, ch, 16*cw, cw*ch*16)
					if strings.Join(f[:9], " ") != want || f[12] != frame {
						t.Errorf("Fast DDS read points\n%s\nwant\n%s N_FINITE SEC NANOSEC %s", l, want, frame)
					}
					if n, _ := strconv.Atoi(f[9]); n == 0 {
						t.Errorf("point cloud without a finite point: %s", l)
					}
					stamp = f[10] + " " + f[11]
				case "odom": // odom FRAME CHILD SEC NANOSEC PX PY PZ QX QY QZ QW
					if len(f) != 12 || f[1] != "odom" || f[2] != frame {
						t.Errorf("Fast DDS read odom %q; want frame odom, child %s", l, frame)
						continue
					}
					ntestCheckPose(t, l, f[5:12])
					stamp = f[3] + " " + f[4]
				case "tf": // tf N FRAME CHILD SEC NANOSEC TX TY TZ QX QY QZ QW
					if len(f) != 13 || f[1] != "1" || f[2] != "odom" || f[3] != frame {
						t.Errorf("Fast DDS read tf %q; want one transform odom → %s", l, frame)
						continue
					}
					ntestCheckPose(t, l, f[6:13])
					stamp = f[4] + " " + f[5]
				default:
					t.Errorf("unexpected line %q", l)
					continue
				}
				if !published[stamp] {
					t.Errorf("%s has stamp %s, which no camera frame had", f[0], stamp)
				}
				if stamps[f[0]] == nil {
					stamps[f[0]] = map[string]bool{}
				}
				stamps[f[0]][stamp] = true
			}
			// The four outputs of one frame carry that frame's stamp.
			common := 0
			for s := range stamps["depth"] {
				if stamps["points"][s] && stamps["odom"][s] && stamps["tf"][s] {
					common++
				}
			}
			if common == 0 {
				t.Errorf("no stamp is on all of depth, points, odom and tf: %v", stamps)
			}
			code, took := node.stop(t, syscall.SIGINT, 10*time.Second)
			if code != 0 {
				t.Errorf("node exit code %d after SIGINT", code)
			}
			t.Logf("%s camera, camera_info %s, %dx%d: %d camera frames, Fast DDS read %d depth, %d points, %d odom, %d tf (%d frames with all four); node exited %d in %v",
				c.camera, c.policy, c.w, c.h, len(published), len(stamps["depth"]), len(stamps["points"]), len(stamps["odom"]),
				len(stamps["tf"]), common, code, took.Round(time.Millisecond))
		})
	}
}

// ntestCheckPose checks "x y z qx qy qz qw": finite, unit quaternion.
func ntestCheckPose(t *testing.T, line string, f []string) {
	t.Helper()
	var v [7]float64
	for i := range v {
		var err error
		if v[i], err = strconv.ParseFloat(f[i], 64); err != nil || math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
			t.Errorf("pose value %q not finite in %q", f[i], line)
			return
		}
	}
	if n := math.Sqrt(v[3]*v[3] + v[4]*v[4] + v[5]*v[5] + v[6]*v[6]); math.Abs(n-1) > 1e-6 {
		t.Errorf("quaternion norm %v in %q", n, line)
	}
}

// TestNodeDiscoveryInfo: while the node runs, a Fast DDS participant (what `ros2 node list`
// reads on rmw_fastrtps) reads our ros_discovery_info and finds node ssmde in namespace /cam
// with the Gids of its readers and writers, and each Gid is the GUID of an endpoint that DDS
// discovery reports on the expected topic.
func TestNodeDiscoveryInfo(t *testing.T) {
	t.Parallel()
	bin := ntestFastDDSPeer(t)
	model := ntestLiteModel(t)
	domain := ntestDomain()
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model)
	graph := ntestStartPeer(t, bin, "graph", strconv.Itoa(domain))
	// The node's topics (node.Params.Endpoints), /rosout, /parameter_events and the six parameter services.
	var wantReaders, wantWriters []string
	for _, e := range nodeDefaultsWith(t, map[string]any{"model": model}).Endpoints() {
		topic := "rt" + e.Topic
		if !strings.HasPrefix(e.Topic, "/") {
			topic = "rt/cam/" + e.Topic
		}
		if e.Publisher {
			wantWriters = append(wantWriters, topic)
		} else {
			wantReaders = append(wantReaders, topic)
		}
	}
	wantWriters = append(wantWriters, "rt/rosout", "rt/parameter_events")
	for _, s := range []string{"get_parameters", "get_parameter_types", "set_parameters", "set_parameters_atomically",
		"describe_parameters", "list_parameters"} {
		wantReaders = append(wantReaders, "rq/cam/ssmde/"+s+"Request")
		wantWriters = append(wantWriters, "rr/cam/ssmde/"+s+"Reply")
	}
	var problem string
	check := func() bool {
		endpoints := map[string]string{} // "reader GUID" / "writer GUID" → topic
		var node []string
		for _, l := range graph.snapshot() {
			f := strings.Fields(l)
			switch {
			case len(f) == 4 && (f[0] == "reader" || f[0] == "writer"):
				endpoints[f[0]+" "+f[1]] = f[2]
			case len(f) == 6 && f[0] == "node" && f[3] == "ssmde":
				node = f // the last one is the current graph
			}
		}
		if node == nil {
			problem = "no ros_discovery_info entry for a node named ssmde"
			return false
		}
		if node[2] != "/cam" {
			problem = fmt.Sprintf("node ssmde in namespace %q, want /cam", node[2])
			return false
		}
		for _, side := range []struct {
			kind string
			list string
			want []string
		}{{"reader", node[4], wantReaders}, {"writer", node[5], wantWriters}} {
			var topics []string
			for _, g := range strings.Split(side.list, ",") {
				if len(g) != 32 || g[:24] != node[1][:24] {
					problem = fmt.Sprintf("%s Gid %q is not an endpoint of participant %s", side.kind, g, node[1])
					return false
				}
				topic, ok := endpoints[side.kind+" "+g]
				if !ok {
					problem = fmt.Sprintf("%s Gid %s not (yet) discovered as a DDS %s", side.kind, g, side.kind)
					return false
				}
				topics = append(topics, topic)
			}
			if !ntestSameSet(topics, side.want) {
				problem = fmt.Sprintf("%ss of node ssmde are on %v, want %v", side.kind, topics, side.want)
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s\nFast DDS saw:\n%s", problem, strings.Join(graph.snapshot(), "\n"))
		}
		if !node.running() {
			t.Fatalf("node exited with %d", node.code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("ros_discovery_info read by Fast DDS: node /cam/ssmde with %d readers and %d writers, each a discovered endpoint",
		len(wantReaders), len(wantWriters))
}

func ntestSameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}
