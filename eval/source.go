package eval

import (
	"errors"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// Frame is one camera frame with whatever ground truth the recording has.
type Frame struct {
	Index int
	Stamp msgs.Time
	// Exactly one of Image and Compressed is set.
	Image      *msgs.Image
	Compressed *msgs.CompressedImage
	Camera     *calibration.Camera // nil when the recording has no intrinsics

	GTDepth  []float32 // metres, NaN or ≤0 invalid; nil when absent
	GTW, GTH int
	Mask     []byte // motion mask at the GT size, non-zero = moving (values as fileio.SeqMask*); nil when absent
	GTPose   *Pose  // world_from_camera; nil when absent
	// Sparse is metric depth from a range sensor at the camera image's pixels (NaN where none),
	// SparseW×SparseH; it feeds the sparse_depth scale mode, never the scoring.
	Sparse           []float32
	SparseW, SparseH int
	SourceName       string // file or topic the image came from, for reports
	SourceMessage    string // where in the source (e.g. bag offset), for error messages
}

// Source yields frames in time order. Next returns io.EOF after the last frame; an error from a
// damaged recording comes after the frames before the damage.
type Source interface {
	Next() (*Frame, error)
	// Len is the number of frames, or -1 when unknown until the end.
	Len() int
	Name() string
	Close() error
}

// ErrOption marks a source error that comes from the options, not from a damaged recording (a GT
// frame that is not in the recording, a GT that cannot move): Run returns it instead of reporting
// the frames before it, because every number it would report is wrong.
var ErrOption = errors.New("eval: the options do not fit the recording")

// optionError is an ErrOption with its explanation.
type optionError struct{ msg string }

func (e *optionError) Error() string        { return e.msg }
func (e *optionError) Is(target error) bool { return target == ErrOption }
