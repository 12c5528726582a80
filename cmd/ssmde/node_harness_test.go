package main

// Helpers of the node's system tests (node_interop_test.go, node_load_test.go,
// node_faults_test.go): the node runs as a real process (this test binary re-executed, see init),
// a Fast DDS peer built from testdata/node_peer plays the ROS 2 graph around it, and our ros2
// package publishes and listens from the test process.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
)

// ntestChildEnv makes this test binary run `ssmde ARGS...` (main's run) instead of the tests, so
// the node is a real process that signals and /proc/PID/status reach.
const ntestChildEnv = "SSMDE_NODE_TEST_CHILD"

func init() {
	if os.Getenv(ntestChildEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}

const ntestSetupHint = "run make setup (Debian packages libfastrtps-dev fastddsgen g++)"

var ntestDomainSeq atomic.Int32

// ntestDomain returns a ROS_DOMAIN_ID for one test, derived from the PID and a per-process
// sequence, in 1..232 and apart from node/ros2's tests' sequence (which use (pid·7+seq)%200+1),
// so that tests and test binaries running at the same time do not hear each other.
func ntestDomain() int {
	return 1 + (os.Getpid()*31+int(ntestDomainSeq.Add(1))*47)%232
}

// ntestWait polls cond every 20 ms until it holds or d passes.
func ntestWait(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// ntestNode is `ssmde node` running as a child process.
type ntestNode struct {
	cmd    *exec.Cmd
	out    syncBuffer // stdout and stderr
	done   chan struct{}
	code   int // exit code, valid after done
	sigErr error
}

// ntestStartNode starts `ssmde node --ros-args -r __ns:=/cam ARGS...` on domain with providers
// cpu. env adds variables (KEY=VALUE). The process is killed when the test ends, and its output
// logged when the test failed.
func ntestStartNode(t *testing.T, domain int, env []string, rosArgs ...string) *ntestNode {
	t.Helper()
	args := append([]string{"node", "--ros-args", "-r", "__ns:=/cam", "-p", "providers:=cpu"}, rosArgs...)
	n := &ntestNode{cmd: exec.Command(os.Args[0], args...), done: make(chan struct{})}
	n.cmd.Env = append(os.Environ(), ntestChildEnv+"=1", fmt.Sprintf("ROS_DOMAIN_ID=%d", domain), "ROS_DISTRO=jazzy")
	n.cmd.Env = append(n.cmd.Env, env...)
	n.cmd.Stdout, n.cmd.Stderr = &n.out, &n.out
	// Should this test binary die without its cleanups (a panic, a -timeout), take the node along.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := n.cmd.Wait()
		n.code = n.cmd.ProcessState.ExitCode()
		if err != nil && n.code == -1 {
			n.sigErr = err
		}
		close(n.done)
	}()
	t.Cleanup(func() {
		select {
		case <-n.done:
		default:
			n.cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			t.Logf("node output:\n%s", n.out.String())
		}
	})
	return n
}

// running reports whether the node process is still alive.
func (n *ntestNode) running() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// stop sends sig and waits up to d for the exit; it returns the exit code and how long it took.
func (n *ntestNode) stop(t *testing.T, sig syscall.Signal, d time.Duration) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := n.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-n.done:
	case <-time.After(d):
		t.Fatalf("node still running %v after %v", d, sig)
	}
	if n.sigErr != nil {
		t.Fatalf("node ended by a signal after %v: %v", sig, n.sigErr)
	}
	return n.code, time.Since(start)
}

// rssKB reads VmRSS of the node process in kB (0 when it cannot be read).
func (n *ntestNode) rssKB() int { return ntestProcStatus(n.cmd.Process.Pid, "VmRSS") }

