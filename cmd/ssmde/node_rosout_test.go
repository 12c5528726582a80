package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
)

// ntestRosout is a /rosout subscriber with rcl's rosout QoS, in its own participant of the
// test process; it keeps the Log messages of one logger name.
type ntestRosout struct {
	n    *ros2.Node
	mu   sync.Mutex
	logs []msgs.Log
}

func ntestListenRosout(t *testing.T, domain int, name string) *ntestRosout {
	t.Helper()
	n, err := ros2.NewNode(ros2.NodeOptions{Name: "console", Namespace: "/", DomainID: &domain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	l := &ntestRosout{n: n}
	if _, err := n.Subscribe(ros2.TopicRosout, "rcl_interfaces/msg/Log", ros2.QoSRosout, func(data []byte, _ ros2.SampleInfo) {
		var m msgs.Log
		if err := m.UnmarshalCDR(data); err != nil {
			t.Errorf("/rosout: %v", err)
			return
		}
		if m.Name == name {
			l.mu.Lock()
			l.logs = append(l.logs, m)
			l.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

// find returns the first Log whose message starts with prefix.
func (l *ntestRosout) find(prefix string) (msgs.Log, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.logs {
		if strings.HasPrefix(m.Msg, prefix) {
			return m, true
		}
	}
	return msgs.Log{}, false
}

func (l *ntestRosout) all() []msgs.Log {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]msgs.Log(nil), l.logs...)
}

// ntestWriter waits until participant p (a test node) has discovered a writer on DDS topic
// whose participant also writes wantAlso (another DDS topic of the same node), and returns both.
func ntestNodeWriters(t *testing.T, p *ros2.Node, marker string) (markerWriter ros2.EndpointInfo, all []ros2.EndpointInfo) {
	t.Helper()
	ntestWait(t, "the node's "+marker+" writer in discovery", 20*time.Second, func() bool {
		eps, err := p.DiscoveredEndpoints(true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range eps {
			if e.Topic == marker {
				markerWriter = e
				all = nil
				for _, o := range eps {
					if o.Participant == e.Participant {
						all = append(all, o)
					}
				}
				return true
			}
		}
		return false
	})
	return markerWriter, all
}

// TestNodeRosout: the node (a real process on the tiny model, in /cam) publishes its log lines
// on /rosout. A subscriber with rcl's QoS that joins after "ssmde node running" was logged still
// gets it (transient local), with level INFO, the logger name cam.ssmde, the message and its
// attributes, and a file, function and line that point at the logging call; the line logged
// before the node existed (discovery) is there too, and the node's /rosout writer announces
// rcl's rosout QoS.
func TestNodeRosout(t *testing.T) {
	dom := ntestDomain()
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	start := time.Now()
	proc := ntestStartNode(t, dom, nil, "-p", "model:="+tiny)
	ntestWait(t, "the node to run", 30*time.Second, func() bool { return strings.Contains(proc.out.String(), "ssmde node running") })
	l := ntestListenRosout(t, dom, "cam.ssmde") // late: after the line was logged
	ntestWait(t, "ssmde node running on /rosout", 10*time.Second, func() bool { _, ok := l.find("ssmde node running"); return ok })
	m, _ := l.find("ssmde node running")
	if m.Level != msgs.LogInfo || !strings.Contains(m.Msg, " node=/cam/ssmde ") || !strings.Contains(m.Msg, " sim_time=false") {
		t.Errorf("running line: level %d msg %q", m.Level, m.Msg)
	}
	if ns := m.Stamp.Nanos(); ns < start.UnixNano() || ns > time.Now().UnixNano() {
		t.Errorf("stamp %v is outside the test's run", m.Stamp)
	}
	if !strings.HasSuffix(m.File, filepath.Join("cmd", "ssmde", "node_cmd.go")) || !strings.HasSuffix(m.Function, "/cmd/ssmde.runNode.func1") {
		t.Errorf("logged at %s in %s, want cmd/ssmde/node_cmd.go in runNode's closure", m.File, m.Function)
	}
	src, err := os.ReadFile(m.File)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(string(src), "\n"); m.Line < 1 || int(m.Line) > len(lines) || !strings.Contains(lines[m.Line-1], `"ssmde node running"`) {
		t.Errorf("line %d of %s is not the logging call", m.Line, m.File)
	}
	if d, ok := l.find("DDS discovery"); !ok || d.Level != msgs.LogInfo {
		t.Errorf("the discovery line, logged before the node existed, is not on /rosout (%v): %+v", ok, l.all())
	}
	if ml, ok := l.find("model loaded"); !ok || !strings.HasSuffix(ml.File, filepath.Join("node", "node.go")) {
		t.Errorf("model loaded: %v %+v", ok, ml)
	}

	_, writers := ntestNodeWriters(t, l.n, "rt/cam/depth")
	var rosout *ros2.EndpointInfo
	for i := range writers {
		if writers[i].Topic == "rt/rosout" {
			rosout = &writers[i]
		}
	}
	if rosout == nil {
		t.Fatalf("the node has no rt/rosout writer: %+v", writers)
	}
	if q := rosout.QoS; rosout.Type != "rcl_interfaces::msg::dds_::Log_" || q.Reliability != ros2.Reliable ||
		q.Durability != ros2.TransientLocal || q.Lifespan != 10*time.Second {
		t.Errorf("rosout writer %s %v, want rcl_interfaces::msg::dds_::Log_ %v", rosout.Type, q, ros2.QoSRosout)
	}
}

// TestNodeRosoutSwitches: --log-level WARN keeps INFO off /rosout while WARN gets there, and
// --disable-stdout-logs leaves the node's stdout and stderr empty through a whole run;
// --disable-rosout-logs gives the node no /rosout writer at all, its log lines still on stderr.
func TestNodeRosoutSwitches(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	t.Run("warn_and_no_stdout", func(t *testing.T) {
		dom := ntestDomain()
		l := ntestListenRosout(t, dom, "cam.ssmde")
		proc := ntestStartNode(t, dom, nil, "-p", "model:="+tiny, "--log-level", "WARN", "--disable-stdout-logs")
		cam := ntestNewCamera(t, dom, ros2.QoSSensorData, "cam_optical")
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // images without camera_info: the node warns after a second
			defer wg.Done()
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				cam.img.Publish(greyFrame(32, 16, msgs.TimeFromNanos(int64(i)*int64(time.Millisecond))))
			}
		}()
		ntestWait(t, "the camera_info warning on /rosout", 30*time.Second, func() bool {
			_, ok := l.find("no camera_info received yet")
			return ok
		})
		close(stop)
		wg.Wait()
		if code, _ := proc.stop(t, syscall.SIGINT, 10*time.Second); code != 0 {
			t.Errorf("exit %d", code)
		}
		for _, m := range l.all() {
			if m.Level < msgs.LogWarn {
				t.Errorf("below WARN on /rosout: %+v", m)
			}
		}
		if m, _ := l.find("no camera_info received yet"); m.Level != msgs.LogWarn || !strings.HasSuffix(m.File, filepath.Join("node", "node.go")) {
			t.Errorf("warning %+v", m)
		}
		if out := proc.out.String(); out != "" {
			t.Errorf("--disable-stdout-logs, yet the node wrote:\n%s", out)
		}
	})
	t.Run("no_rosout", func(t *testing.T) {
		dom := ntestDomain()
		peer, err := ros2.NewNode(ros2.NodeOptions{Name: "observer", Namespace: "/", DomainID: &dom})
		if err != nil {
			t.Fatal(err)
		}
		defer peer.Close()
		proc := ntestStartNode(t, dom, nil, "-p", "model:="+tiny, "--disable-rosout-logs")
		ntestWait(t, "the node to run", 30*time.Second, func() bool { return strings.Contains(proc.out.String(), "ssmde node running") })
		// The parameter services come last: once their writer is known, so is every other.
		_, writers := ntestNodeWriters(t, peer, "rr/cam/ssmde/list_parametersReply")
		var topics []string
		for _, w := range writers {
			topics = append(topics, w.Topic)
			if w.Topic == "rt/rosout" {
				t.Errorf("--disable-rosout-logs, yet the node writes rt/rosout")
			}
		}
		if !strings.Contains(strings.Join(topics, " "), "rt/cam/depth") {
			t.Errorf("the node's writers %q lack rt/cam/depth", topics)
		}
	})
}
