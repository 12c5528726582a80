package sim

import (
	"encoding/binary"
	"io"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
)

func poseOfTransform(t msgs.Transform) Pose {
	x, y, z, w := t.Rotation.X, t.Rotation.Y, t.Rotation.Z, t.Rotation.W
	return Pose{R: [9]float64{
		1 - 2*(y*y+z*z), 2 * (x*y - z*w), 2 * (x*z + y*w),
		2 * (x*y + z*w), 1 - 2*(x*x+z*z), 2 * (y*z - x*w),
		2 * (x*z - y*w), 2 * (y*z + x*w), 1 - 2*(x*x+y*y),
	}, T: [3]float64{t.Translation.X, t.Translation.Y, t.Translation.Z}}
}

// TestWriteBagWithLidar: the LiDAR bag has the mount on /tf_static once, odom → base_link on /tf
// that puts the camera where /odom_gt says, and clouds 7 ms after the images whose front points,
// moved into the camera through the recorded transforms, are the rendered depth of the sampled
// pixels, and whose rear points are behind the camera.
// A tilted camera in the indoor world records the same way: base_link stays level on the floor.
func TestWriteBagWithLidar(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Frames, cfg.Width, cfg.Height, cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy, cfg.Seed = 4, 96, 48, 0, 0, 0, 0, 3
	t.Run("street", func(t *testing.T) { checkLidarBag(t, cfg.withDefaults()) })
	in := DefaultIndoorConfig()
	in.Frames, in.Width, in.Height, in.Fx, in.Fy, in.Cx, in.Cy, in.Seed = 4, 96, 72, 0, 0, 0, 0, 3
	in.CameraPitch, in.CameraRoll = 12, -4
	t.Run("indoor-tilted", func(t *testing.T) { checkLidarBag(t, in.withDefaults()) })
}

