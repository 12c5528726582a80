package bag

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteInfo prints info as `ros2 bag info` does (Files, Bag size, Storage id, Duration, Start,
// End, Messages, Topic information), with a Compression line after Storage id. Times are in loc
// (time.Local for people, time.UTC for tests).
func WriteInfo(w io.Writer, info *Info, loc *time.Location) error {
	const indent = "                   " // width of "Topic information: "
	var b strings.Builder
	b.WriteString("\n")
	for i, f := range info.Files {
		if i == 0 {
			fmt.Fprintf(&b, "Files:             %s\n", f)
		} else {
			fmt.Fprintf(&b, "%s%s\n", indent, f)
		}
	}
	if len(info.Files) == 0 {
		b.WriteString("Files:\n")
	}
	fmt.Fprintf(&b, "Bag size:          %s\n", formatSize(info.Size))
	fmt.Fprintf(&b, "Storage id:        %s\n", info.Storage)
	comp := info.Compression
	if comp == "" {
		comp = "unknown"
	}
	fmt.Fprintf(&b, "Compression:       %s\n", comp)
	fmt.Fprintf(&b, "Duration:          %.9fs\n", info.Duration().Seconds())
	fmt.Fprintf(&b, "Start:             %s\n", formatStamp(info.Start, loc))
	fmt.Fprintf(&b, "End:               %s\n", formatStamp(info.End, loc))
	fmt.Fprintf(&b, "Messages:          %d\n", info.MessageCount)
	nameW, typeW := 0, 0
	for _, t := range info.Topics {
		nameW, typeW = max(nameW, len(t.Name)), max(typeW, len(t.Type))
	}
	for i, t := range info.Topics {
		lead := indent
		if i == 0 {
			lead = "Topic information: "
		}
		fmt.Fprintf(&b, "%sTopic: %-*s | Type: %-*s | Count: %d | Serialization Format: %s\n",
			lead, nameW, t.Name, typeW, t.Type, t.Count, t.Encoding)
	}
	if len(info.Topics) == 0 {
		b.WriteString("Topic information: \n")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// formatSize is rosbag2's: bytes below 1 KiB, else one decimal in KiB, MiB, GiB, TiB.
func formatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if u == 0 {
		return fmt.Sprintf("%d %s", n, units[0])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}

// formatStamp is rosbag2's "Sep 20 2022 15:31:04.470070000 (1663687864.470070000)".
func formatStamp(ns int64, loc *time.Location) string {
	t := time.Unix(0, ns).In(loc)
	return fmt.Sprintf("%s.%09d (%d.%09d)", t.Format("Jan _2 2006 15:04:05"), t.Nanosecond(), ns/1e9, ns%1e9)
}
