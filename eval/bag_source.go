package eval

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

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
	index   int
	done    bool
	err     error
	lastLog int64
}

// OpenBag opens an MCAP file, a rosbag2 folder or a ROS 1 bag and checks that the topics exist.
func OpenBag(path string, topics BagTopics) (*BagSource, error) {
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
	} {
		if err := check(c.flag, c.topic, c.want...); err != nil {
			r.Close()
			return nil, err
		}
	}
	s := &BagSource{r: r, name: path, topics: topics, infos: map[int64]*calibration.Camera{},
		depths: map[int64]*msgs.Image{}, masks: map[int64]*msgs.Image{}, odoms: map[int64]Pose{}, count: -1}
	for _, t := range info.Topics {
		if t.Name == topics.Image {
			s.count = int(t.Count)
		}
	}
	var want []string
	for _, t := range []string{topics.Image, topics.CameraInfo, topics.Depth, topics.Mask, topics.Odom} {
		if t != "" {
			want = append(want, t)
		}
	}
	if s.it, err = r.Messages(bag.ReadOptions{Topics: want}); err != nil {
		r.Close()
		return nil, err
	}
	return s, nil
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

// Name is the recording's path.
func (s *BagSource) Name() string { return s.name }

// Close closes the recording.
func (s *BagSource) Close() error { return s.r.Close() }

// Next returns the next image with its ground truth; after a damaged part, the frames read
// before it, then the error.
func (s *BagSource) Next() (*Frame, error) {
	for {
		if len(s.queue) > 0 && (s.done || s.lastLog-s.queue[0].LogTime > syncWindowNS) {
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
	switch img := dec.(type) {
	case *msgs.Image:
		f.Image, f.Stamp, stamp = img, img.Header.Stamp, img.Header.Stamp.Nanos()
	case *msgs.CompressedImage:
		f.Compressed, f.Stamp, stamp = img, img.Header.Stamp, img.Header.Stamp.Nanos()
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
		if mk, ok := s.masks[stamp]; ok {
			if mk.Encoding != "mono8" || mk.Width != d.Width || mk.Height != d.Height || int(mk.Step)*int(mk.Height) > len(mk.Data) {
				return nil, fmt.Errorf("%s: %s at stamp %d: want mono8 %dx%d like the depth, got %s %dx%d", s.name, s.topics.Mask, stamp, d.Width, d.Height, mk.Encoding, mk.Width, mk.Height)
			}
			f.Mask = make([]byte, f.GTW*f.GTH)
			for y := 0; y < f.GTH; y++ {
				copy(f.Mask[y*f.GTW:(y+1)*f.GTW], mk.Data[y*int(mk.Step):])
			}
		}
	}
	if p, ok := s.odoms[stamp]; ok {
		f.GTPose = &p
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
	return f, nil
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