func checkLidarBag(t *testing.T, cfg Config) {
	path := filepath.Join(t.TempDir(), "lidar.mcap")
	if err := WriteBagWith(path, cfg, BagOptions{Lidar: &LidarOptions{Rings: 16, Columns: 24}}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := bag.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info, _ := r.Info()
	counts := map[string]uint64{}
	for _, ti := range info.Topics {
		counts[ti.Name] = ti.Count
	}
	if counts[TopicTFStatic] != 1 || counts[TopicLidar] != 4 || counts[TopicTF] != 4 || counts[TopicImage] != 4 {
		t.Fatalf("counts %v", counts)
	}
	w, _ := NewWorld(cfg)
	it, _ := r.Messages(bag.ReadOptions{})
	var baseFromCam, baseFromLidar *Pose
	var frame Frame
	clouds := 0
	for {
		m, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dec, err := m.Decode()
		if err != nil {
			t.Fatal(err)
		}
		switch m.Topic {
		case TopicTFStatic:
			if clouds > 0 || m.LogTime >= w.Stamp(0).Nanos() {
				t.Fatalf("/tf_static at %d is not at the start", m.LogTime)
			}
			for _, ts := range dec.(*msgs.TFMessage).Transforms {
				p := poseOfTransform(ts.Transform)
				if ts.Header.FrameID != BaseFrameID {
					t.Fatalf("static parent %q", ts.Header.FrameID)
				}
				switch ts.ChildFrameID {
				case FrameID:
					baseFromCam = &p
				case LidarFrameID:
					baseFromLidar = &p
				}
			}
		case TopicTF:
			ts := dec.(*msgs.TFMessage).Transforms[0]
			if ts.Header.FrameID != OdomFrameID || ts.ChildFrameID != BaseFrameID || baseFromCam == nil {
				t.Fatalf("/tf %s → %s", ts.Header.FrameID, ts.ChildFrameID)
			}
			i := int(math.Round(float64(ts.Header.Stamp.Nanos()-w.Stamp(0).Nanos()) / 1e9 * cfg.FPS))
			cam := poseOfTransform(ts.Transform).Mul(*baseFromCam)
			want := w.Pose(i)
			for k := 0; k < 9; k++ {
				if math.Abs(cam.R[k]-want.R[k]) > 1e-9 || (k < 3 && math.Abs(cam.T[k]-want.T[k]) > 1e-9) {
					t.Fatalf("frame %d: camera pose through base_link %+v, want %+v", i, cam, want)
				}
			}
		case TopicLidar:
			c := dec.(*msgs.PointCloud2)
			i := clouds
			clouds++
			if d := c.Header.Stamp.Nanos() - w.Stamp(i).Nanos(); d != int64(7*time.Millisecond) || c.Header.FrameID != LidarFrameID {
				t.Fatalf("cloud %d stamped %d ns after its image in %q", i, d, c.Header.FrameID)
			}
			if c.Height != 16 || c.Width != 48 || len(c.Data) != 16*48*lidarPointStep {
				t.Fatalf("cloud %dx%d, %d bytes", c.Width, c.Height, len(c.Data))
			}
			w.Render(i, &frame)
			camFromLidar := baseFromCam.Inverse().Mul(*baseFromLidar)
			cols, rows := LidarPixels(cfg, LidarOptions{Rings: 16, Columns: 24})
			valid := 0
			for ri, y := range rows {
				for k, x := range cols {
					read := func(j int) ([3]float64, bool) {
						pt := c.Data[(ri*48+j)*lidarPointStep:]
						var p [3]float64
						for a := 0; a < 3; a++ {
							p[a] = float64(math.Float32frombits(binary.LittleEndian.Uint32(pt[4*a:])))
						}
						return camFromLidar.Apply(p), !math.IsNaN(p[0])
					}
					front, ok := read(k)
					rear, okRear := read(24 + k)
					d := float64(frame.Depth[y*cfg.Width+x])
					if math.IsNaN(d) {
						if ok || okRear {
							t.Fatalf("sky pixel (%d,%d) has a LiDAR return", x, y)
						}
						continue
					}
					valid++
					u, v := cfg.Fx*front[0]/front[2]+cfg.Cx, cfg.Fy*front[1]/front[2]+cfg.Cy
					if !ok || math.Abs(front[2]-d) > 1e-4*d || math.Abs(u-float64(x)) > 1e-3 || math.Abs(v-float64(y)) > 1e-3 {
						t.Fatalf("pixel (%d,%d) depth %v: point at (%.4f,%.4f) z %v", x, y, d, u, v, front[2])
					}
					if !okRear || rear[2] > -0.5*d {
						t.Fatalf("rear point of (%d,%d) at z %v", x, y, rear[2])
					}
				}
			}
			if valid < len(rows)*len(cols)/3 {
				t.Fatalf("only %d of %d sampled pixels hit something", valid, len(rows)*len(cols))
			}
		}
	}
	if clouds != 4 || baseFromLidar == nil {
		t.Fatalf("%d clouds, lidar mount %v", clouds, baseFromLidar)
	}
	// The mount: the LiDAR 0.3 m above and 0.5 m behind the camera, z up, in the level rig's frame.
	camFromBase, bl := LidarMount(cfg)
	lidar := w.sc.tilt.Mul(camFromBase).Mul(bl)
	if !w.sc.tilted {
		lidar = camFromBase.Mul(bl)
	}
	if base := w.sc.tilt.Mul(camFromBase); w.sc.tilted && math.Abs(base.T[1]-cfg.CameraHeight) > 1e-12 {
		t.Fatalf("base_link at %v in the rig frame, want on the floor %v below", base.T, cfg.CameraHeight)
	}
	if math.Abs(lidar.T[0]) > 1e-12 || math.Abs(lidar.T[1]+0.3) > 1e-12 || math.Abs(lidar.T[2]+0.5) > 1e-12 {
		t.Fatalf("LiDAR at %v in the camera frame", lidar.T)
	}
	if up := lidar.rotate([3]float64{0, 0, 1}); math.Abs(up[1]+1) > 1e-12 {
		t.Fatalf("LiDAR z axis is %v in the camera frame, want up (0,-1,0)", up)
	}
}

// TestWriteBagWithTFOffset: /tf samples are stamped after the images, one more at each end.
func TestWriteBagWithTFOffset(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Frames, cfg.Width, cfg.Height, cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 3, 64, 32, 0, 0, 0, 0
	path := filepath.Join(t.TempDir(), "tf.mcap")
	if err := WriteBagWith(path, cfg, BagOptions{TFOffset: 13 * time.Millisecond}, nil); err != nil {
		t.Fatal(err)
	}
	r, _ := bag.Open(path)
	defer r.Close()
	it, _ := r.Messages(bag.ReadOptions{Topics: []string{TopicTF}})
	w, _ := NewWorld(cfg)
	var stamps []int64
	for {
		m, err := it.Next()
		if err != nil {
			break
		}
		dec, _ := m.Decode()
		ts := dec.(*msgs.TFMessage).Transforms[0]
		if ts.ChildFrameID != FrameID {
			t.Fatalf("child %q", ts.ChildFrameID)
		}
		stamps = append(stamps, ts.Header.Stamp.Nanos()-w.Stamp(0).Nanos())
	}
	want := []int64{-100e6 + 13e6, 13e6, 113e6, 213e6, 313e6}
	if len(stamps) != len(want) {
		t.Fatalf("stamps %v", stamps)
	}
	for i := range want {
		if stamps[i] != want[i] {
			t.Fatalf("stamps %v, want %v", stamps, want)
		}
	}
}
