// Package node is the depth node without its middleware: parameters, topics, camera_info
// policies, the latest-frame-wins hand-off between middleware callbacks and inference, outputs
// (depth, camera_info, points, colormap, odometry, TF) and /diagnostics.
//
// A Transport (ROS 2 over DDS in node/ros2, ROS 1 in node/ros1) carries bytes; this package
// decides what to do with them, so both middlewares behave identically.
package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// Output topic names, node-relative except the absolute ones (DESIGN §5).
const (
	TopicDepth     = "depth"
	TopicDepthInfo = "depth/camera_info"
	TopicPoints    = "points"
	TopicOdom      = "odom"
	TopicColormap  = "depth/colormap"
	// image_transport's compressedDepth and compressed (JPEG) forms of depth and colormap,
	// encoded only while someone subscribes.
	TopicCompressedDepth    = "depth/compressedDepth"
	TopicColormapCompressed = "depth/colormap/compressed"
	TopicTF                 = "/tf"
	TopicTFStatic           = "/tf_static"
	TopicDiagnostic         = "/diagnostics"
)

// colormapJPEGQuality is depth/colormap/compressed's JPEG quality (compressed_image_transport's
// default is 80; a colormap is for people, and its smooth bands compress well).
const colormapJPEGQuality = 80

// exactInfoWait is how long a frame waits for its exact-stamp camera_info before being dropped.
const exactInfoWait = 500 * time.Millisecond

// startupInfoWait is how long after start a frame waits for the first camera_info before the node
// concludes there is none and publishes depth without intrinsics.
const startupInfoWait = time.Second

// Node runs the depth pipeline on a camera stream over a Transport.
type Node struct {
	name    string
	params  Params // what the worker runs with: read and changed only by Run's goroutine (and Start before it)
	initial Params // what New got; never changed
	t       Transport
	log     *slog.Logger
	tlog    *throttledLog // per-message warnings (bad inputs): first of each reason, then a summary every few seconds
	model   *models.Model
	pipe    *pipeline.Pipeline
	infos   *CameraInfoStore
	frames  Frames
	stats   Stats

	slot      *LatestSlot
	sparse    *LatestSlot   // the newest sparse depth message (scale_mode sparse_depth)
	infoReady chan struct{} // a camera_info arrived (wakes a frame waiting for its exact stamp)

	pubDepth, pubInfo, pubPoints, pubOdom, pubColormap, pubTF, pubTFStatic, pubDiag Publisher
	pubCompressedDepth, pubColormapJPEG                                             Publisher

	// Worker state: touched only by Run's goroutine.
	buf          []byte    // the frame being processed or waiting for its camera_info
	arrived      time.Time // when it arrived
	waitingSince time.Time // non-zero while it waits for camera_info
	img          msgs.Image
	cimg         msgs.CompressedImage
	screenImg    msgs.Image // screenImage's; touched only under the slot's lock
	cam          calibration.Camera
	odomMsg      msgs.Odometry
	tfMsg        msgs.TFMessage
	cdepth       *pipeline.CompressedDepthEncoder
	cdepthMsg    msgs.CompressedImage
	jpegMsg      msgs.CompressedImage
	lastStamp    float64   // seconds, for the twist's dt
	lastImage    int64     // the last processed image's stamp (ns); 0: none yet
	started      time.Time // when Start subscribed
	staticSent   bool
	warnedNoInfo bool
	warnedScale  bool
	intrNote     string // the last intrinsics note logged (once per distinct note)
	sparseBuf    []byte
	sparseCloud  msgs.PointCloud2
	sparseImage  msgs.Image
	sparsePts    []pipeline.SparsePoint // the newest decoded samples, until a frame uses them
	sparseStamp  msgs.Time
	sparseHave   bool
	sparseFrom   pipeline.Rigid // camera_from_sensor for clouds
	unscaled     string         // the last "no metric scale yet" reason logged

	mu        sync.Mutex // guards what diagnostics read from the worker, and desired/pending
	desired   Params     // the last parameters Reconfigure accepted
	pending   bool       // desired is newer than params: the worker applies it before its next frame
	scale     float64
	scaleNote string
	shift     float64
	fit       pipeline.AffineEstimate
	lastInput time.Time
}

