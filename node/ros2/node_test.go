package ros2

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

var domainSeq atomic.Int32

// testDomain gives each test its own DDS domain, derived from the PID so that concurrent test
// runs on one host rarely meet (tests also check payloads, not only counts).
func testDomain() *int {
	d := (os.Getpid()*7+int(domainSeq.Add(1)))%200 + 1
	return &d
}

func newTestNode(t *testing.T, name, ns string, domain *int, args *Args) *Node {
	t.Helper()
	n, err := NewNode(NodeOptions{Name: name, Namespace: ns, DomainID: domain, Args: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testImage(w, h int, frame string, stamp msgs.Time) *msgs.Image {
	img := &msgs.Image{Header: msgs.Header{Stamp: stamp, FrameID: frame}, Width: uint32(w), Height: uint32(h),
		Encoding: "rgb8", Step: uint32(3 * w), Data: make([]byte, 3*w*h)}
	for i := range img.Data {
		img.Data[i] = byte(i*7 + i/613)
	}
	return img
}

// TestPubSubLoopback: two of our nodes on one domain exchange a large image and a small
// message, with remapping, under both reliabilities; matched counts follow.
func TestPubSubLoopback(t *testing.T) {
	for _, qos := range []QoS{QoSDefault, QoSSensorData} {
		t.Run(qos.Reliability.String(), func(t *testing.T) {
			dom := testDomain()
			args, _, err := ParseArgs([]string{"--ros-args", "-r", "image:=/cam/image_raw"})
			if err != nil {
				t.Fatal(err)
			}
			pubNode := newTestNode(t, "talker", "/", dom, nil)
			subNode := newTestNode(t, "listener", "/ns", dom, args)
			var mu sync.Mutex
			var got []*msgs.Image
			sub, err := subNode.Subscribe("image", "sensor_msgs/msg/Image", QoSSensorData, func(data []byte, info SampleInfo) {
				m := &msgs.Image{}
				if err := m.UnmarshalCDR(data); err != nil {
					t.Errorf("decoding: %v", err)
					return
				}
				if info.SourceTimestamp.IsZero() || info.Received.Before(info.SourceTimestamp.Add(-time.Minute)) {
					t.Errorf("sample info %+v", info)
				}
				mu.Lock()
				got = append(got, m)
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			if sub.Topic() != "/cam/image_raw" {
				t.Fatalf("subscription topic %s, want /cam/image_raw (remapped)", sub.Topic())
			}
			pub, err := pubNode.NewPublisher("/cam/image_raw", "sensor_msgs/msg/Image", qos)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the publisher to match", 5*time.Second, func() bool {
				c, err := pub.MatchedSubscriptions()
				return err == nil && c >= 1
			})
			waitFor(t, "the subscription to match", 5*time.Second, func() bool {
				c, err := sub.MatchedPublishers()
				return err == nil && c >= 1
			})
			want := testImage(640, 192, "camera_optical", msgs.Time{Sec: 12, Nanosec: 345})
			if err := pub.Publish(&msgs.CameraInfo{}); err == nil || !strings.Contains(err.Error(), "CameraInfo") {
				t.Fatalf("publishing the wrong type: %v", err)
			}
			waitFor(t, "an image", 5*time.Second, func() bool {
				if err := pub.Publish(want); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				defer mu.Unlock()
				return len(got) > 0
			})
			mu.Lock()
			m := got[0]
			mu.Unlock()
			if m.Width != 640 || m.Height != 192 || m.Encoding != "rgb8" || m.Header != want.Header || !bytes.Equal(m.Data, want.Data) {
				t.Fatalf("received %dx%d %s %+v, data equal %v", m.Width, m.Height, m.Encoding, m.Header, bytes.Equal(m.Data, want.Data))
			}
		})
	}
}

// TestCloseStopsCallbacksAndLeaksNothing: Close while a publisher floods; no callback after
// Close returns, every goroutine and serdata gone, Close twice is fine, calls after Close fail.
func TestCloseStopsCallbacksAndLeaksNothing(t *testing.T) {
	baseGoroutines := runtime.NumGoroutine()
	dom := testDomain()
	a, err := NewNode(NodeOptions{Name: "a", DomainID: dom})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewNode(NodeOptions{Name: "b", DomainID: dom, UseSimTime: true})
	if err != nil {
		t.Fatal(err)
	}
	var calls, afterClose atomic.Int64
	var closed atomic.Bool
	for _, topic := range []string{"x", "y"} {
		if _, err := b.Subscribe("/"+topic, "std_msgs/msg/Header", QoSDefault, func([]byte, SampleInfo) {
			if closed.Load() {
				afterClose.Add(1)
			}
			calls.Add(1)
			time.Sleep(time.Millisecond)
		}); err != nil {
			t.Fatal(err)
		}
	}
	px, err := a.NewPublisher("/x", "std_msgs/msg/Header", QoSDefault)
	if err != nil {
		t.Fatal(err)
	}
	py, err := a.NewPublisher("/y", "std_msgs/msg/Header", QoSDefault)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, p := range []*Publisher{px, py} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := &msgs.Header{FrameID: "f"}
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := p.Publish(h); err != nil {
					return
				}
			}
		}()
	}
	waitFor(t, "callbacks", 5*time.Second, func() bool { return calls.Load() > 20 })
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
	time.Sleep(50 * time.Millisecond)
	if n := afterClose.Load(); n != 0 {
		t.Fatalf("%d callbacks after Close returned", n)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := b.Subscribe("/z", "std_msgs/msg/Header", QoSDefault, func([]byte, SampleInfo) {}); err != ErrClosed {
		t.Fatalf("Subscribe after Close: %v, want ErrClosed", err)
	}
	close(stop)
	wg.Wait()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := px.Publish(&msgs.Header{}); err != ErrClosed {
		t.Fatalf("Publish after Close: %v, want ErrClosed", err)
	}
	waitFor(t, "goroutines to end", 2*time.Second, func() bool { return runtime.NumGoroutine() <= baseGoroutines })
	if n := blobLive(); n != 0 {
		t.Fatalf("%d blob serdata alive after every participant was deleted", n)
	}
}

// TestSubscriptionCloseAndConcurrentPublish exercises Publish from many goroutines and closing a
// subscription and a publisher while the node lives (run with -race).
func TestSubscriptionCloseAndConcurrentPublish(t *testing.T) {
	dom := testDomain()
	n := newTestNode(t, "solo", "/", dom, nil)
	var calls atomic.Int64
	sub, err := n.Subscribe("~/chatter", "std_msgs/msg/Header", QoSDefault, func(data []byte, _ SampleInfo) { calls.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if sub.Topic() != "/solo/chatter" {
		t.Fatalf("topic %s", sub.Topic())
	}
	pub, err := n.NewPublisher("~/chatter", "std_msgs/msg/Header", QoSDefault)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				pub.Publish(&msgs.Header{FrameID: "x"})
				pub.PublishRaw([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'y', 0})
			}
		}()
	}
	waitFor(t, "callbacks", 5*time.Second, func() bool { return calls.Load() > 0 })
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	after := calls.Load()
	wg.Wait()
	time.Sleep(20 * time.Millisecond)
	if calls.Load() != after {
		t.Fatal("callbacks after Subscription.Close")
	}
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(&msgs.Header{}); err != ErrClosed {
		t.Fatalf("Publish after Close: %v", err)
	}
	if err := pub.PublishRaw([]byte{1, 2}); err == nil {
		t.Fatal("PublishRaw without a CDR header succeeded")
	}
}

