package node

import (
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// A camera driver gone wrong can send thousands of bad messages a second; one log line each
// fills a robot's disk (and, once logs go to /rosout, its network). The throttled log writes the
// first occurrence of each reason at once, and after that at most one line per reason every
// throttlePeriod, with the count of what it held back, as rclcpp's RCLCPP_WARN_THROTTLE does;
// every occurrence is still counted (Stats.Failure, /diagnostics).
const (
	throttlePeriod = 5 * time.Second
	// maxReasons bounds the memory a flood of distinct reasons can take: later ones share "other".
	maxReasons = 64
)

var digits = regexp.MustCompile(`[0-9]+`)

// reasonOf groups errors of one kind: the message (left out when the error already starts with it)
// and the error, with their numbers taken out ("width N height N"), cut to 120 bytes.
func reasonOf(msg string, err error) string {
	r := msg
	if err != nil {
		if e := err.Error(); msg == "" || strings.HasPrefix(e, msg) {
			r = e
		} else {
			r += ": " + e
		}
	}
	r = digits.ReplaceAllString(r, "N")
	if len(r) > 120 {
		r = r[:120]
	}
	return r
}

type reasonState struct {
	logged  time.Time // when a line for this reason was last written
	held    int       // occurrences since then, not logged
	lastErr error
	args    []any
	msg     string
}

// throttledLog is safe for concurrent use.
type throttledLog struct {
	mu      sync.Mutex
	log     *slog.Logger
	now     func() time.Time
	period  time.Duration
	reasons map[string]*reasonState
}

func newThrottledLog(log *slog.Logger) *throttledLog {
	return &throttledLog{log: log, now: time.Now, period: throttlePeriod, reasons: map[string]*reasonState{}}
}

// Warn logs msg with err and args the first time its reason occurs, then at most once per period.
func (t *throttledLog) Warn(msg string, err error, args ...any) {
	key := reasonOf(msg, err)
	t.mu.Lock()
	now := t.now()
	if _, ok := t.reasons[key]; !ok && len(t.reasons) >= maxReasons-1 {
		key = "other" // the last slot
	}
	s := t.reasons[key]
	if s == nil {
		s = &reasonState{}
		t.reasons[key] = s
	}
	first := s.logged.IsZero()
	due := first || now.Sub(s.logged) >= t.period
	held := s.held
	if due {
		s.logged, s.held = now, 0
	} else {
		s.held++
		s.lastErr, s.args, s.msg = err, args, msg
	}
	t.mu.Unlock()
	if !due {
		return
	}
	attrs := append([]any{"err", err}, args...)
	if held > 0 {
		attrs = append(attrs, "repeated", held, "in", t.period.String())
	}
	t.log.Warn(msg, attrs...)
}

// Flush writes a summary line for each reason that held occurrences back for a whole period (so a
// flood that stops still shows its count); the node calls it with each diagnostics tick.
func (t *throttledLog) Flush() {
	type line struct {
		msg  string
		err  error
		args []any
		held int
	}
	var lines []line
	t.mu.Lock()
	now := t.now()
	keys := make([]string, 0, len(t.reasons))
	for k := range t.reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := t.reasons[k]
		if s.held > 0 && now.Sub(s.logged) >= t.period {
			lines = append(lines, line{s.msg, s.lastErr, s.args, s.held})
			s.logged, s.held = now, 0
		}
	}
	t.mu.Unlock()
	for _, l := range lines {
		t.log.Warn(l.msg, append(append([]any{"err", l.err}, l.args...), "repeated", l.held, "in", t.period.String(), "summary", true)...)
	}
}
