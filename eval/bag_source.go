package eval

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// BagTopics names the topics of a recording. Empty Image picks the recording's first camera image
// topic; empty ground-truth topics are not used; "auto" uses the topic `ssmde sim --bag` records
// when the recording has it.
type BagTopics struct {
	Image      string // sensor_msgs/Image or CompressedImage
	CameraInfo string
	Depth      string // ground-truth depth image: 32FC1 metres or 16UC1 millimetres
	Mask       string // motion mask, mono8, non-zero = moving
	Odom       string // ground-truth nav_msgs/Odometry
	// Lidar is a sensor_msgs/PointCloud2 topic projected into the camera as sparse ground-truth
	// depth (instead of Depth; an "auto" Depth is then not used).
	Lidar string
}

// BagOptions is everything OpenBagWith needs beyond the topics.
type BagOptions struct {
	BagTopics
	// TF and TFStatic are the transform topics (default "/tf" and "/tf_static"); they are read
	// only when a LiDAR extrinsic or a TF trajectory is needed.
	TF, TFStatic string
	// LidarMaxDT is how far a cloud's stamp may be from an image's to be its ground truth
	// (default 50 ms); the nearest cloud wins.
	LidarMaxDT time.Duration
	// LidarToCamera, when set, is the LiDAR frame's pose in the camera optical frame (it maps
	// cloud points into the camera frame) and replaces the one the recording's TF gives.
	LidarToCamera *Pose
	// LidarAsSparse makes the projected LiDAR the frame's metric samples for the sparse_depth
	// scale mode (Frame.Sparse) instead of its ground truth, which then comes from Depth.
	LidarAsSparse bool
	// GTTFChild, when set, takes the ground-truth trajectory from TF instead of Odom: the pose
	// of the image's frame (header.frame_id) in GTTFParent (default: GTTFChild's parent) at each
	// image stamp, through GTTFChild and any fixed transforms between it and the camera.
	GTTFChild, GTTFParent string
	// GTTFMaxDT bounds the TF lookup (default 100 ms): the pose is interpolated between the two
	// samples around the image stamp when they are at most 2·GTTFMaxDT apart, else taken from the
	// nearest sample within GTTFMaxDT; an image with neither has no GT pose.
	GTTFMaxDT time.Duration
}

// syncWindowNS is how far past an image's log time the reader looks for its ground truth (GT
// messages carry the image's header stamp but may be logged a little later).
const syncWindowNS = int64(500e6)

// BagSource yields the frames of a recording with the ground truth stamped like each image.
type BagSource struct {
	r      bag.Reader
	it     bag.Iterator
	name   string
	topics BagTopics
	count  int

	queue   []*bag.Message // images not yet emitted, in log order
	infos   map[int64]*calibration.Camera
	lastCam *calibration.Camera
	depths  map[int64]*msgs.Image
	masks   map[int64]*msgs.Image
	odoms   map[int64]Pose
	clouds  []stampedCloud // sorted by stamp
	tf      *TFTree
	opts    BagOptions
	window  int64 // how far past an image's log time its ground truth may be logged
	index   int
	done    bool
	err     error
	lastLog int64
	tfPoses int // frames that got a GT pose from TF (--gt-tf-child)
}

// stampedCloud is a LiDAR cloud waiting for the image it is nearest to.
type stampedCloud struct {
	stamp int64
	cloud *msgs.PointCloud2
}

// OpenBag opens an MCAP file, a rosbag2 folder or a ROS 1 bag and checks that the topics exist.
func OpenBag(path string, topics BagTopics) (*BagSource, error) {
	return OpenBagWith(path, BagOptions{BagTopics: topics})
}

