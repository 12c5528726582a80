package fileio

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// The KITTI-raw-like layout of one sequence (scene) folder: what `ssmde sim` and `ssmde dataset`
// write, what `ssmde eval` and the training recipe read, and what loaders written for KITTI
// (Monodepth2's among them) read with only a path change:
//
//	image_02/data/%010d.png                    rgb8
//	image_02/timestamps.txt, timestamps.txt    KITTI's "2006-01-02 15:04:05.000000000" per frame
//	proj_depth/groundtruth/image_02/%010d.png  16-bit depth in mm, 0 = invalid (optional, may be partial)
//	motion_mask/%010d.png                      mono8: 128 = follower, 255 = other mover, 0 = static (optional)
//	poses.txt                                  world_from_camera, 3×4 row-major per line (optional)
//	calib_cam_to_cam.txt                       K_02, S_rect_02, P_rect_02, ...
//	camera.yaml                                the camera in ROS camera_calibration_parsers YAML
const (
	SeqImageDir   = "image_02/data"
	SeqDepthDir   = "proj_depth/groundtruth/image_02"
	SeqMaskDir    = "motion_mask"
	SeqPosesFile  = "poses.txt"
	SeqCalibFile  = "calib_cam_to_cam.txt"
	SeqCameraFile = "camera.yaml"
	SeqStampsFile = "timestamps.txt"
)

// A motion mask is non-zero where something that moves in the world is visible, and readers that only ask
// "moving?" test for non-zero (the training recipe tests > 127, which 128 passes). The value says which kind
// of mover: a follower, a vehicle driving ahead at the camera's own speed (it looks static in the image, the
// case that breaks self-supervised depth the worst), is SeqMaskFollower; any other mover is SeqMaskMover.
// Readers split at SeqMaskFollowerMax: 1..191 is a follower, 192..255 another mover. Masks from elsewhere
// (real data, older sims) are 255 on every mover and so have no followers; a mask written as 0/1 would
// read as followers throughout, so movers of unknown kind are 255. The bags `ssmde sim --bag` records
// carry the same values on their mask topic.
const (
	SeqMaskStatic      = 0
	SeqMaskFollower    = 128
	SeqMaskMover       = 255
	SeqMaskFollowerMax = 191
)

// SeqFrameName is the file name of frame i in every per-frame folder.
func SeqFrameName(i int) string { return fmt.Sprintf("%010d.png", i) }

// SequenceMeta is a sequence's per-scene files.
type SequenceMeta struct {
	Camera calibration.Camera // pinhole intrinsics of the written images (their distortion is not undone here)
	Stamps []msgs.Time        // per frame
	// Poses, when not nil, are world_from_camera per frame as 3×4 row-major (R | t).
	Poses [][12]float64
	// Extra files to write beside them, by name (e.g. scene.yaml, dataset.yaml).
	Extra map[string]string
}

