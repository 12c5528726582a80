package eval

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/msgs"
)

// Sub-folders of a KITTI-raw-like sequence (fileio/sequence.go has the layout).
const (
	folderImages = fileio.SeqImageDir
	folderDepth  = fileio.SeqDepthDir
	folderMask   = fileio.SeqMaskDir
	folderPoses  = fileio.SeqPosesFile
	folderCamera = fileio.SeqCameraFile
	folderStamps = fileio.SeqStampsFile
)

// FolderSource reads a KITTI-raw-like sequence folder: images, 16-bit depth PNGs in mm (or float32
// .npy in metres), motion
// masks, poses.txt (KITTI odometry format) and camera.yaml. Missing GT parts are simply absent.
type FolderSource struct {
	dir    string
	images []string
	poses  []Pose
	cam    *calibration.Camera
	next   int
	fps    float64
}

// IsSequenceFolder reports whether dir looks like a sequence folder.
func IsSequenceFolder(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, folderImages))
	return err == nil && st.IsDir()
}

// OpenFolder opens a sequence folder. fps stamps frames when timestamps are not recorded.
func OpenFolder(dir string, fps float64) (*FolderSource, error) {
	entries, err := os.ReadDir(filepath.Join(dir, folderImages))
	if err != nil {
		return nil, fmt.Errorf("%s: not a sequence folder (want %s/): %w", dir, folderImages, err)
	}
	s := &FolderSource{dir: dir, fps: fps}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".png") {
			s.images = append(s.images, e.Name())
		}
	}
	if len(s.images) == 0 {
		return nil, fmt.Errorf("%s: no PNG images in %s", dir, folderImages)
	}
	sort.Strings(s.images)
	if cam, err := calibration.LoadYAML(filepath.Join(dir, folderCamera)); err == nil {
		s.cam = &cam
	} else if !errors.Is(err, fs.ErrNotExist) { // a folder without camera.yaml has no intrinsics
		return nil, err
	}
	if f, err := os.Open(filepath.Join(dir, folderPoses)); err == nil {
		s.poses, err = ReadKITTIPoses(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, folderPoses), err)
		}
		if len(s.poses) < len(s.images) {
			return nil, fmt.Errorf("%s: %d poses for %d images", filepath.Join(dir, folderPoses), len(s.poses), len(s.images))
		}
	}
	return s, nil
}

// Len is the number of images.
func (s *FolderSource) Len() int { return len(s.images) }

// Name is the folder.
func (s *FolderSource) Name() string { return s.dir }

// Close does nothing; files are opened per frame.
func (s *FolderSource) Close() error { return nil }

// Next reads the next frame.
func (s *FolderSource) Next() (*Frame, error) {
	if s.next >= len(s.images) {
		return nil, io.EOF
	}
	i := s.next
	s.next++
	name := s.images[i]
	data, err := os.ReadFile(filepath.Join(s.dir, folderImages, name))
	if err != nil {
		return nil, err
	}
	f := &Frame{Index: i, Stamp: msgs.TimeFromNanos(int64(float64(i) / s.fps * 1e9)), Camera: s.cam, SourceName: name,
		Compressed: &msgs.CompressedImage{Format: "png", Data: data}}
	f.Compressed.Header = msgs.Header{Stamp: f.Stamp, FrameID: "camera_optical"}
	if depthPath := filepath.Join(s.dir, folderDepth, name); fileExists(depthPath) {
		if f.GTDepth, f.GTW, f.GTH, err = fileio.ReadDepthPNG(depthPath, 0.001); err != nil {
			return nil, err
		}
	} else if npyPath := strings.TrimSuffix(depthPath, ".png") + ".npy"; fileExists(npyPath) {
		// Float metres, for depths beyond 16-bit millimetres' 65.5 m (KITTI's LiDAR reaches 80 m).
		shape, d, err := fileio.ReadNPYFile(npyPath)
		if err != nil {
			return nil, err
		}
		if len(shape) != 2 {
			return nil, fmt.Errorf("%s: shape %v, want [height, width]", npyPath, shape)
		}
		f.GTDepth, f.GTH, f.GTW = d, shape[0], shape[1]
	}
	if maskPath := filepath.Join(s.dir, folderMask, name); fileExists(maskPath) && f.GTDepth != nil {
		if f.Mask, err = readMask(maskPath, f.GTW, f.GTH); err != nil {
			return nil, err
		}
	}
	if s.poses != nil {
		p := s.poses[i]
		f.GTPose = &p
	}
	return f, nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func readMask(path string, w, h int) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g, ok := img.(*image.Gray)
	if !ok || g.Bounds().Dx() != w || g.Bounds().Dy() != h {
		return nil, fmt.Errorf("%s: want a %dx%d 8-bit grey mask (the GT depth's size), got %T %v", path, w, h, img, img.Bounds())
	}
	out := make([]byte, w*h)
	for y := 0; y < h; y++ {
		copy(out[y*w:(y+1)*w], g.Pix[y*g.Stride:y*g.Stride+w])
	}
	return out, nil
}

// ReadKITTIPoses parses KITTI odometry poses: 12 numbers per line, the 3×4 matrix row-major.
func ReadKITTIPoses(r io.Reader) ([]Pose, error) {
	var poses []Pose
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 12 {
			return nil, fmt.Errorf("line %d: %d numbers, want 12 (a 3×4 matrix row-major)", line, len(fields))
		}
		var v [12]float64
		for k, f := range fields {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %q is not a number", line, f)
			}
			v[k] = x
		}
		poses = append(poses, Pose{R: [9]float64{v[0], v[1], v[2], v[4], v[5], v[6], v[8], v[9], v[10]}, T: [3]float64{v[3], v[7], v[11]}})
	}
	return poses, sc.Err()
}
