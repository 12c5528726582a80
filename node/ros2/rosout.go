package ros2

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

// TopicRosout is where ROS 2 nodes publish their log lines (rqt_console, `ros2 topic echo
// /rosout`, rosbag2 recordings read it).
const TopicRosout = "/rosout"

// QoSRosout is rcl's rcl_qos_profile_rosout_default (rcl/include/rcl/logging_rosout.h): a late
// subscriber still gets the last 1000 lines, as long as they are at most 10 s old.
var QoSRosout = QoS{Reliability: Reliable, Durability: TransientLocal, Depth: 1000, Lifespan: 10 * time.Second}

// LevelFatal is rcl's FATAL severity as a slog level; slog stops at ERROR.
const LevelFatal = slog.LevelError + 4

// ParseLogLevel maps an rcl severity name as --log-level takes it (debug, info, warn, error,
// fatal; any case) to a slog level; ok is false for any other name, "unset" included.
func ParseLogLevel(name string) (level slog.Level, ok bool) {
	switch strings.ToLower(name) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	case "fatal":
		return LevelFatal, true
	}
	return 0, false
}

// LogSeverity is the rcl_interfaces/msg/Log level of a slog level: each slog level counts as the
// highest rcl severity at or below it (slog.LevelInfo+2 is INFO).
func LogSeverity(l slog.Level) uint8 {
	switch {
	case l < slog.LevelInfo:
		return msgs.LogDebug
	case l < slog.LevelWarn:
		return msgs.LogInfo
	case l < slog.LevelError:
		return msgs.LogWarn
	case l < LevelFatal:
		return msgs.LogError
	}
	return msgs.LogFatal
}

// rosoutQueue is how many log records wait for the /rosout writer before new ones are dropped.
const rosoutQueue = 1024

// Rosout publishes a process's log records on /rosout as rcl_interfaces/msg/Log, as rcl's rosout
// output handler does for every node: level, the node's logger name (Names.LoggerName), the
// message with its attributes as slog's text handler writes them, and the file, function and
// line that logged it. Each record is stamped with the node's clock (sim time under use_sim_time,
// so the lines sort with the data they talk about; rcl stamps with the system clock); records
// logged before Attach carry their own time and are published once a node is attached.
//
// Logging never waits for DDS: Handle queues one message per record and a goroutine writes
// them; when the queue is full the record is dropped and counted. Nothing the goroutine does
// is logged through the handler, so a log line cannot cause another.
type Rosout struct {
	level  slog.Leveler
	report *slog.Logger
	queue  chan msgs.Log
	clock  atomic.Pointer[Clock]

	published, dropped, failed atomic.Uint64
	closed                     atomic.Bool // Close began: nothing is queued any more

	fmtMu  sync.Mutex // guards fmtBuf, which every handler's attribute formatter writes to
	fmtBuf bytes.Buffer

	mu   sync.Mutex
	pub  *Publisher
	stop chan struct{}
	done chan struct{}
}

// NewRosout returns a Rosout that takes records at level and above. report (nil: none) hears of
// the Rosout's own trouble, the first dropped record and the totals at Close; it must not log to
// this Rosout's handler.
func NewRosout(level slog.Leveler, report *slog.Logger) *Rosout {
	return &Rosout{level: level, report: report, queue: make(chan msgs.Log, rosoutQueue)}
}

// Handler is the slog.Handler that queues records for /rosout.
func (r *Rosout) Handler() slog.Handler {
	return &rosoutHandler{r: r, attrs: slog.NewTextHandler(rosoutWriter{r}, &slog.HandlerOptions{
		Level: slog.LevelDebug - 100, // the Rosout's level decides; this one formats
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey) {
				return slog.Attr{}
			}
			return a
		},
	})}
}

