package ros2

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

const fastDDSSetupHint = "run make setup (Debian packages libfastrtps-dev fastddsgen g++)"

// fastDDSPeer builds testdata/fastdds/peer.cpp with fastddsgen's code for ros2_msgs.idl against
// Fast DDS, or reuses the build cached under <repo>/build/ros2-fastdds-peer/<hash of the sources
// and the Fast DDS version>.
func fastDDSPeer(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"fastddsgen", "g++"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: %s", tool, fastDDSSetupHint)
		}
	}
	for _, h := range []string{"/usr/include/fastdds/dds/domain/DomainParticipant.hpp", "/usr/include/fastcdr/Cdr.h"} {
		if _, err := os.Stat(h); err != nil {
			t.Fatalf("Fast DDS headers missing (%s): %s", h, fastDDSSetupHint)
		}
	}
	// The version header (Debian puts it under the multiarch include folder) keys the cache.
	versions, _ := filepath.Glob("/usr/include/*/fastrtps/config.h")
	if v, _ := filepath.Glob("/usr/include/fastrtps/config.h"); len(v) > 0 {
		versions = v
	}
	if len(versions) == 0 {
		t.Fatalf("Fast DDS fastrtps/config.h not found: %s", fastDDSSetupHint)
	}
	versionHeader := versions[0]
	sources := []string{"ros2_msgs.idl", "peer.cpp"}
	sum := sha256.New()
	for _, f := range append(sources, versionHeader) {
		path := f
		if !filepath.IsAbs(f) {
			path = filepath.Join("testdata", "fastdds", f)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(sum, "%s %d\n", f, len(b))
		sum.Write(b)
	}
	key := hex.EncodeToString(sum.Sum(nil))[:16]
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cached := filepath.Join(root, "build", "ros2-fastdds-peer", key, "peer")
	if _, err := os.Stat(cached); err == nil {
		return cached
	}

	dir := t.TempDir()
	for _, f := range sources {
		b, err := os.ReadFile(filepath.Join("testdata", "fastdds", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s\n(%s)", name, strings.Join(args, " "), err, out, fastDDSSetupHint)
		}
	}
	run("fastddsgen", "-replace", "ros2_msgs.idl")
	run("g++", "-O1", "-std=c++14", "-o", "peer", "peer.cpp", "ros2_msgs.cxx", "ros2_msgsPubSubTypes.cxx", "-lfastrtps", "-lfastcdr")
	built := filepath.Join(dir, "peer")
	// Cache it for the next run; a failure to cache only costs a rebuild next time.
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err == nil {
		if b, err := os.ReadFile(built); err == nil {
			tmp := cached + fmt.Sprintf(".%d", os.Getpid())
			if os.WriteFile(tmp, b, 0o755) == nil && os.Rename(tmp, cached) == nil {
				return cached
			}
			os.Remove(tmp)
		}
	}
	return built
}

// peerProcess runs the Fast DDS peer; closing stdin asks it to stop.
type peerProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr bytes.Buffer
	done   chan struct{} // closed when the process has exited; then err is its exit error
	err    error
}