// ntestProcStatus is the number after "KEY:" in /proc/PID/status (kB for the Vm* keys), 0 if none.
func ntestProcStatus(pid int, key string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == key+":" {
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	return 0
}

// ntestLiteModel is the real lite student at 128×64.
func ntestLiteModel(t *testing.T) string { return testmodel.Ensure(t, testmodel.Lite) }

var ntestPeerMu sync.Mutex

// ntestFastDDSPeer builds testdata/node_peer/peer.cpp with fastddsgen's code for ros2_msgs.idl
// against Fast DDS, or reuses the build cached under <repo>/build/node-fastdds-peer/<hash of the
// sources and the Fast DDS version> (as node/ros2's Fast DDS tests do for theirs).
func ntestFastDDSPeer(t *testing.T) string {
	t.Helper()
	ntestPeerMu.Lock()
	defer ntestPeerMu.Unlock()
	for _, tool := range []string{"fastddsgen", "g++"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: %s", tool, ntestSetupHint)
		}
	}
	for _, h := range []string{"/usr/include/fastdds/dds/domain/DomainParticipant.hpp", "/usr/include/fastcdr/Cdr.h"} {
		if _, err := os.Stat(h); err != nil {
			t.Fatalf("Fast DDS headers missing (%s): %s", h, ntestSetupHint)
		}
	}
	versions, _ := filepath.Glob("/usr/include/*/fastrtps/config.h")
	if v, _ := filepath.Glob("/usr/include/fastrtps/config.h"); len(v) > 0 {
		versions = v
	}
	if len(versions) == 0 {
		t.Fatalf("Fast DDS fastrtps/config.h not found: %s", ntestSetupHint)
	}
	src := filepath.Join("testdata", "node_peer")
	sources := []string{"ros2_msgs.idl", "peer.cpp"}
	sum := sha256.New()
	for _, f := range append([]string{filepath.Join(src, sources[0]), filepath.Join(src, sources[1])}, versions[0]) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(sum, "%s %d\n", filepath.Base(f), len(b))
		sum.Write(b)
	}
	cached := filepath.Join(testmodel.RepoRoot(t), "build", "node-fastdds-peer", hex.EncodeToString(sum.Sum(nil))[:16], "peer")
	if _, err := os.Stat(cached); err == nil {
		return cached
	}
	dir := t.TempDir()
	for _, f := range sources {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runTool := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		return cmd
	}
	if out, err := runTool("fastddsgen", "-replace", "ros2_msgs.idl").CombinedOutput(); err != nil {
		t.Fatalf("fastddsgen: %v\n%s\n(%s)", err, out, ntestSetupHint)
	}
	// Compile the three translation units side by side, then link.
	units := []string{"peer.cpp", "ros2_msgs.cxx", "ros2_msgsPubSubTypes.cxx"}
	errs := make([]error, len(units))
	outs := make([][]byte, len(units))
	var wg sync.WaitGroup
	for i, u := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = runTool("g++", "-O1", "-std=c++14", "-c", "-o", u+".o", u).CombinedOutput()
		}()
	}
	wg.Wait()
	for i := range units {
		if errs[i] != nil {
			t.Fatalf("g++ %s: %v\n%s\n(%s)", units[i], errs[i], outs[i], ntestSetupHint)
		}
	}
	if out, err := runTool("g++", "-o", "peer", "peer.cpp.o", "ros2_msgs.cxx.o", "ros2_msgsPubSubTypes.cxx.o",
		"-lfastrtps", "-lfastcdr").CombinedOutput(); err != nil {
		t.Fatalf("linking the Fast DDS peer: %v\n%s\n(%s)", err, out, ntestSetupHint)
	}
	built := filepath.Join(dir, "peer")
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err == nil {
		if b, err := os.ReadFile(built); err == nil {
			tmp := fmt.Sprintf("%s.%d", cached, os.Getpid())
			if os.WriteFile(tmp, b, 0o755) == nil && os.Rename(tmp, cached) == nil {
				return cached
			}
			os.Remove(tmp)
		}
	}
	return built
}

// ntestPeer is a running Fast DDS peer; every stdout line is kept. Closing stdin stops it.
type ntestPeer struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr syncBuffer
	mu     sync.Mutex
	lines  []string
	done   chan struct{}
	err    error
}

func ntestStartPeer(t *testing.T, bin string, args ...string) *ntestPeer {
	t.Helper()
	return ntestStartPeerEnv(t, nil, bin, args...)
}

// ntestStartPeerEnv is ntestStartPeer with env (KEY=VALUE) added to the peer's environment
// (PEER_ENCLAVE=DIR makes it a DDS Security participant with that SROS2 enclave's keys).
func ntestStartPeerEnv(t *testing.T, env []string, bin string, args ...string) *ntestPeer {
	t.Helper()
	p := &ntestPeer{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
		}
		io.Copy(io.Discard, stdout)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() && p.stderr.String() != "" {
			t.Logf("Fast DDS peer %v stderr:\n%s", args, p.stderr.String())
		}
	})
	ntestWait(t, fmt.Sprintf("Fast DDS peer %v to be ready", args), 20*time.Second, func() bool {
		select {
		case <-p.done:
			t.Fatalf("Fast DDS peer %v exited: %v\n%s", args, p.err, p.stderr.String())
		default:
		}
		return p.count(func(l string) bool { return l == "ready" }) > 0
	})
	return p
}

// stop closes stdin and waits up to 5 s for the peer to exit before killing it.
func (p *ntestPeer) stop() {
	p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *ntestPeer) send(line string) error {
	_, err := io.WriteString(p.stdin, line+"\n")
	return err
}