// Attach creates n's /rosout publisher and starts publishing, the records queued so far first,
// under n's logger name. A Rosout attaches to one node; n's Close stops it.
func (r *Rosout) Attach(n *Node) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pub != nil {
		return fmt.Errorf("rosout: already attached to %s", r.pub.node.FullyQualifiedName())
	}
	pub, err := n.NewPublisher(TopicRosout, "rcl_interfaces/msg/Log", QoSRosout)
	if err != nil {
		return fmt.Errorf("rosout: %w", err)
	}
	n.mu.Lock()
	n.rosout = r
	n.mu.Unlock()
	r.pub, r.stop, r.done = pub, make(chan struct{}), make(chan struct{})
	r.clock.Store(n.clock)
	go r.run(pub, n.names.LoggerName(), r.stop, r.done)
	return nil
}

// Stats counts the records published on /rosout, dropped because the queue was full, and those
// whose write failed.
func (r *Rosout) Stats() (published, dropped, failed uint64) {
	return r.published.Load(), r.dropped.Load(), r.failed.Load()
}

// Close publishes what is queued and stops; later records are dropped. The node's Close calls it.
func (r *Rosout) Close() {
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.stop = nil
	r.mu.Unlock()
	if stop == nil {
		return
	}
	r.closed.Store(true)
	close(stop)
	<-done
	for drained := false; !drained; { // what slipped in while it stopped
		select {
		case <-r.queue:
			r.dropped.Add(1)
		default:
			drained = true
		}
	}
	if p, d, f := r.Stats(); (d > 0 || f > 0) && r.report != nil {
		r.report.Warn("rosout: not every log record was published", "published", p, "dropped", d, "failed", f)
	}
}

func (r *Rosout) run(pub *Publisher, name string, stop, done chan struct{}) {
	defer close(done)
	write := func(m msgs.Log) {
		m.Name = name
		if pub.Publish(&m) != nil {
			r.failed.Add(1)
		} else {
			r.published.Add(1)
		}
	}
	for {
		select {
		case m := <-r.queue:
			write(m)
		case <-stop:
			for {
				select {
				case m := <-r.queue:
					write(m)
				default:
					return
				}
			}
		}
	}
}

func (r *Rosout) enqueue(m msgs.Log) {
	if r.closed.Load() {
		r.dropped.Add(1)
		return
	}
	select {
	case r.queue <- m:
	default:
		if r.dropped.Add(1) == 1 && r.report != nil {
			r.report.Warn("rosout: the /rosout writer is behind; dropping log records (they still go to the console)", "queue", rosoutQueue)
		}
	}
}

// rosoutWriter appends the attribute formatter's output to fmtBuf (under fmtMu, held by Handle).
type rosoutWriter struct{ r *Rosout }

func (w rosoutWriter) Write(p []byte) (int, error) { return w.r.fmtBuf.Write(p) }

type rosoutHandler struct {
	r     *Rosout
	attrs slog.Handler // a text handler without time, level and message: formats the attributes
}

func (h *rosoutHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.r.level.Level() }

func (h *rosoutHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &rosoutHandler{r: h.r, attrs: h.attrs.WithAttrs(as)}
}

func (h *rosoutHandler) WithGroup(name string) slog.Handler {
	return &rosoutHandler{r: h.r, attrs: h.attrs.WithGroup(name)}
}

func (h *rosoutHandler) Handle(ctx context.Context, rec slog.Record) error {
	m := msgs.Log{Level: LogSeverity(rec.Level), Msg: rec.Message}
	if c := h.r.clock.Load(); c != nil {
		m.Stamp = c.Now()
	} else {
		m.Stamp = msgs.TimeFromNanos(rec.Time.UnixNano())
	}
	if rec.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{rec.PC}).Next()
		m.File, m.Function, m.Line = f.File, f.Function, uint32(f.Line)
	}
	h.r.fmtMu.Lock()
	h.r.fmtBuf.Reset()
	err := h.attrs.Handle(ctx, rec)
	if a := strings.TrimSpace(h.r.fmtBuf.String()); a != "" && err == nil {
		m.Msg += " " + a
	}
	h.r.fmtMu.Unlock()
	h.r.enqueue(m)
	return nil
}