// New opens the model and builds the pipeline. name is the node's name for diagnostics.
func New(name string, p Params, t Transport, log *slog.Logger) (*Node, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	n := &Node{name: name, params: p, initial: p, desired: p, t: t, log: log, tlog: newThrottledLog(log), slot: NewLatestSlot(), sparse: NewLatestSlot(), infoReady: make(chan struct{}, 1),
		frames: Frames{Odom: p.OdomFrame, Base: p.BaseFrame}, sparseFrom: pipeline.Identity()}
	if len(p.SparseToCam) == 7 {
		n.sparseFrom = RigidFromXYZQuat(p.SparseToCam)
	}
	if p.BaseFrame != "" {
		if len(p.BaseToCamera) != 7 {
			return nil, fmt.Errorf("parameter base_frame = %q needs base_to_camera (x y z qx qy qz qw of the camera in it)", p.BaseFrame)
		}
		n.frames.BaseFromCamera = RigidFromXYZQuat(p.BaseToCamera)
	}
	var fixed *calibration.Camera
	if p.CameraInfoPolicy == string(InfoFile) {
		cam, err := calibration.LoadYAML(p.CameraInfoFile)
		if err != nil {
			return nil, fmt.Errorf("parameter camera_info_file: %w", err)
		}
		fixed = &cam
	}
	n.infos = NewCameraInfoStore(CameraInfoPolicy(p.CameraInfoPolicy), fixed)
	modelDir := p.Model
	if modelDir == "" {
		modelDir = DefaultModelDir()
	}
	if modelDir == "" {
		return nil, errors.New("parameter model is empty and no default model is installed; set model:=/path/to/model_folder")
	}
	sc, err := p.SessionConfig()
	if err != nil {
		return nil, err
	}
	sc.Logger = log
	if n.model, err = models.Open(modelDir, sc); err != nil {
		return nil, err
	}
	if n.pipe, err = pipeline.New(p.PipelineConfig(), n.model); err != nil {
		n.model.Close()
		return nil, err
	}
	if n.cdepth, err = pipeline.NewCompressedDepthEncoder(p.CompressedDepthConfig()); err != nil {
		n.pipe.Close()
		n.model.Close()
		return nil, err
	}
	log.Info("model loaded", "model", n.model.String())
	return n, nil
}

// DefaultModelDir finds the installed default model: beside the executable
// (../share/ssmde/models/default in an install, models/default in a checkout) or in the working
// directory's models/default.
func DefaultModelDir() string {
	var candidates []string
	if exe, err := os.Executable(); err == nil {
		d := filepath.Dir(exe)
		candidates = append(candidates,
			filepath.Join(d, "..", "..", "share", "ssmde", "models", "default"), // colcon: lib/ssmde/ssmde
			filepath.Join(d, "..", "share", "ssmde", "models", "default"),
			filepath.Join(d, "..", "models", "default")) // bin/ssmde in a checkout
	}
	candidates = append(candidates, filepath.Join("models", "default"))
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, models.ManifestFile)); err == nil {
			return c
		}
	}
	return ""
}

// Model is the opened model (for logs and tests).
func (n *Node) Model() *models.Model { return n.model }

// Close releases the pipeline and the model (not the transport).
func (n *Node) Close() {
	n.pipe.Close()
	n.model.Close()
}

// Endpoint is one topic the node publishes or subscribes.
type Endpoint struct {
	Topic     string // node-relative or absolute, as given to the Transport
	Type      string // ROS 2 type, "sensor_msgs/msg/Image"
	Publisher bool   // false: a subscription
	QoS       QoS
}