// snapshot returns the lines printed so far.
func (p *ntestPeer) snapshot() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

func (p *ntestPeer) count(match func(string) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if match(l) {
			n++
		}
	}
	return n
}

func ntestPrefix(kind string) func(string) bool {
	return func(l string) bool { return strings.HasPrefix(l, kind+" ") }
}

// ntestListener is a ROS 2 node of ours in the test process that records the depth node's
// outputs and /diagnostics.
type ntestListener struct {
	n        *ros2.Node
	mu       sync.Mutex
	diag     map[string]string // the last /diagnostics KeyValues of the depth status
	diagMsg  string
	diagLvl  byte
	diagN    int
	depth    []ntestDepth
	points   []msgs.PointCloud2 // Data dropped
	odom     []ntestArrival
	infos    []msgs.CameraInfo
	warnings int // /diagnostics statuses at level WARN seen
}

type ntestDepth struct {
	img  msgs.Image // Data dropped
	at   time.Time  // when it arrived
	lo   float32
	hi   float32
	nFin int
}

type ntestArrival struct {
	stamp msgs.Time
	frame string
	at    time.Time
	pos   msgs.Point // odometry: the pose's position
}

// ntestListen subscribes, on domain, to /diagnostics and to the outputs named in topics
// ("depth", "depth/camera_info", "points", "odom") under /cam, with the QoS a ROS 2 subscriber
// uses by default (reliable, depth 10).
func ntestListen(t *testing.T, domain int, topics ...string) *ntestListener {
	t.Helper()
	n, err := ros2.NewNode(ros2.NodeOptions{Name: "listener", Namespace: "/", DomainID: &domain})
	if err != nil {
		t.Fatal(err)
	}
	l := &ntestListener{n: n}
	t.Cleanup(func() { n.Close() })
	sub := func(topic, typ string, handle func([]byte)) {
		if _, err := n.Subscribe(topic, typ, ros2.QoSDefault, func(data []byte, _ ros2.SampleInfo) { handle(data) }); err != nil {
			t.Fatal(err)
		}
	}
	sub("/diagnostics", "diagnostic_msgs/msg/DiagnosticArray", func(data []byte) {
		var m msgs.DiagnosticArray
		if err := m.UnmarshalCDR(data); err != nil {
			t.Errorf("/diagnostics: %v", err)
			return
		}
		for _, s := range m.Status {
			if !strings.HasSuffix(s.Name, ": depth") {
				continue
			}
			kv := map[string]string{}
			for _, v := range s.Values {
				kv[v.Key] = v.Value
			}
			l.mu.Lock()
			l.diag, l.diagMsg, l.diagLvl = kv, s.Message, s.Level
			l.diagN++
			if s.Level == msgs.DiagnosticWarn {
				l.warnings++
			}
			l.mu.Unlock()
		}
	})
	for _, topic := range topics {
		switch topic {
		case "depth":
			sub("/cam/depth", "sensor_msgs/msg/Image", func(data []byte) {
				var m msgs.Image
				if err := m.UnmarshalCDR(data); err != nil {
					t.Errorf("/cam/depth: %v", err)
					return
				}
				d := ntestDepth{at: time.Now(), lo: float32(1e30), hi: float32(-1e30)}
				if m.Encoding == "32FC1" {
					for i := 0; i+4 <= len(m.Data); i += 4 {
						f := ntestF32(m.Data[i:])
						if !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0) {
							d.nFin++
							d.lo, d.hi = min(d.lo, f), max(d.hi, f)
						}
					}
				}
				m.Data = nil
				d.img = m
				l.mu.Lock()
				l.depth = append(l.depth, d)
				l.mu.Unlock()
			})
		case "depth/camera_info":
			sub("/cam/depth/camera_info", "sensor_msgs/msg/CameraInfo", func(data []byte) {
				var m msgs.CameraInfo
				if err := m.UnmarshalCDR(data); err != nil {
					t.Errorf("/cam/depth/camera_info: %v", err)
					return
				}
				l.mu.Lock()
				l.infos = append(l.infos, m)
				l.mu.Unlock()
			})
		case "points":
			sub("/cam/points", "sensor_msgs/msg/PointCloud2", func(data []byte) {
				var m msgs.PointCloud2
				if err := m.UnmarshalCDR(data); err != nil {
					t.Errorf("/cam/points: %v", err)
					return
				}
				m.Data = nil
				l.mu.Lock()
				l.points = append(l.points, m)
				l.mu.Unlock()
			})
		case "odom":
			sub("/cam/odom", "nav_msgs/msg/Odometry", func(data []byte) {
				at := time.Now()
				var m msgs.Odometry
				if err := m.UnmarshalCDR(data); err != nil {
					t.Errorf("/cam/odom: %v", err)
					return
				}
				l.mu.Lock()
				l.odom = append(l.odom, ntestArrival{stamp: m.Header.Stamp, frame: m.ChildFrameID, at: at, pos: m.Pose.Pose.Position})
				l.mu.Unlock()
			})
		default:
			t.Fatalf("ntestListen: unknown topic %q", topic)
		}
	}
	return l
}