// TestSimClock: with use_sim_time the clock follows /clock.
func TestSimClock(t *testing.T) {
	dom := testDomain()
	args, _, err := ParseArgs([]string{"--ros-args", "-p", "use_sim_time:=true"})
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNode(t, "sim", "/", dom, args)
	if !n.Clock().SimTime() || n.Clock().Now() != (msgs.Time{}) {
		t.Fatalf("sim clock %v at %v, want on at zero", n.Clock().SimTime(), n.Clock().Now())
	}
	src := newTestNode(t, "clock_source", "/", dom, nil)
	pub, err := src.NewPublisher("/clock", "rosgraph_msgs/msg/Clock", QoSClock)
	if err != nil {
		t.Fatal(err)
	}
	want := msgs.Time{Sec: 42, Nanosec: 7}
	waitFor(t, "sim time", 5*time.Second, func() bool {
		pub.Publish(&msgs.Clock{Clock: want})
		return n.Clock().Now() == want
	})
	wall := newTestNode(t, "wall", "/", dom, nil)
	if wall.Clock().SimTime() || time.Since(wall.Clock().Now().GoTime()).Abs() > time.Second {
		t.Fatalf("wall clock %v", wall.Clock().Now())
	}
}

// TestSubscriptionCloseRacingNodeCloseFreesTheReader: a subscription closed while its node closes
// frees its C reader whichever Close gets there first (it leaked when the node won the race). The
// hook puts the node's Close exactly in the subscription's window once; the loop then races them.
func TestSubscriptionCloseRacingNodeCloseFreesTheReader(t *testing.T) {
	domain := testDomain()
	{
		n, err := NewNode(NodeOptions{Name: "racer", DomainID: domain})
		if err != nil {
			t.Fatalf("%v (run make setup)", err)
		}
		s, err := n.Subscribe("race", "std_msgs/msg/String", QoSDefault, func([]byte, SampleInfo) {})
		if err != nil {
			t.Fatal(err)
		}
		testHookSubscriptionStopped = func(n *Node) { n.Close() }
		s.Close()
		testHookSubscriptionStopped = nil
		if live := n.liveReaders.Load(); live != 0 {
			t.Fatalf("the node closed inside Subscription.Close: %d C readers left allocated", live)
		}
	}
	for i := 0; i < 20; i++ {
		n, err := NewNode(NodeOptions{Name: "racer", DomainID: domain})
		if err != nil {
			t.Fatalf("%v (run make setup)", err)
		}
		var subs []*Subscription
		for k := 0; k < 4; k++ {
			s, err := n.Subscribe(fmt.Sprintf("race%d", k), "std_msgs/msg/String", QoSDefault, func([]byte, SampleInfo) {})
			if err != nil {
				t.Fatal(err)
			}
			subs = append(subs, s)
		}
		var wg sync.WaitGroup
		for _, s := range subs {
			wg.Add(1)
			go func() { defer wg.Done(); s.Close() }()
		}
		n.Close()
		wg.Wait()
		if live := n.liveReaders.Load(); live != 0 {
			t.Fatalf("round %d: %d C readers still allocated after every subscription and the node closed", i, live)
		}
	}
}

