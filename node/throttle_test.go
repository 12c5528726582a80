package node

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestThrottledLog: 10 s of a flood of 3 kinds of error (20,000 messages, numbers varying) writes
// the first of each at once, then at most one line per kind per 5 s, and the lines' counts add up
// to every occurrence.
func TestThrottledLog(t *testing.T) {
	var buf bytes.Buffer
	tl := newThrottledLog(slog.New(slog.NewTextHandler(&buf, nil)))
	clock := time.Unix(1000, 0)
	tl.now = func() time.Time { return clock }
	for i := 0; i < 20000; i++ {
		clock = clock.Add(500 * time.Microsecond) // 2,000 messages/s
		switch i % 3 {
		case 0:
			tl.Warn("frame dropped", fmt.Errorf("image: width %d height %d step %d inconsistent", i, i+1, i+2))
		case 1:
			tl.Warn("frame dropped", errors.New(`image: unknown encoding "foo16"`))
		default:
			tl.Warn("camera_info dropped", fmt.Errorf("camera_info: K[0] = %d, want > 0", -i))
		}
		if i%2000 == 0 {
			tl.Flush() // the node's diagnostics tick
		}
	}
	clock = clock.Add(6 * time.Second)
	tl.Flush()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// 10 s: per kind the first line, one every 5 s (2), and the flush at the end.
	if len(lines) > 3*4 {
		t.Fatalf("%d lines for 10 s of 3 kinds of error:\n%s", len(lines), buf.String())
	}
	total := 0
	for _, l := range lines {
		if !strings.Contains(l, "summary=true") { // a summary line stands for held occurrences only
			total++
		}
		if i := strings.Index(l, "repeated="); i >= 0 {
			var n int
			fmt.Sscanf(l[i+len("repeated="):], "%d", &n)
			total += n
		}
	}
	if total != 20000 {
		t.Fatalf("lines account for %d occurrences, want 20000:\n%s", total, buf.String())
	}
	for _, want := range []string{"unknown encoding", "K[0]", "width"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no line for %q", want)
		}
	}
}

func TestReasonsAreBounded(t *testing.T) {
	var buf bytes.Buffer
	tl := newThrottledLog(slog.New(slog.NewTextHandler(&buf, nil)))
	for i := 0; i < 1000; i++ {
		tl.Warn("frame dropped", fmt.Errorf("reason %c%c", 'a'+i%26, 'a'+(i/26)%26))
	}
	if len(tl.reasons) > maxReasons {
		t.Fatalf("%d reasons kept", len(tl.reasons))
	}
}
