package node

import (
	"sync"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// CameraInfoPolicy says which calibration goes with an image.
type CameraInfoPolicy string

// Policies of DESIGN §5.
const (
	InfoExact  CameraInfoPolicy = "exact"  // the camera_info with the image's stamp
	InfoLatest CameraInfoPolicy = "latest" // the last camera_info received
	InfoFile   CameraInfoPolicy = "file"   // a calibration YAML, topic ignored
)

// infoRing is how many recent camera_infos exact matching remembers: at 30 Hz about a second.
const infoRing = 32

// CameraInfoStore keeps the calibrations a policy needs. camera_info messages are small, so
// they are decoded and validated on arrival (in the middleware callback).
type CameraInfoStore struct {
	policy CameraInfoPolicy
	mu     sync.Mutex
	stamps [infoRing]int64
	cams   [infoRing]calibration.Camera
	n      int // filled entries
	next   int
	latest *calibration.Camera
	fixed  *calibration.Camera
	seen   bool
}

// NewCameraInfoStore returns a store for policy; fixed is the file's camera for InfoFile.
func NewCameraInfoStore(policy CameraInfoPolicy, fixed *calibration.Camera) *CameraInfoStore {
	return &CameraInfoStore{policy: policy, fixed: fixed}
}

// Add records a received camera_info. It returns the validation error of a bad one (which is
// dropped) so that the caller can log it.
func (s *CameraInfoStore) Add(info *msgs.CameraInfo) error {
	cam, err := calibration.FromCameraInfo(*info)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = true
	s.stamps[s.next] = info.Header.Stamp.Nanos()
	s.cams[s.next] = cam
	s.next = (s.next + 1) % infoRing
	s.n = min(s.n+1, infoRing)
	s.latest = &s.cams[(s.next-1+infoRing)%infoRing]
	return nil
}

// Lookup returns the camera for an image stamp. ok is false when the policy has no camera for it
// yet; seen reports whether any camera_info has arrived at all (no camera_info ever means the
// node publishes depth without intrinsics rather than waiting forever).
func (s *CameraInfoStore) Lookup(stamp msgs.Time) (cam calibration.Camera, ok, seen bool) {
	if s.policy == InfoFile {
		if s.fixed == nil {
			return cam, false, true
		}
		return *s.fixed, true, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policy == InfoLatest {
		if s.latest == nil {
			return cam, false, s.seen
		}
		return *s.latest, true, true
	}
	want := stamp.Nanos()
	for k := 0; k < s.n; k++ {
		i := (s.next - 1 - k + infoRing) % infoRing
		if s.stamps[i] == want {
			return s.cams[i], true, true
		}
	}
	return cam, false, s.seen
}