func ntestF32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// diagValue returns the last /diagnostics value of key (ok false before the first message).
func (l *ntestListener) diagValue(key string) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.diag == nil {
		return "", false
	}
	v, ok := l.diag[key]
	return v, ok
}

// diagUint returns a counter from the last /diagnostics (-1 before the first message).
func (l *ntestListener) diagUint(key string) int64 {
	v, ok := l.diagValue(key)
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (l *ntestListener) diagFloat(key string) float64 {
	v, _ := l.diagValue(key)
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

func (l *ntestListener) diagSummary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("level %d %q %v", l.diagLvl, l.diagMsg, l.diag)
}

// depths returns the depth images received so far.
func (l *ntestListener) depths() []ntestDepth {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ntestDepth(nil), l.depth...)
}

func (l *ntestListener) clouds() []msgs.PointCloud2 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]msgs.PointCloud2(nil), l.points...)
}

func (l *ntestListener) depthInfos() []msgs.CameraInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]msgs.CameraInfo(nil), l.infos...)
}

func (l *ntestListener) odoms() []ntestArrival {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ntestArrival(nil), l.odom...)
}

// ntestCamera publishes camera images and camera_info from the test process with our ros2
// package (a Cyclone DDS camera), on /cam/image and /cam/camera_info.
type ntestCamera struct {
	n     *ros2.Node
	img   *ros2.Publisher
	info  *ros2.Publisher
	frame string
}

func ntestNewCamera(t *testing.T, domain int, qos ros2.QoS, frame string) *ntestCamera {
	t.Helper()
	n, err := ros2.NewNode(ros2.NodeOptions{Name: "camera", Namespace: "/cam", DomainID: &domain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c := &ntestCamera{n: n, frame: frame}
	if c.img, err = n.NewPublisher("image", "sensor_msgs/msg/Image", qos); err != nil {
		t.Fatal(err)
	}
	if c.info, err = n.NewPublisher("camera_info", "sensor_msgs/msg/CameraInfo", qos); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitMatched waits until the node's subscriptions have matched the camera's writers.
func (c *ntestCamera) waitMatched(t *testing.T) {
	t.Helper()
	ntestWait(t, "the node to subscribe to /cam/image and /cam/camera_info", 20*time.Second, func() bool {
		a, _ := c.img.MatchedSubscriptions()
		b, _ := c.info.MatchedSubscriptions()
		return a > 0 && b > 0
	})
}

// ntestImage is a w×h rgb8 image with a texture that moves with n.
func ntestImage(w, h, n int, frame string, stamp msgs.Time) *msgs.Image {
	m := &msgs.Image{Header: msgs.Header{Stamp: stamp, FrameID: frame}, Width: uint32(w), Height: uint32(h),
		Encoding: "rgb8", Step: uint32(3 * w), Data: make([]byte, 3*w*h)}
	ntestTexture(m.Data, w, h, n)
	return m
}

func ntestTexture(data []byte, w, h, n int) {
	for y := 0; y < h; y++ {
		row := data[3*w*y:]
		for x := 0; x < w; x++ {
			p := row[3*x:]
			p[0] = byte(x*255/w + 4*n)
			p[1] = byte(y * 255 / h)
			if ((x+n)/8+y/8)&1 == 1 {
				p[2] = 200
			} else {
				p[2] = 40
			}
		}
	}
}

// ntestInfo is a plumb_bob camera_info of a w×h camera with focal lengths fx, fy and the
// principal point at the centre.
func ntestInfo(w, h int, fx, fy float64, frame string, stamp msgs.Time) *msgs.CameraInfo {
	cx, cy := float64(w)/2, float64(h)/2
	return &msgs.CameraInfo{Header: msgs.Header{Stamp: stamp, FrameID: frame}, Width: uint32(w), Height: uint32(h),
		DistortionModel: "plumb_bob", D: []float64{0, 0, 0, 0, 0},
		K: [9]float64{fx, 0, cx, 0, fy, cy, 0, 0, 1}, R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1},
		P: [12]float64{fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0}}
}

// diagCount is how many /diagnostics messages with the node's depth status arrived.
func (l *ntestListener) diagCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.diagN
}
