package bag

import (
	"errors"
	"fmt"
)

// Sentinel errors; a *FileError or a wrapping error carries one of them.
var (
	// ErrUnknownType: a message's type is not in the msgs registry, so it cannot be decoded.
	ErrUnknownType = errors.New("message type unknown to msgs")
	// ErrEncoding: a message encoding other than "cdr" or "ros1".
	ErrEncoding = errors.New("unsupported message encoding")
	// ErrTruncated: the file ends inside a record or before its end-of-file marker.
	ErrTruncated = errors.New("file is truncated")
	// ErrMalformed: a record's framing or fields are inconsistent (lengths, missing keys).
	ErrMalformed = errors.New("malformed record")
	// ErrFormat: the path or bytes are none of the formats this package reads.
	ErrFormat = errors.New("unrecognised bag format")
	// ErrClosed: the Writer or Reader was used after Close.
	ErrClosed = errors.New("closed")
)

// FileError says which file failed and where: Offset is the byte offset of the record being read
// (-1 when the storage cannot tell, as in SQLite), Delivered how many messages the iterator had
// returned from this file before the failure.
type FileError struct {
	Path      string
	Offset    int64
	Delivered int
	Err       error
}

func (e *FileError) Error() string {
	where := ""
	if e.Offset >= 0 {
		where = fmt.Sprintf(" at byte %d", e.Offset)
	}
	return fmt.Sprintf("%s%s (after %d messages): %v", e.Path, where, e.Delivered, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }
