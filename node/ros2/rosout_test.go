package ros2

import (
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

func TestLogLevels(t *testing.T) {
	for name, want := range map[string]slog.Level{"debug": slog.LevelDebug, "INFO": slog.LevelInfo, "Warn": slog.LevelWarn,
		"error": slog.LevelError, "FATAL": LevelFatal} {
		if got, ok := ParseLogLevel(name); !ok || got != want {
			t.Errorf("ParseLogLevel(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	for _, bad := range []string{"unset", "", "loud"} {
		if _, ok := ParseLogLevel(bad); ok {
			t.Errorf("ParseLogLevel(%q) succeeded", bad)
		}
	}
	for l, want := range map[slog.Level]uint8{slog.LevelDebug - 4: 10, slog.LevelDebug: 10, slog.LevelInfo - 1: 10, slog.LevelInfo: 20,
		slog.LevelInfo + 2: 20, slog.LevelWarn: 30, slog.LevelError: 40, slog.LevelError + 3: 40, LevelFatal: 50, LevelFatal + 8: 50} {
		if got := LogSeverity(l); got != want {
			t.Errorf("LogSeverity(%v) = %d, want %d", l, got, want)
		}
	}
}

// rosoutListener subscribes to /rosout on domain with rcl's QoS and keeps every Log.
type rosoutListener struct {
	n    *Node
	mu   sync.Mutex
	logs []msgs.Log
	bad  int
}

func listenRosout(t *testing.T, domain *int) *rosoutListener {
	t.Helper()
	l := &rosoutListener{n: newTestNode(t, "console", "/", domain, nil)}
	if _, err := l.n.Subscribe(TopicRosout, "rcl_interfaces/msg/Log", QoSRosout, func(data []byte, _ SampleInfo) {
		var m msgs.Log
		err := m.UnmarshalCDR(data)
		l.mu.Lock()
		defer l.mu.Unlock()
		if err != nil {
			l.bad++
			return
		}
		l.logs = append(l.logs, m)
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *rosoutListener) snapshot() ([]msgs.Log, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]msgs.Log(nil), l.logs...), l.bad
}

// TestRosout: a node's log records reach a /rosout subscriber that joins after they were logged
// (transient local), one Log per record, with rcl's level numbers, the node's logger name, the
// message with its attributes, and the file, function and line of the call; records below the
// level are not published, and the writer announces rcl's rosout QoS, lifespan included.
func TestRosout(t *testing.T) {
	dom := testDomain()
	level := new(slog.LevelVar) // INFO
	r := NewRosout(level, nil)
	logger := slog.New(r.Handler()).With("node", "front")
	before := time.Now()
	logger.Info("before the node") // queued, published once attached
	n := newTestNode(t, "ssmde", "/front", dom, nil)
	if err := r.Attach(n); err != nil {
		t.Fatal(err)
	}
	if err := r.Attach(n); err == nil {
		t.Error("a second Attach succeeded")
	}
	_, file, line, _ := runtime.Caller(0)
	logger.Info("hello", "k", "two words", slog.Group("g", "x", 1))
	logger.Debug("not at INFO")
	logger.Warn("careful")
	logger.Error("broken", "err", "boom")
	logger.Log(nil, LevelFatal, "gone")
	level.Set(slog.LevelDebug)
	logger.Debug("now at DEBUG")
	waitFor(t, "6 records published", 5*time.Second, func() bool { p, _, _ := r.Stats(); return p == 6 })

	l := listenRosout(t, dom) // joins late: transient local brings the history
	waitFor(t, "6 Log messages", 10*time.Second, func() bool { logs, _ := l.snapshot(); return len(logs) >= 6 })
	time.Sleep(200 * time.Millisecond) // room for a duplicate to show
	logs, bad := l.snapshot()
	after := time.Now()
	want := []struct {
		level uint8
		msg   string
	}{{20, "before the node node=front"}, {20, `hello node=front k="two words" g.x=1`}, {30, "careful node=front"},
		{40, "broken node=front err=boom"}, {50, "gone node=front"}, {10, "now at DEBUG node=front"}}
	if len(logs) != len(want) || bad != 0 {
		t.Fatalf("%d Log messages (%d undecodable), want %d: %+v", len(logs), bad, len(want), logs)
	}
	for i, w := range want {
		m := logs[i]
		if m.Level != w.level || m.Msg != w.msg || m.Name != "front.ssmde" {
			t.Errorf("log %d: level %d name %q msg %q; want %d front.ssmde %q", i, m.Level, m.Name, m.Msg, w.level, w.msg)
		}
		if ns := m.Stamp.Nanos(); ns < before.UnixNano() || ns > after.UnixNano() {
			t.Errorf("log %d: stamp %v outside the test's run", i, m.Stamp)
		}
		if m.File != file || !strings.HasSuffix(m.Function, "ros2.TestRosout") {
			t.Errorf("log %d: at %s %s, want %s TestRosout", i, m.File, m.Function, file)
		}
	}
	if logs[1].Line != uint32(line+1) {
		t.Errorf("hello logged at line %d, want %d", logs[1].Line, line+1)
	}

	var wr *EndpointInfo
	waitFor(t, "the /rosout writer in discovery", 5*time.Second, func() bool {
		eps, err := l.n.DiscoveredEndpoints(true)
		if err != nil {
			t.Fatal(err)
		}
		for i := range eps {
			if eps[i].Topic == "rt/rosout" && eps[i].Participant == n.Gid() {
				wr = &eps[i]
				return true
			}
		}
		return false
	})
	if wr.Type != "rcl_interfaces::msg::dds_::Log_" || wr.QoS.Reliability != Reliable || wr.QoS.Durability != TransientLocal ||
		wr.QoS.Lifespan != 10*time.Second || wr.QoS.Depth != 1000 && wr.QoS.Depth != -1 {
		t.Errorf("the /rosout writer is %s %v, want rcl_interfaces::msg::dds_::Log_ %v", wr.Type, wr.QoS, QoSRosout)
	}
}

// TestRosoutNeverBlocks: with nobody writing, Handle still returns at once: the queue takes
// rosoutQueue records and the rest are dropped and counted; attaching publishes the queued
// ones, and Close after the node's Close is harmless.
func TestRosoutNeverBlocks(t *testing.T) {
	r := NewRosout(slog.LevelInfo, nil)
	logger := slog.New(r.Handler())
	const n = 3 * rosoutQueue
	start := time.Now()
	for i := 0; i < n; i++ {
		logger.Info("flood", "i", i)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("%d records took %v to log", n, d)
	}
	if p, d, f := r.Stats(); p != 0 || d != n-rosoutQueue || f != 0 {
		t.Errorf("stats %d %d %d, want 0 %d 0", p, d, f, n-rosoutQueue)
	}
	node := newTestNode(t, "flood", "/", testDomain(), nil)
	if err := r.Attach(node); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the queued records published", 10*time.Second, func() bool { p, _, _ := r.Stats(); return p == rosoutQueue })
	node.Close()
	r.Close()
	logger.Info("after Close")
	if p, d, f := r.Stats(); p != rosoutQueue || d != n-rosoutQueue+1 || f != 0 {
		t.Errorf("stats after Close %d %d %d, want %d %d 0", p, d, f, rosoutQueue, n-rosoutQueue+1)
	}
}

// TestRosoutSimTime: under use_sim_time a log line is stamped with /clock's time.
func TestRosoutSimTime(t *testing.T) {
	dom := testDomain()
	args, _, err := ParseArgs([]string{"--ros-args", "-p", "use_sim_time:=true"})
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNode(t, "sim", "/", dom, args)
	r := NewRosout(slog.LevelInfo, nil)
	if err := r.Attach(n); err != nil {
		t.Fatal(err)
	}
	src := newTestNode(t, "clock_source", "/", dom, nil)
	pub, err := src.NewPublisher("/clock", "rosgraph_msgs/msg/Clock", QoSClock)
	if err != nil {
		t.Fatal(err)
	}
	want := msgs.Time{Sec: 1234, Nanosec: 500000000}
	waitFor(t, "sim time", 5*time.Second, func() bool {
		pub.Publish(&msgs.Clock{Clock: want})
		return n.Clock().Now() == want
	})
	l := listenRosout(t, dom)
	slog.New(r.Handler()).Warn("in sim time")
	waitFor(t, "the Log", 10*time.Second, func() bool { logs, _ := l.snapshot(); return len(logs) == 1 })
	if logs, _ := l.snapshot(); logs[0].Stamp != want || logs[0].Name != "sim" || logs[0].Level != msgs.LogWarn {
		t.Errorf("Log %+v, want stamp %v name sim level 30", logs[0], want)
	}
}