// TestSubscribeIntoCopiesOnceWithoutAllocating: 1280×720 rgb8 images over DDS received with
// SubscribeInto into one reused buffer arrive intact, and the receiving side allocates nothing per
// image, where Subscribe allocates a new 2.7 MB slice for each (counted over the same images).
func TestSubscribeIntoCopiesOnceWithoutAllocating(t *testing.T) {
	dom := testDomain()
	n := newTestNode(t, "receiver", "/", dom, nil)
	img := &msgs.Image{Header: msgs.Header{FrameID: "cam"}, Width: 1280, Height: 720, Encoding: "rgb8", Step: 3 * 1280}
	img.Data = make([]byte, 3*1280*720)
	for i := range img.Data {
		img.Data[i] = byte(i * 7)
	}
	const images = 40
	rel := QoS{Reliability: Reliable, Durability: Volatile, Depth: images}
	var mu sync.Mutex
	buf := make([]byte, 0, 4<<20)
	var got, bad int
	var last msgs.Image
	done := make(chan struct{}, images)
	_, err := n.SubscribeInto("big", "sensor_msgs/msg/Image", rel, func(size int, fill func([]byte)) {
		mu.Lock()
		defer mu.Unlock()
		buf = buf[:size]
		fill(buf)
		if last.UnmarshalCDR(buf) != nil || len(last.Data) != len(img.Data) || last.Data[12345] != img.Data[12345] {
			bad++
		}
		got++
		done <- struct{}{}
	})
	if err != nil {
		t.Fatal(err)
	}
	var copies atomic.Int64
	if _, err := n.Subscribe("big", "sensor_msgs/msg/Image", rel, func(data []byte, _ SampleInfo) { copies.Add(1) }); err != nil {
		t.Fatal(err)
	}
	pub, err := n.NewPublisher("big", "sensor_msgs/msg/Image", rel)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two matched readers", 10*time.Second, func() bool { c, _ := pub.MatchedSubscriptions(); return c == 2 })
	payload := img.MarshalCDR(nil)
	// Warm up, then count what the receiving goroutines allocate over the measured images (the
	// publisher's PublishRaw allocates nothing in Go: C copies the payload).
	pub.PublishRaw(payload)
	<-done
	waitFor(t, "the warm-up image on both readers", 5*time.Second, func() bool { return copies.Load() == 1 })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < images; i++ {
		if err := pub.PublishRaw(payload); err != nil {
			t.Fatal(err)
		}
		<-done
	}
	waitFor(t, "every image on the copying reader", 10*time.Second, func() bool { return copies.Load() == images+1 })
	runtime.ReadMemStats(&after)
	mu.Lock()
	defer mu.Unlock()
	if bad > 0 || got != images+1 {
		t.Fatalf("%d images received, %d damaged", got, bad)
	}
	bytesPer := float64(after.TotalAlloc-before.TotalAlloc) / images
	t.Logf("per image: %.0f bytes allocated in all (the copying reader's slice is %d)", bytesPer, len(payload))
	// Everything allocated is the copying Subscribe's one slice per image, and little else: the
	// SubscribeInto reader adds nothing.
	if bytesPer > float64(len(payload))+64<<10 || bytesPer < float64(len(payload)) {
		t.Fatalf("%.0f bytes allocated per image; want one payload (%d) from Subscribe and nothing from SubscribeInto", bytesPer, len(payload))
	}
}