// OpenBagWith is OpenBag with the LiDAR and TF ground-truth options.
func OpenBagWith(path string, opts BagOptions) (*BagSource, error) {
	topics := opts.BagTopics
	if topics.Lidar != "" && topics.Depth == "auto" && !opts.LidarAsSparse {
		topics.Depth = ""
	}
	if opts.GTTFChild != "" && topics.Odom == "auto" {
		topics.Odom = ""
	}
	if opts.LidarAsSparse && topics.Lidar == "" {
		return nil, fmt.Errorf("%s: --lidar-as-sparse needs --lidar-topic", path)
	}
	if topics.Lidar != "" && topics.Depth != "" && !opts.LidarAsSparse {
		return nil, fmt.Errorf("%s: --lidar-topic %s and --depth-topic %s both give ground-truth depth; use one (--depth-topic \"\")", path, topics.Lidar, topics.Depth)
	}
	if opts.GTTFChild != "" && topics.Odom != "" {
		return nil, fmt.Errorf("%s: --gt-tf-child %s and --odom-topic %s both give the ground-truth trajectory; use one (--odom-topic \"\")", path, opts.GTTFChild, topics.Odom)
	}
	if topics.Lidar != "" && topics.CameraInfo == "" {
		return nil, fmt.Errorf("%s: --lidar-topic needs the camera's intrinsics: set --camera-info-topic", path)
	}
	if opts.TF == "" {
		opts.TF = "/tf"
	}
	if opts.TFStatic == "" {
		opts.TFStatic = "/tf_static"
	}
	if opts.LidarMaxDT <= 0 {
		opts.LidarMaxDT = 50 * time.Millisecond
	}
	if opts.GTTFMaxDT <= 0 {
		opts.GTTFMaxDT = 100 * time.Millisecond
	}
	r, err := bag.Open(path)
	if err != nil {
		return nil, err
	}
	info, err := r.Info()
	if err != nil {
		// A damaged recording has no usable summary: learn its topics from the messages before
		// the damage, which are evaluated; the damage is reported when the replay reaches it.
		if info, err = scanInfo(r); err != nil {
			r.Close()
			return nil, err
		}
	}
	types := map[string]string{}
	var images []string
	for _, t := range info.Topics {
		types[t.Name] = t.Type
		if isImageType(t.Type) && !strings.Contains(t.Name, "depth") && !strings.Contains(t.Name, "mask") {
			images = append(images, t.Name)
		}
	}
	auto := DefaultBagTopics()
	for _, p := range []struct {
		topic *string
		def   string
	}{{&topics.Image, auto.Image}, {&topics.CameraInfo, auto.CameraInfo},
		{&topics.Depth, auto.Depth}, {&topics.Mask, auto.Mask}, {&topics.Odom, auto.Odom}} {
		if *p.topic == "auto" {
			*p.topic = ""
			if _, ok := types[p.def]; ok {
				*p.topic = p.def
			}
		}
	}
	if topics.Image == "" {
		if len(images) == 0 {
			r.Close()
			return nil, fmt.Errorf("%s: no camera image topic (sensor_msgs/Image or CompressedImage); its topics are %s", path, topicList(info))
		}
		topics.Image = images[0]
	}
	check := func(flag, topic string, want ...string) error {
		if topic == "" {
			return nil
		}
		typ, ok := types[topic]
		if !ok {
			return fmt.Errorf("%s: no topic %s (%s); its topics are %s", path, topic, flag, topicList(info))
		}
		for _, w := range want {
			if normType(typ) == w {
				return nil
			}
		}
		return fmt.Errorf("%s: topic %s (%s) is %s, want %s", path, topic, flag, typ, strings.Join(want, " or "))
	}
	for _, c := range []struct {
		flag, topic string
		want        []string
	}{
		{"--image-topic", topics.Image, []string{"sensor_msgs/Image", "sensor_msgs/CompressedImage"}},
		{"--camera-info-topic", topics.CameraInfo, []string{"sensor_msgs/CameraInfo"}},
		{"--depth-topic", topics.Depth, []string{"sensor_msgs/Image"}},
		{"--mask-topic", topics.Mask, []string{"sensor_msgs/Image"}},
		{"--odom-topic", topics.Odom, []string{"nav_msgs/Odometry"}},
		{"--lidar-topic", topics.Lidar, []string{"sensor_msgs/PointCloud2"}},
	} {
		if err := check(c.flag, c.topic, c.want...); err != nil {
			r.Close()
			return nil, err
		}
	}
	opts.BagTopics = topics
	s := &BagSource{r: r, name: path, topics: topics, opts: opts, infos: map[int64]*calibration.Camera{},
		depths: map[int64]*msgs.Image{}, masks: map[int64]*msgs.Image{}, odoms: map[int64]Pose{}, count: -1,
		window: syncWindowNS}
	for _, t := range info.Topics {
		if t.Name == topics.Image {
			s.count = int(t.Count)
		}
	}
	var want []string
	for _, t := range []string{topics.Image, topics.CameraInfo, topics.Depth, topics.Mask, topics.Odom, topics.Lidar} {
		if t != "" {
			want = append(want, t)
		}
	}
	if topics.Lidar != "" {
		s.window += int64(opts.LidarMaxDT)
	}
	if (topics.Lidar != "" && opts.LidarToCamera == nil) || opts.GTTFChild != "" {
		s.tf = NewTFTree()
		_, hasTF := types[opts.TF]
		_, hasStatic := types[opts.TFStatic]
		for _, t := range []string{opts.TF, opts.TFStatic} {
			if typ, ok := types[t]; ok && normType(typ) != "tf2_msgs/TFMessage" {
				r.Close()
				return nil, fmt.Errorf("%s: topic %s is %s, want tf2_msgs/TFMessage", path, t, typ)
			}
		}
		if opts.GTTFChild != "" && !hasTF {
			r.Close()
			return nil, fmt.Errorf("%s: --gt-tf-child %s needs transforms on %s, which the recording lacks; its topics are %s", path, opts.GTTFChild, opts.TF, topicList(info))
		}
		if !hasTF && !hasStatic {
			r.Close()
			return nil, fmt.Errorf("%s: --lidar-topic %s needs the LiDAR → camera transform, but the recording has neither %s nor %s; give it with --lidar-to-camera \"x y z qx qy qz qw\"", path, topics.Lidar, opts.TFStatic, opts.TF)
		}
		if hasStatic {
			// Fixed transforms are read in full first: they may be logged after the first images.
			if err := s.readStatic(opts.TFStatic); err != nil {
				r.Close()
				return nil, err
			}
		}
		if hasTF {
			want = append(want, opts.TF)
			if opts.GTTFChild != "" {
				s.window += int64(opts.GTTFMaxDT)
			}
		}
	}
	if s.it, err = r.Messages(bag.ReadOptions{Topics: want}); err != nil {
		r.Close()
		return nil, err
	}
	return s, nil
}