// PrepareSequence creates dir's per-frame folders (the depth and mask ones only when asked).
func PrepareSequence(dir string, depth, mask bool) error {
	subs := []string{SeqImageDir}
	if depth {
		subs = append(subs, SeqDepthDir)
	}
	if mask {
		subs = append(subs, SeqMaskDir)
	}
	for _, sub := range subs {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// WriteSequenceFrame writes frame i: the rgb8 image, and the depth (metres, NaN or ≤ 0 invalid)
// and the motion mask when not nil, all w×h.
func WriteSequenceFrame(dir string, i int, rgb []byte, w, h int, depth []float32, mask []byte) error {
	name := SeqFrameName(i)
	if len(rgb) < 3*w*h {
		return fmt.Errorf("sequence frame %d: %d bytes of rgb8 for %dx%d", i, len(rgb), w, h)
	}
	img := &image.NRGBA{Pix: make([]byte, 4*w*h), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	for p := 0; p < w*h; p++ {
		copy(img.Pix[4*p:4*p+3], rgb[3*p:3*p+3])
		img.Pix[4*p+3] = 255
	}
	if err := writePNGFast(filepath.Join(dir, SeqImageDir, name), img); err != nil {
		return err
	}
	if mask != nil {
		if err := writePNGFast(filepath.Join(dir, SeqMaskDir, name), &image.Gray{Pix: mask, Stride: w, Rect: image.Rect(0, 0, w, h)}); err != nil {
			return err
		}
	}
	if depth != nil {
		return WriteDepthPNG(filepath.Join(dir, SeqDepthDir, name), depth, w, h)
	}
	return nil
}

// writePNGFast trades a little file size for encoding speed, which dominates writing a sequence.
func writePNGFast(path string, img image.Image) error {
	fh, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(fh, img); err != nil {
		fh.Discard()
		return fmt.Errorf("%s: %w", path, err)
	}
	return fh.Commit()
}

// WriteSequenceMeta writes the per-scene text files: poses, timestamps, calibration, camera.yaml
// and the extras.
func WriteSequenceMeta(dir string, m SequenceMeta) error {
	var stamps strings.Builder
	for _, s := range m.Stamps {
		stamps.WriteString(s.GoTime().UTC().Format("2006-01-02 15:04:05.000000000"))
		stamps.WriteByte('\n')
	}
	in := m.Camera.PublishedIntrinsics()
	w, h := m.Camera.PublishedSize()
	calibTime := time.Unix(0, 0).UTC()
	if len(m.Stamps) > 0 {
		calibTime = m.Stamps[0].GoTime().UTC()
	}
	var calib strings.Builder
	fmt.Fprintf(&calib, "calib_time: %s\n", calibTime.Format("02-Jan-2006 15:04:05"))
	fmt.Fprintf(&calib, "S_02: %e %e\n", float64(w), float64(h))
	fmt.Fprintf(&calib, "K_02: %e %e %e %e %e %e %e %e %e\n", in.Fx, 0.0, in.Cx, 0.0, in.Fy, in.Cy, 0.0, 0.0, 1.0)
	fmt.Fprintf(&calib, "D_02: %e %e %e %e %e\n", 0.0, 0.0, 0.0, 0.0, 0.0)
	fmt.Fprintf(&calib, "R_02: %e %e %e %e %e %e %e %e %e\n", 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
	fmt.Fprintf(&calib, "T_02: %e %e %e\n", 0.0, 0.0, 0.0)
	fmt.Fprintf(&calib, "S_rect_02: %e %e\n", float64(w), float64(h))
	fmt.Fprintf(&calib, "R_rect_02: %e %e %e %e %e %e %e %e %e\n", 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
	fmt.Fprintf(&calib, "P_rect_02: %e %e %e %e %e %e %e %e %e %e %e %e\n",
		in.Fx, 0.0, in.Cx, 0.0, 0.0, in.Fy, in.Cy, 0.0, 0.0, 0.0, 1.0, 0.0)
	camYAML, err := calibration.MarshalYAML(m.Camera)
	if err != nil {
		return err
	}
	files := map[string]string{
		SeqStampsFile:               stamps.String(),
		"image_02/" + SeqStampsFile: stamps.String(),
		SeqCalibFile:                calib.String(),
		SeqCameraFile:               string(camYAML),
	}
	if m.Poses != nil {
		var poses strings.Builder
		for _, p := range m.Poses {
			for k, v := range p {
				if k > 0 {
					poses.WriteByte(' ')
				}
				fmt.Fprintf(&poses, "%.9e", v+0) // +0 turns −0 into 0
			}
			poses.WriteByte('\n')
		}
		files[SeqPosesFile] = poses.String()
	}
	for name, body := range m.Extra {
		files[name] = body
	}
	for name, body := range files {
		if err := writeText(filepath.Join(dir, name), body); err != nil {
			return err
		}
	}
	return nil
}

func writeText(path string, body string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return WriteFileAtomic(path, []byte(body), 0o644)
}