// Endpoints lists every topic the node may publish or subscribe with p, in the order Start
// creates them: the outputs (the switchable ones too, whether on or off, since a runtime
// parameter can turn one on), then the inputs. It is where the node's topics, types and QoS are
// chosen; Start and the middleware's QoS overrides both read it.
func (p Params) Endpoints() []Endpoint {
	out := QoS{Reliable: true, Depth: p.OutputDepth}
	pub := func(topic, typ string, q QoS) Endpoint { return Endpoint{topic, typ, true, q} }
	eps := []Endpoint{
		pub(TopicDepth, "sensor_msgs/msg/Image", out),
		pub(TopicDepthInfo, "sensor_msgs/msg/CameraInfo", out),
		pub(TopicCompressedDepth, "sensor_msgs/msg/CompressedImage", out),
		pub(TopicPoints, "sensor_msgs/msg/PointCloud2", out),
		pub(TopicColormap, "sensor_msgs/msg/Image", out),
		pub(TopicColormapCompressed, "sensor_msgs/msg/CompressedImage", out),
		pub(TopicOdom, "nav_msgs/msg/Odometry", out),
		pub(TopicTF, "tf2_msgs/msg/TFMessage", QoSTF),
	}
	if p.BaseFrame != "" {
		eps = append(eps, pub(TopicTFStatic, "tf2_msgs/msg/TFMessage", QoSTFStatic))
	}
	eps = append(eps, pub(TopicDiagnostic, "diagnostic_msgs/msg/DiagnosticArray", QoS{Reliable: true, Depth: 10}))
	in := QoS{Reliable: p.ImageReliability == "reliable", Depth: 5}
	sub := func(topic, typ string, q QoS) Endpoint { return Endpoint{topic, typ, false, q} }
	if p.ImageTransport == "compressed" {
		eps = append(eps, sub(p.ImageTopic+"/compressed", "sensor_msgs/msg/CompressedImage", in))
	} else {
		eps = append(eps, sub(p.ImageTopic, "sensor_msgs/msg/Image", in))
	}
	if p.ScaleMode == string(pipeline.ScaleSparseDepth) {
		typ := "sensor_msgs/msg/PointCloud2"
		if p.SparseType == "depth" {
			typ = "sensor_msgs/msg/Image"
		}
		eps = append(eps, sub(p.SparseTopic, typ, QoSSensorIn))
	}
	if p.CameraInfoPolicy != string(InfoFile) {
		eps = append(eps, sub(p.CameraInfoTopic, "sensor_msgs/msg/CameraInfo", in))
	}
	return eps
}

// endpoint is p's Endpoint of topic; the node only asks for its own.
func (p Params) endpoint(topic string, publisher bool) Endpoint {
	for _, e := range p.Endpoints() {
		if e.Topic == topic && e.Publisher == publisher {
			return e
		}
	}
	panic(fmt.Sprintf("node: no endpoint %s (publisher %v) in Params.Endpoints", topic, publisher))
}

// Start advertises the outputs and subscribes the inputs. Call Run afterwards.
func (n *Node) Start() error {
	p := n.params
	var err error
	adv := func(topic string) Publisher {
		if err != nil {
			return nil
		}
		e := p.endpoint(topic, true)
		var pub Publisher
		pub, err = n.t.Advertise(e.Topic, e.Type, e.QoS)
		return pub
	}
	subscribe := func(topic string, handle func([]byte)) {
		if err == nil {
			e := p.endpoint(topic, false)
			err = n.t.Subscribe(e.Topic, e.Type, e.QoS, handle)
		}
	}
	// Images go straight from the middleware's buffer into the slot where the transport can.
	subscribeImages := func(topic string) {
		if err != nil {
			return
		}
		e := p.endpoint(topic, false)
		if into, ok := n.t.(IntoSubscriber); ok {
			err = into.SubscribeInto(e.Topic, e.Type, e.QoS, n.slot.PutInto)
			return
		}
		err = n.t.Subscribe(e.Topic, e.Type, e.QoS, n.slot.Put)
	}
	n.pubDepth = adv(TopicDepth)
	n.pubInfo = adv(TopicDepthInfo)
	n.pubCompressedDepth = adv(TopicCompressedDepth)
	if err == nil {
		err = n.advertiseOutputs()
	}
	n.pubDiag = adv(TopicDiagnostic)
	if err != nil {
		return err
	}
	n.started = time.Now()
	if p.ImageTransport == "compressed" {
		subscribeImages(p.ImageTopic + "/compressed")
	} else {
		// Raw images are checked on arrival (CDR layout, then geometry against the encoding, no
		// pixel read): a bad one is counted by its reason and never takes the place of a good
		// frame waiting in the slot, however fast a broken camera sends.
		n.slot.SetScreen(n.screenImage)
		subscribeImages(p.ImageTopic)
	}
	if p.ScaleMode == string(pipeline.ScaleSparseDepth) {
		subscribe(p.SparseTopic, n.sparse.Put)
	}
	if err != nil || p.CameraInfoPolicy == string(InfoFile) {
		return err
	}
	var info msgs.CameraInfo
	var mu sync.Mutex // callbacks of one subscription may run on several middleware threads
	subscribe(p.CameraInfoTopic, func(data []byte) {
		mu.Lock()
		defer mu.Unlock()
		err := n.t.Decode(data, &info)
		if err == nil {
			err = n.infos.Add(&info)
		}
		if err != nil {
			n.stats.BadCameraInfo(err)
			n.tlog.Warn("camera_info dropped", err)
			return
		}
		select {
		case n.infoReady <- struct{}{}:
		default:
		}
	})
	return err
}