// readStatic files every transform of the /tf_static topic. A damaged recording keeps what was
// read before the damage (the replay reports the damage).
func (s *BagSource) readStatic(topic string) error {
	it, err := s.r.Messages(bag.ReadOptions{Topics: []string{topic}})
	if err != nil {
		return err
	}
	for {
		m, err := it.Next()
		if err != nil {
			return nil
		}
		dec, err := m.Decode()
		if err != nil {
			return fmt.Errorf("%s: %s at %d: %w", s.name, m.Topic, m.LogTime, err)
		}
		s.tf.Add(dec.(*msgs.TFMessage), true)
	}
}

// DefaultBagTopics are the topics `ssmde sim --bag` records.
func DefaultBagTopics() BagTopics {
	return BagTopics{Image: "/camera/image_raw", CameraInfo: "/camera/camera_info", Depth: "/camera/depth_gt",
		Mask: "/camera/motion_mask", Odom: "/odom_gt"}
}

func normType(t string) string { return strings.Replace(t, "/msg/", "/", 1) }

func isImageType(t string) bool {
	t = normType(t)
	return t == "sensor_msgs/Image" || t == "sensor_msgs/CompressedImage"
}

func topicList(info *bag.Info) string {
	var parts []string
	for _, t := range info.Topics {
		parts = append(parts, t.Name+" ("+t.Type+")")
	}
	return strings.Join(parts, ", ")
}

// Len is the number of image messages.
func (s *BagSource) Len() int { return s.count }

// Topics are the topics the source reads, "auto" resolved.
func (s *BagSource) Topics() BagTopics { return s.topics }

// Name is the recording's path.
func (s *BagSource) Name() string { return s.name }

// Close closes the recording.
func (s *BagSource) Close() error { return s.r.Close() }

// Next returns the next image with its ground truth; after a damaged part, the frames read
// before it, then the error.
func (s *BagSource) Next() (*Frame, error) {
	for {
		if len(s.queue) > 0 && (s.done || s.lastLog-s.queue[0].LogTime > s.window) {
			m := s.queue[0]
			s.queue = s.queue[1:]
			return s.frame(m)
		}
		if s.done {
			if s.err != nil {
				err := s.err
				s.err = nil
				return nil, err
			}
			if s.opts.GTTFChild != "" && s.tfPoses == 0 && s.index > 0 {
				s.tfPoses = -1 // say it once
				return nil, s.noTFPoses()
			}
			return nil, io.EOF
		}
		m, err := s.it.Next()
		if err != nil {
			s.done = true
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			continue
		}
		s.lastLog = m.LogTime
		if err := s.absorb(m); err != nil {
			return nil, err
		}
	}
}

