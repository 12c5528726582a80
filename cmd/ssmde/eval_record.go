package main

import (
	"path"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node"
	"github.com/ssmde/ssmde/pipeline"
)

// predictionRecorder writes what the node would have published for each frame (ssmde eval
// --record): depth, its camera_info, the point cloud, the colour-mapped depth, odometry and TF,
// on the node's topic names under a namespace, each stamped like its input image and logged at
// that stamp, so that the input recording and the prediction open together in Foxglove.
type predictionRecorder struct {
	w          bag.Writer
	ns         string
	frames     node.Frames
	lastStamp  float64
	odom       msgs.Odometry
	tf         msgs.TFMessage
	staticSent bool
	written    int
}

func newPredictionRecorder(file, namespace string) (*predictionRecorder, error) {
	w, err := bag.Create(file, bag.WriterOptions{})
	if err != nil {
		return nil, err
	}
	return &predictionRecorder{w: w, ns: "/" + path.Clean("/" + namespace)[1:], frames: node.Frames{Odom: "odom", BaseFromCamera: pipeline.Identity()}}, nil
}

func (r *predictionRecorder) topic(name string) string { return path.Join(r.ns, name) }

func (r *predictionRecorder) record(res *pipeline.Result) error {
	at := res.Header.Stamp.Nanos()
	write := func(topic string, m msgs.Message) error { return r.w.Write(topic, m, at) }
	if err := write(r.topic(node.TopicDepth), &res.DepthImage); err != nil {
		return err
	}
	if err := write(r.topic(node.TopicDepthInfo), &res.DepthInfo); err != nil {
		return err
	}
	if res.Points != nil {
		if err := write(r.topic(node.TopicPoints), res.Points); err != nil {
			return err
		}
	}
	if res.Colormap != nil {
		if err := write(r.topic(node.TopicColormap), res.Colormap); err != nil {
			return err
		}
	}
	stamp := float64(at) / 1e9
	dt := stamp - r.lastStamp
	if r.written == 0 {
		dt = 0
	}
	r.lastStamp = stamp
	node.OdometryOf(&r.odom, &r.tf, res, r.frames, dt)
	if err := write(r.topic(node.TopicOdom), &r.odom); err != nil {
		return err
	}
	if err := write("/tf", &r.tf); err != nil {
		return err
	}
	r.written++
	return nil
}

func (r *predictionRecorder) Close() error { return r.w.Close() }
