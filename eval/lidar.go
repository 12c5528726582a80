package eval

import (
	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// ProjectCloud renders a sparse ground-truth depth image of w×h pixels from a point cloud: the
// projection is pipeline.ProjectCloud's (one home for clouds meeting the camera, shared with the
// sparse_depth scale mode); cameraFromCloud is the cloud frame's pose in the camera frame.
func ProjectCloud(dst []float32, w, h int, cloud *msgs.PointCloud2, cameraFromCloud Pose, cam *calibration.Camera) (out []float32, n int, err error) {
	return pipeline.ProjectCloud(dst, w, h, cloud, pipeline.Rigid(cameraFromCloud), cam)
}