// absorb files one message: images queue up, ground truth is kept by header stamp.
func (s *BagSource) absorb(m *bag.Message) error {
	if m.Topic == s.topics.Image {
		s.queue = append(s.queue, m)
		return nil
	}
	dec, err := m.Decode()
	if err != nil {
		return fmt.Errorf("%s: %s at %d: %w", s.name, m.Topic, m.LogTime, err)
	}
	switch m.Topic {
	case s.topics.CameraInfo:
		info := dec.(*msgs.CameraInfo)
		cam, err := calibration.FromCameraInfo(*info)
		if err != nil {
			return fmt.Errorf("%s: %s at %d: %w", s.name, m.Topic, m.LogTime, err)
		}
		s.infos[info.Header.Stamp.Nanos()] = &cam
		s.lastCam = &cam
	case s.topics.Depth:
		img := dec.(*msgs.Image)
		s.depths[img.Header.Stamp.Nanos()] = img
	case s.topics.Mask:
		img := dec.(*msgs.Image)
		s.masks[img.Header.Stamp.Nanos()] = img
	case s.topics.Odom:
		o := dec.(*msgs.Odometry)
		s.odoms[o.Header.Stamp.Nanos()] = poseOf(o.Pose.Pose)
	case s.topics.Lidar:
		c := dec.(*msgs.PointCloud2)
		st := c.Header.Stamp.Nanos()
		i := sort.Search(len(s.clouds), func(i int) bool { return s.clouds[i].stamp > st })
		s.clouds = append(s.clouds, stampedCloud{})
		copy(s.clouds[i+1:], s.clouds[i:])
		s.clouds[i] = stampedCloud{stamp: st, cloud: c}
	case s.opts.TF:
		if s.tf != nil {
			s.tf.Add(dec.(*msgs.TFMessage), false)
		}
	}
	return nil
}

// frame assembles the frame of one image message and forgets ground truth it no longer needs.
func (s *BagSource) frame(m *bag.Message) (*Frame, error) {
	dec, err := m.Decode()
	if err != nil {
		return nil, fmt.Errorf("%s: %s at %d: %w", s.name, m.Topic, m.LogTime, err)
	}
	f := &Frame{Index: s.index, SourceName: fmt.Sprintf("%s@%d", m.Topic, m.LogTime)}
	s.index++
	var stamp int64
	var frameID string
	switch img := dec.(type) {
	case *msgs.Image:
		f.Image, f.Stamp, stamp, frameID = img, img.Header.Stamp, img.Header.Stamp.Nanos(), img.Header.FrameID
	case *msgs.CompressedImage:
		f.Compressed, f.Stamp, stamp, frameID = img, img.Header.Stamp, img.Header.Stamp.Nanos(), img.Header.FrameID
	}
	if cam, ok := s.infos[stamp]; ok {
		f.Camera = cam
	} else {
		f.Camera = s.lastCam
	}
	if d, ok := s.depths[stamp]; ok {
		if f.GTDepth, err = depthOf(d); err != nil {
			return nil, fmt.Errorf("%s: %s at stamp %d: %w", s.name, s.topics.Depth, stamp, err)
		}
		f.GTW, f.GTH = int(d.Width), int(d.Height)
	}
	if s.topics.Lidar != "" {
		if err := s.lidarDepth(f, stamp, frameID); err != nil {
			return nil, err
		}
	}
	if mk, ok := s.masks[stamp]; ok && f.GTDepth != nil {
		if mk.Encoding != "mono8" || int(mk.Width) != f.GTW || int(mk.Height) != f.GTH || int(mk.Step)*int(mk.Height) > len(mk.Data) || int(mk.Step) < f.GTW {
			return nil, fmt.Errorf("%s: %s at stamp %d: want mono8 %dx%d like the depth, got %s %dx%d", s.name, s.topics.Mask, stamp, f.GTW, f.GTH, mk.Encoding, mk.Width, mk.Height)
		}
		f.Mask = make([]byte, f.GTW*f.GTH)
		for y := 0; y < f.GTH; y++ {
			copy(f.Mask[y*f.GTW:(y+1)*f.GTW], mk.Data[y*int(mk.Step):])
		}
	}
	if p, ok := s.odoms[stamp]; ok {
		f.GTPose = &p
	}
	if s.opts.GTTFChild != "" {
		if err := s.tfPose(f, stamp, frameID); err != nil {
			return nil, err
		}
	}
	for _, mp := range []map[int64]*msgs.Image{s.depths, s.masks} {
		for k := range mp {
			if k <= stamp {
				delete(mp, k)
			}
		}
	}
	for k := range s.odoms {
		if k <= stamp {
			delete(s.odoms, k)
		}
	}
	for k := range s.infos {
		if k < stamp {
			delete(s.infos, k)
		}
	}
	// Later images are stamped later: clouds too old for this one are too old for them, and of
	// a transform's samples before this stamp only the last can still be interpolated from.
	old := 0
	for old < len(s.clouds) && s.clouds[old].stamp < stamp-int64(s.opts.LidarMaxDT) {
		old++
	}
	s.clouds = append(s.clouds[:0], s.clouds[old:]...)
	if s.tf != nil {
		s.tf.prune(stamp - int64(max(s.opts.GTTFMaxDT, s.opts.LidarMaxDT)))
	}
	return f, nil
}