func startPeer(t *testing.T, bin string, args ...string) *peerProcess {
	t.Helper()
	p := &peerProcess{cmd: exec.Command(bin, args...), lines: make(chan string, 100), done: make(chan struct{})}
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
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	go func() {
		wg.Wait()
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func imageChecksum(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf("%016x", h.Sum64())
}

// TestFastDDSPublisherToOurSubscription: a Fast DDS writer (fastddsgen types, as rmw_fastrtps
// would have it) of a 320x240 rgb8 Image on rt/cam/image_raw reaches our subscription, with
// reliable and with best-effort writer and reader.
func TestFastDDSPublisherToOurSubscription(t *testing.T) {
	bin := fastDDSPeer(t)
	for _, qos := range []QoS{{Reliability: Reliable, Durability: Volatile, Depth: 5}, {Reliability: BestEffort, Durability: Volatile, Depth: 5}} {
		t.Run(qos.Reliability.String(), func(t *testing.T) {
			dom := testDomain()
			n := newTestNode(t, "listener", "/", dom, nil)
			got := make(chan *msgs.Image, 1)
			if _, err := n.Subscribe("/cam/image_raw", "sensor_msgs/msg/Image", qos, func(data []byte, _ SampleInfo) {
				m := &msgs.Image{}
				if err := m.UnmarshalCDR(data); err != nil {
					t.Errorf("decoding Fast DDS's Image: %v", err)
					return
				}
				select {
				case got <- m:
				default:
				}
			}); err != nil {
				t.Fatal(err)
			}
			peer := startPeer(t, bin, "pub", fmt.Sprint(*dom), qos.Reliability.String(), "10")
			var m *msgs.Image
			select {
			case m = <-got:
			case <-peer.done:
				t.Fatalf("Fast DDS peer exited: %v\n%s", peer.err, peer.stderr.String())
			case <-time.After(8 * time.Second):
				t.Fatalf("no image from the Fast DDS publisher in 8 s")
			}
			want := testImage(320, 240, "fastdds_cam", msgs.Time{Sec: 100})
			if m.Width != 320 || m.Height != 240 || m.Encoding != "rgb8" || m.Step != 960 || m.IsBigEndian != 0 {
				t.Fatalf("image %dx%d %s step %d big-endian %d", m.Width, m.Height, m.Encoding, m.Step, m.IsBigEndian)
			}
			if m.Header.FrameID != "fastdds_cam" || m.Header.Stamp.Sec != 100 {
				t.Fatalf("header %+v", m.Header)
			}
			if !bytes.Equal(m.Data, want.Data) {
				t.Fatalf("image data differs (%d bytes, want %d)", len(m.Data), len(want.Data))
			}
		})
	}
}

// TestOurPublisherToFastDDSSubscriber: a Fast DDS reader receives our Image (640x192 rgb8, so
// fragmented) and nav_msgs Odometry, with reliable and best-effort readers against our
// reliable writers.
func TestOurPublisherToFastDDSSubscriber(t *testing.T) {
	bin := fastDDSPeer(t)
	for _, rel := range []Reliability{Reliable, BestEffort} {
		t.Run(rel.String(), func(t *testing.T) {
			dom := testDomain()
			peer := startPeer(t, bin, "sub", fmt.Sprint(*dom), rel.String(), "10")
			select {
			case l := <-peer.lines:
				if l != "ready" {
					t.Fatalf("peer said %q", l)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Fast DDS peer not ready: %s", peer.stderr.String())
			}
			n := newTestNode(t, "ssmde", "/", dom, nil)
			ip, err := n.NewPublisher("~/depth", "sensor_msgs/msg/Image", QoSDefault)
			if err != nil {
				t.Fatal(err)
			}
			op, err := n.NewPublisher("~/odom", "nav_msgs/msg/Odometry", QoSDefault)
			if err != nil {
				t.Fatal(err)
			}
			img := testImage(640, 192, "camera_optical", msgs.Time{Sec: 55, Nanosec: 66})
			odom := &msgs.Odometry{Header: msgs.Header{Stamp: msgs.Time{Sec: 77, Nanosec: 88}, FrameID: "odom"}, ChildFrameID: "camera_optical"}
			odom.Pose.Pose.Position = msgs.Point{X: 1.5, Y: -2.25, Z: 3.125}
			odom.Pose.Pose.Orientation = msgs.Quaternion{X: 0, Y: 0, Z: 0.6, W: 0.8}
			odom.Pose.Covariance[0], odom.Pose.Covariance[35] = 0.01, 0.5
			odom.Twist.Twist.Linear = msgs.Vector3{X: 0.75}
			odom.Twist.Twist.Angular = msgs.Vector3{Z: -0.125}
			odom.Twist.Covariance[7] = 0.25
			wantImage := fmt.Sprintf("image 640 192 rgb8 0 1920 55 66 camera_optical %d %s", len(img.Data), imageChecksum(img.Data))
			wantOdom := "odom odom camera_optical 77 88 1.5 -2.25 3.125 0 0 0.6 0.8 0.01 0.5 0.75 0 0 0 0 -0.125 0.25"

			var lines []string
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			timeout := time.After(8 * time.Second)
		loop:
			for {
				select {
				case <-tick.C:
					if err := ip.Publish(img); err != nil {
						t.Fatal(err)
					}
					if err := op.Publish(odom); err != nil {
						t.Fatal(err)
					}
				case l, ok := <-peer.lines:
					if !ok {
						break loop
					}
					lines = append(lines, l)
				case <-timeout:
					t.Fatalf("Fast DDS subscriber got %q in 8 s\n%s", lines, peer.stderr.String())
				}
			}
			<-peer.done
			if peer.err != nil {
				t.Fatalf("Fast DDS subscriber: %v\n%s", peer.err, peer.stderr.String())
			}
			var sawImage, sawOdom bool
			for _, l := range lines {
				switch {
				case strings.HasPrefix(l, "image "):
					sawImage = true
					if l != wantImage {
						t.Errorf("Fast DDS read\n%s\nwant\n%s", l, wantImage)
					}
				case strings.HasPrefix(l, "odom "):
					sawOdom = true
					if l != wantOdom {
						t.Errorf("Fast DDS read\n%s\nwant\n%s", l, wantOdom)
					}
				}
			}
			if !sawImage || !sawOdom {
				t.Fatalf("Fast DDS subscriber printed %q", lines)
			}
		})
	}
}