// advertiseOutputs creates the publishers of the switchable outputs that are on and have none
// yet: at Start, and when a parameter change turns one on.
func (n *Node) advertiseOutputs() error {
	p := n.params
	var err error
	adv := func(pub *Publisher, topic string) {
		if err != nil || *pub != nil {
			return
		}
		e := p.endpoint(topic, true)
		*pub, err = n.t.Advertise(e.Topic, e.Type, e.QoS)
	}
	if p.PublishPoints {
		adv(&n.pubPoints, TopicPoints)
	}
	if p.PublishColormap != "never" {
		adv(&n.pubColormap, TopicColormap)
		adv(&n.pubColormapJPEG, TopicColormapCompressed)
	}
	if p.PublishOdom {
		adv(&n.pubOdom, TopicOdom)
	}
	if p.PublishTF {
		adv(&n.pubTF, TopicTF)
		if p.BaseFrame != "" {
			adv(&n.pubTFStatic, TopicTFStatic)
		}
	}
	return err
}

// Reconfigure takes new values of runtime parameters (IsRuntimeParam), typed as Params.Set
// takes them, from any goroutine: it checks them all against the running node and either
// accepts them all, to be applied before the next frame, or none, saying why.
func (n *Node) Reconfigure(changes map[string]any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	next := n.desired
	next.SparseToCam, next.BaseToCamera = slices.Clone(next.SparseToCam), slices.Clone(next.BaseToCamera)
	names := make([]string, 0, len(changes))
	for k := range changes {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !IsRuntimeParam(k) {
			return fmt.Errorf("parameter %s is %s", k, ReadOnlyConstraint)
		}
		if err := next.Set(k, changes[k]); err != nil {
			return err
		}
	}
	if err := next.Validate(); err != nil {
		return err
	}
	sparse := string(pipeline.ScaleSparseDepth)
	if (next.ScaleMode == sparse) != (n.initial.ScaleMode == sparse) {
		return fmt.Errorf("parameter scale_mode: switching to or from sparse_depth needs its subscription, made at start-up: restart the node with scale_mode:=%s", next.ScaleMode)
	}
	if _, err := n.pipe.Check(next.PipelineConfig()); err != nil {
		return err
	}
	n.desired, n.pending = next, true
	return nil
}

// applyPending makes the worker run with what Reconfigure last accepted.
func (n *Node) applyPending() {
	n.mu.Lock()
	p, pending := n.desired, n.pending
	n.pending = false
	n.mu.Unlock()
	if !pending {
		return
	}
	if err := n.pipe.Reconfigure(p.PipelineConfig()); err != nil {
		n.log.Error("parameters not applied", "err", err)
		return
	}
	n.params = p
	if err := n.advertiseOutputs(); err != nil {
		n.log.Error("an output turned on by a parameter could not be advertised", "err", err)
	}
	n.log.Info("parameters applied")
}

