package bag

import (
	"errors"
	"io"
)

// ConvertOptions select and report on what Convert copies.
type ConvertOptions struct {
	Topics []string // only these topics; empty means all
	// SkipUnknown drops messages whose type msgs does not know (counted in ConvertStats.Skipped)
	// instead of failing on the first.
	SkipUnknown bool
	// Progress, if set, is called after each message read with the count so far.
	Progress func(done uint64)
}

// ConvertStats is what Convert did.
type ConvertStats struct {
	Written uint64
	Skipped map[string]uint64 // topic → messages dropped for an unknown type
}

// Convert copies the messages of r to w in log-time order, decoding each through msgs and
// encoding it in w's format, so CDR becomes ROS 1 and back, and type names follow (the writer
// takes them from the registry: sensor_msgs/msg/Image ↔ sensor_msgs/Image).
//
// Header.seq exists only in ROS 1. From ROS 2 to ROS 1 it is written as 0 (the CDR decoder leaves
// Header.Seq 0), as ros1_bridge does;
// from ROS 1 to ROS 2 it is dropped, since CDR has no place for it. A ROS 1 → MCAP → ROS 1 trip
// therefore keeps every value but seq.
//
// On an error from r (a damaged file) the messages before it have been written; the caller should
// still Close w so that the output is complete and indexed.
func Convert(r Reader, w Writer, opts ConvertOptions) (ConvertStats, error) {
	st := ConvertStats{Skipped: map[string]uint64{}}
	it, err := r.Messages(ReadOptions{Topics: opts.Topics})
	if err != nil {
		return st, err
	}
	var done uint64
	for {
		m, err := it.Next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		done++
		v, err := m.Decode()
		if errors.Is(err, ErrUnknownType) && opts.SkipUnknown {
			st.Skipped[m.Topic]++
		} else if err != nil {
			return st, err
		} else {
			if err := w.Write(m.Topic, v, m.LogTime); err != nil {
				return st, err
			}
			st.Written++
		}
		if opts.Progress != nil {
			opts.Progress(done)
		}
	}
}