// lidarDepth makes the frame's ground-truth depth from the cloud stamped nearest to the image,
// within LidarMaxDT; a frame without such a cloud (or before the first camera_info) has none.
func (s *BagSource) lidarDepth(f *Frame, stamp int64, cameraFrame string) error {
	best, bestD := -1, int64(s.opts.LidarMaxDT)
	for i, c := range s.clouds {
		d := c.stamp - stamp
		if d < 0 {
			d = -d
		}
		if d <= bestD {
			best, bestD = i, d
		}
	}
	if best < 0 || f.Camera == nil {
		return nil
	}
	c := s.clouds[best].cloud
	w, h := f.Camera.PublishedSize()
	if f.Image != nil {
		w, h = int(f.Image.Width), int(f.Image.Height)
	}
	where := func(err error) error {
		return fmt.Errorf("%s: %s at stamp %d: %w", s.name, s.topics.Lidar, s.clouds[best].stamp, err)
	}
	camFromLidar := IdentityPose()
	if s.opts.LidarToCamera != nil {
		camFromLidar = *s.opts.LidarToCamera
	} else {
		if cameraFrame == "" || c.Header.FrameID == "" {
			return where(fmt.Errorf("the image (frame_id %q) or the cloud (frame_id %q) names no frame, so TF cannot link them; give --lidar-to-camera", cameraFrame, c.Header.FrameID))
		}
		var err error
		if camFromLidar, err = s.tf.Lookup(cameraFrame, c.Header.FrameID, s.clouds[best].stamp, -1); err != nil {
			return where(fmt.Errorf("LiDAR → camera transform: %w; give it with --lidar-to-camera \"x y z qx qy qz qw\"", err))
		}
	}
	depth, _, err := ProjectCloud(nil, w, h, c, camFromLidar, f.Camera)
	if err != nil {
		return where(err)
	}
	if s.opts.LidarAsSparse {
		f.Sparse, f.SparseW, f.SparseH = depth, w, h
		return nil
	}
	f.GTDepth, f.GTW, f.GTH = depth, w, h
	return nil
}

// tfPose sets the frame's ground-truth pose from TF: the camera frame's pose in the trajectory's
// parent frame at the image stamp. Frames the TF samples do not reach have none.
func (s *BagSource) tfPose(f *Frame, stamp int64, cameraFrame string) error {
	if cameraFrame == "" {
		return fmt.Errorf("%s: %s at stamp %d has no header.frame_id, so --gt-tf-child cannot reach it", s.name, s.topics.Image, stamp)
	}
	parent := s.opts.GTTFParent
	if parent == "" {
		var ok bool
		if parent, ok = s.tf.Parent(s.opts.GTTFChild); !ok {
			return nil // not yet published
		}
	}
	p, err := s.tf.Lookup(parent, cameraFrame, stamp, int64(s.opts.GTTFMaxDT))
	if errors.Is(err, ErrTFTime) {
		return nil
	}
	if err != nil {
		if _, known := s.tf.Parent(s.opts.GTTFChild); !known {
			return nil // the trajectory's frames are not published yet
		}
		return fmt.Errorf("%s: ground-truth pose of %s in %s (--gt-tf-child %s): %w", s.name, cameraFrame, parent, s.opts.GTTFChild, err)
	}
	if s.tf.Fixed(parent, cameraFrame) {
		// A GT that cannot move scores any odometry as perfect (ATE 0): refuse it.
		how := "--gt-tf-parent " + parent
		if s.opts.GTTFParent == "" {
			how = fmt.Sprintf("--gt-tf-child %s without --gt-tf-parent takes its parent %s", s.opts.GTTFChild, parent)
		}
		return &optionError{fmt.Sprintf("%s: %s: %s and the camera frame %s are joined only by fixed transforms (%s), so the ground-truth pose never changes; "+
			"name the trajectory's frames: --gt-tf-child <the moving body frame> --gt-tf-parent <the world frame, e.g. odom, map or world>; frames in the recording: %s",
			s.name, how, parent, cameraFrame, s.opts.TFStatic, strings.Join(s.tf.Frames(), ", "))}
	}
	f.GTPose = &p
	if s.tfPoses >= 0 {
		s.tfPoses++
	}
	return nil
}

// noTFPoses is the error for a recording read to its end without one frame reaching --gt-tf-child.
func (s *BagSource) noTFPoses() error {
	frames := "none"
	if s.tf != nil && len(s.tf.Frames()) > 0 {
		frames = strings.Join(s.tf.Frames(), ", ")
	}
	if _, known := s.tf.Parent(s.opts.GTTFChild); !known {
		return &optionError{fmt.Sprintf("%s: --gt-tf-child %s: no transform in %s or %s names that frame as a child, so no frame has a ground-truth pose; frames in the recording: %s",
			s.name, s.opts.GTTFChild, s.opts.TF, s.opts.TFStatic, frames)}
	}
	return &optionError{fmt.Sprintf("%s: --gt-tf-child %s: no image was stamped within --gt-tf-max-dt %v of its transforms, so no frame has a ground-truth pose; frames in the recording: %s",
		s.name, s.opts.GTTFChild, s.opts.GTTFMaxDT, frames)}
}

// depthOf reads a 32FC1 (metres) or 16UC1 (millimetres, 0 invalid) depth image, checking its
// sizes before allocating.
func depthOf(img *msgs.Image) ([]float32, error) {
	w, h := int(img.Width), int(img.Height)
	bpp := map[string]int{"32FC1": 4, "16UC1": 2}[img.Encoding]
	if bpp == 0 {
		return nil, fmt.Errorf("depth encoding %q; want 32FC1 (m) or 16UC1 (mm)", img.Encoding)
	}
	if w <= 0 || h <= 0 || w > 16384 || h > 16384 || int(img.Step) < w*bpp || int64(img.Step)*int64(h) > int64(len(img.Data)) {
		return nil, fmt.Errorf("depth image %dx%d step %d with %d bytes is inconsistent", w, h, img.Step, len(img.Data))
	}
	if img.IsBigEndian != 0 {
		return nil, errors.New("big-endian depth images are not supported")
	}
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		row := img.Data[y*int(img.Step):]
		for x := 0; x < w; x++ {
			if bpp == 4 {
				out[y*w+x] = math.Float32frombits(binary.LittleEndian.Uint32(row[4*x:]))
			} else if v := binary.LittleEndian.Uint16(row[2*x:]); v > 0 {
				out[y*w+x] = float32(v) / 1000
			} else {
				out[y*w+x] = float32(math.NaN())
			}
		}
	}
	return out, nil
}

// poseOf converts a geometry_msgs/Pose into a rotation matrix and translation.
func poseOf(p msgs.Pose) Pose {
	q := p.Orientation
	x, y, z, w := q.X, q.Y, q.Z, q.W
	n := math.Sqrt(x*x + y*y + z*z + w*w)
	if n == 0 {
		w, n = 1, 1
	}
	x, y, z, w = x/n, y/n, z/n, w/n
	return Pose{R: [9]float64{
		1 - 2*(y*y+z*z), 2 * (x*y - z*w), 2 * (x*z + y*w),
		2 * (x*y + z*w), 1 - 2*(x*x+z*z), 2 * (y*z - x*w),
		2 * (x*z - y*w), 2 * (y*z + x*w), 1 - 2*(x*x+y*y),
	}, T: [3]float64{p.Position.X, p.Position.Y, p.Position.Z}}
}

// scanInfo lists the topics of the messages readable before a recording's damage.
func scanInfo(r bag.Reader) (*bag.Info, error) {
	it, err := r.Messages(bag.ReadOptions{})
	if err != nil {
		return nil, err
	}
	info := &bag.Info{}
	index := map[string]int{}
	var firstErr error
	for {
		m, err := it.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				firstErr = err
			}
			break
		}
		i, ok := index[m.Topic]
		if !ok {
			i = len(info.Topics)
			index[m.Topic] = i
			info.Topics = append(info.Topics, bag.TopicInfo{Name: m.Topic, Type: m.Type, Encoding: m.Encoding})
		}
		info.Topics[i].Count++
	}
	if len(info.Topics) == 0 && firstErr != nil {
		return nil, firstErr
	}
	return info, nil
}