// Run processes frames until ctx is cancelled, publishing /diagnostics every
// diagnostics_period seconds.
func (n *Node) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Duration(n.params.DiagnosticsRate * float64(time.Second)))
	defer tick.Stop()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			n.publishDiagnostics()
			continue
		case <-retry.C:
		case <-n.infoReady:
		case <-n.slot.Ready():
			if len(n.buf) > 0 {
				// A newer frame replaces one still waiting for its camera_info.
				n.stats.NoCameraInfo()
			}
			var ok bool
			var at time.Time
			n.buf, at, ok = n.slot.Take(n.buf)
			if !ok {
				continue
			}
			n.arrived, n.waitingSince = at, time.Time{}
			n.mu.Lock()
			n.lastInput = at
			n.mu.Unlock()
		}
		if len(n.buf) == 0 {
			continue
		}
		n.applyPending()
		if wait := n.processFrame(); wait > 0 {
			retry.Reset(wait)
			continue
		}
		n.buf = n.buf[:0]
	}
}

// processFrame runs the frame in n.buf. It returns how long to wait before retrying when the
// frame waits for its exact-stamp camera_info (0: the frame is done, published or dropped).
func (n *Node) processFrame() time.Duration {
	var header msgs.Header
	var err error
	compressed := n.params.ImageTransport == "compressed"
	if compressed {
		err = n.t.Decode(n.buf, &n.cimg)
		header = n.cimg.Header
	} else {
		err = n.t.Decode(n.buf, &n.img)
		header = n.img.Header
	}
	if err != nil {
		n.fail(err)
		return 0
	}
	if !n.checkStamp(header.Stamp) {
		return 0
	}
	cam, ok, seen := n.infos.Lookup(header.Stamp)
	var camPtr *calibration.Camera
	if ok {
		n.cam = cam
		camPtr = &n.cam
	} else if seen || time.Since(n.started) < startupInfoWait {
		// Exact policy: its camera_info may still be on its way. At start-up, any policy: the
		// first image may beat the first camera_info (another connection, or TCP on ROS 1).
		if n.waitingSince.IsZero() {
			n.waitingSince = time.Now()
		}
		if left := exactInfoWait - time.Since(n.waitingSince); left > 0 {
			return left
		}
		if seen {
			n.stats.NoCameraInfo()
			n.tlog.Warn("image dropped: no camera_info with its stamp", nil, "stamp", header.Stamp.Nanos(), "waited", exactInfoWait)
			return 0
		}
	}
	if camPtr == nil && !n.warnedNoInfo && !seen {
		n.warnedNoInfo = true
		n.log.Warn("no camera_info received yet: publishing depth without intrinsics (no points, no focal scaling)",
			"topic", n.params.CameraInfoTopic)
	}
	if n.pubColormap != nil && n.params.PublishColormap == "auto" {
		// Render the colormap only while someone looks at it (raw or as JPEG).
		n.pipe.SetColormap(n.pubColormap.Subscribers() > 0 || (n.pubColormapJPEG != nil && n.pubColormapJPEG.Subscribers() > 0))
	}
	if n.params.ScaleMode == string(pipeline.ScaleSparseDepth) {
		n.takeSparse(header.Stamp, camPtr, compressed)
	}
	var res *pipeline.Result
	if compressed {
		res, err = n.pipe.ProcessCompressed(&n.cimg, camPtr)
	} else {
		res, err = n.pipe.ProcessImage(&n.img, camPtr)
	}
	if errors.Is(err, pipeline.ErrScaleUnavailable) {
		// An affine-invariant model without a fit: nothing metric to publish. Say it once per
		// reason (not per frame) and in /diagnostics.
		n.stats.Failure(err)
		n.mu.Lock()
		n.scaleNote = err.Error()
		n.mu.Unlock()
		if msg := err.Error(); msg != n.unscaled {
			n.unscaled = msg
			n.log.Warn("depth not published", "err", err)
		}
		return 0
	}
	if err != nil {
		n.fail(err)
		return 0
	}
	if err := n.publish(res); err != nil {
		n.fail(err)
		return 0
	}
	n.stats.Frame(time.Since(n.arrived))
	return 0
}

// timeJumpBack is how far back an image stamp must go to count as time that jumped (a bag played
// in a loop, a simulator reset) rather than an image out of order.
const timeJumpBack = int64(time.Second)

