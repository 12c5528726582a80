package msgs

import (
	"errors"
	"fmt"
)

// Sentinel errors; a *DecodeError wraps one of them.
var (
	// ErrTruncated: the input ends before the field it describes.
	ErrTruncated = errors.New("truncated")
	// ErrLength: a string or sequence length read from the input exceeds the bytes that remain.
	ErrLength = errors.New("length exceeds remaining bytes")
	// ErrEncapsulation: the CDR encapsulation header is missing or names a representation other
	// than plain CDR (big or little endian).
	ErrEncapsulation = errors.New("unsupported encapsulation")
)

// DecodeError says which field of which message could not be decoded, e.g.
// "cdr: sensor_msgs/Image.data: length 2147483648 exceeds remaining 60 bytes".
type DecodeError struct {
	Format string // "cdr" or "ros1"
	Field  string // type and field path, e.g. "tf2_msgs/TFMessage.transforms[3].header.frame_id"
	Detail string
	Err    error // ErrTruncated, ErrLength or ErrEncapsulation
}

func (e *DecodeError) Error() string { return fmt.Sprintf("%s: %s: %s", e.Format, e.Field, e.Detail) }

func (e *DecodeError) Unwrap() error { return e.Err }