// checkStamp applies the order of image stamps: an image stamped before the previous one by less
// than timeJumpBack is out of order (dropped, counted, logged throttled); one stamped further back
// means time jumped: odometry restarts at the identity (and /tf_static goes out again), as tf2
// users expect after a jump, with a log line and a counter. Unstamped images (0) are not ordered.
func (n *Node) checkStamp(stamp msgs.Time) bool {
	ns := stamp.Nanos()
	if ns == 0 {
		return true
	}
	if prev := n.lastImage; prev != 0 && ns < prev {
		if prev-ns < timeJumpBack {
			n.stats.OutOfOrder()
			n.tlog.Warn("image dropped: stamped before the previous image", nil, "stamp", ns, "previous", prev)
			return false
		}
		n.stats.TimeJump()
		n.log.Warn("time jumped back: odometry and TF restart from here", "from_s", float64(prev)/1e9, "to_s", float64(ns)/1e9)
		n.pipe.ResetOdometry()
		n.lastStamp, n.staticSent = 0, false
	}
	n.lastImage = ns
	return true
}

// takeSparse hands the pipeline the newest sparse depth message when it is recent enough for the
// frame stamped at; otherwise the pipeline keeps its last fit and says so.
func (n *Node) takeSparse(at msgs.Time, cam *calibration.Camera, compressed bool) {
	if n.takeSparseMessage(cam, compressed) {
		return
	}
	if !n.sparseHave {
		return
	}
	maxAge := int64(n.params.SparseMaxAge * 1e9)
	switch d := at.Nanos() - n.sparseStamp.Nanos(); {
	case d > maxAge: // too old for this frame, and for every later one
		n.sparseHave = false
	case d >= -maxAge:
		n.pipe.SetSparseDepth(n.sparsePts)
		n.sparseHave = false // a message is used for one frame; later frames wait for the next
	}
	// Otherwise it is stamped after this frame: keep it for the frame it belongs to.
}

// takeSparseMessage decodes a newly arrived sparse depth message into n.sparsePts; it reports
// true when the message was bad (logged and counted).
func (n *Node) takeSparseMessage(cam *calibration.Camera, compressed bool) bool {
	var ok bool
	if n.sparseBuf, _, ok = n.sparse.Take(n.sparseBuf); !ok || len(n.sparseBuf) == 0 {
		return false
	}
	w, h := int(n.img.Width), int(n.img.Height)
	if compressed {
		if w, h = n.pipe.LastSourceSize(); w == 0 {
			return false // the first compressed frame: its size is known after decoding
		}
	}
	var stamp msgs.Time
	var err error
	n.sparsePts = n.sparsePts[:0]
	if n.params.SparseType == "depth" {
		if err = n.t.Decode(n.sparseBuf, &n.sparseImage); err == nil {
			stamp = n.sparseImage.Header.Stamp
			n.sparsePts, err = pipeline.SparseFromDepthImage(n.sparsePts, &n.sparseImage, w, h, 4)
		}
	} else {
		if err = n.t.Decode(n.sparseBuf, &n.sparseCloud); err == nil {
			stamp = n.sparseCloud.Header.Stamp
			n.sparsePts, err = pipeline.SparseFromCloud(n.sparsePts, &n.sparseCloud, n.sparseFrom, cam, w, h)
		}
	}
	if err != nil {
		n.stats.Failure(fmt.Errorf("sparse depth on %s: %w", n.params.SparseTopic, err))
		n.tlog.Warn("sparse depth dropped", err, "topic", n.params.SparseTopic)
		n.sparseHave = false
		return true
	}
	n.sparseStamp, n.sparseHave = stamp, true
	return false
}

// screenImage is the image slot's check of a raw image as it arrives (the middleware's callback,
// under the slot's lock): decoded (aliasing data, no pixel copied) and validated; a failure is
// counted and logged like any dropped frame.
func (n *Node) screenImage(data []byte) error {
	err := n.t.Decode(data, &n.screenImg)
	if err == nil {
		err = n.pipe.ValidateImage(&n.screenImg)
	}
	n.screenImg.Data = nil // do not keep the slot's buffer alive through it
	if err != nil {
		n.fail(err)
	}
	return err
}

func (n *Node) fail(err error) {
	n.stats.Failure(err)
	n.tlog.Warn("frame dropped", err)
}

// publish sends one result's messages.
func (n *Node) publish(res *pipeline.Result) error {
	n.mu.Lock()
	n.scale, n.scaleNote, n.shift, n.fit = res.Scale, res.ScaleNote, res.Shift, res.Affine
	n.mu.Unlock()
	n.unscaled = ""
	if res.IntrinsicsNote != "" && res.IntrinsicsNote != n.intrNote {
		n.intrNote = res.IntrinsicsNote
		n.log.Warn(res.IntrinsicsNote)
	}
	if !res.ScaleValid && !n.warnedScale {
		n.warnedScale = true
		n.log.Warn("metric scale: " + res.ScaleNote)
	}
	if err := n.pubDepth.Publish(&res.DepthImage); err != nil {
		return err
	}
	if err := n.pubInfo.Publish(&res.DepthInfo); err != nil {
		return err
	}
	if n.pubPoints != nil && n.params.PublishPoints && res.Points != nil {
		if err := n.pubPoints.Publish(res.Points); err != nil {
			return err
		}
	}
	if n.pubCompressedDepth != nil && n.pubCompressedDepth.Subscribers() > 0 {
		if err := n.cdepth.Encode(&n.cdepthMsg, &res.DepthImage); err != nil {
			return err
		}
		n.stats.CompressedDepth()
		if err := n.pubCompressedDepth.Publish(&n.cdepthMsg); err != nil {
			return err
		}
	}
	if n.pubColormap != nil && res.Colormap != nil && (n.params.PublishColormap == "always" || n.pubColormap.Subscribers() > 0) {
		if err := n.pubColormap.Publish(res.Colormap); err != nil {
			return err
		}
	}
	if n.pubColormapJPEG != nil && res.Colormap != nil && n.params.PublishColormap != "never" && n.pubColormapJPEG.Subscribers() > 0 {
		if err := pipeline.EncodeJPEG(&n.jpegMsg, res.Colormap, colormapJPEGQuality); err != nil {
			return err
		}
		if err := n.pubColormapJPEG.Publish(&n.jpegMsg); err != nil {
			return err
		}
	}
	pubOdom := n.pubOdom != nil && n.params.PublishOdom // a switched-off output keeps its publisher, silent
	pubTF := n.pubTF != nil && n.params.PublishTF
	if pubOdom || pubTF {
		stamp := float64(res.Header.Stamp.Nanos()) / 1e9
		dt := stamp - n.lastStamp
		n.lastStamp = stamp
		var tf *msgs.TFMessage
		if pubTF {
			tf = &n.tfMsg
		}
		OdometryOf(&n.odomMsg, tf, res, n.frames, dt)
		if pubOdom {
			if err := n.pubOdom.Publish(&n.odomMsg); err != nil {
				return err
			}
		}
		if pubTF {
			if err := n.pubTF.Publish(&n.tfMsg); err != nil {
				return err
			}
		}
		if n.pubTFStatic != nil && !n.staticSent {
			n.staticSent = true
			if err := n.pubTFStatic.Publish(StaticCameraTF(res.Header.Stamp, n.frames.Base, res.Header.FrameID, n.frames.BaseFromCamera)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Snapshot returns the node's current statistics.
func (n *Node) Snapshot() Snapshot {
	arrived, dropped := n.slot.Counts()
	snap := n.stats.Snapshot(time.Now(), arrived, dropped)
	n.mu.Lock()
	snap.Scale, snap.ScaleNote, snap.Shift, snap.Fit = n.scale, n.scaleNote, n.shift, n.fit
	if !n.lastInput.IsZero() {
		snap.SecondsSinceLastInput = time.Since(n.lastInput).Seconds()
	}
	n.mu.Unlock()
	snap.Provider, snap.Model = n.model.Provider(), n.model.Manifest.Name
	return snap
}

func (n *Node) publishDiagnostics() {
	n.tlog.Flush()
	snap := n.Snapshot()
	if err := n.pubDiag.Publish(snap.DiagnosticArray(n.t.Now(), n.name, n.model.Manifest.Name)); err != nil {
		n.log.Warn("diagnostics not published", "err", err)
	}
}
