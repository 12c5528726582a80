package ros1

import (
	"sync"
	"sync/atomic"
	"time"

	goroslib "github.com/bluenviron/goroslib/v2"

	"github.com/ssmde/ssmde/msgs"
)

// Clock is the node's ROS time. With sim time (~use_sim_time or /use_sim_time) it is the last
// /clock message, zero until the first arrives; otherwise the system clock.
type Clock struct {
	sim     bool
	simNano atomic.Int64

	mu     sync.Mutex
	gn     *goroslib.Node // goroslib's own /clock, when /use_sim_time is set globally
	global bool
	msg    msgs.Clock
}

// SimTime reports whether the clock follows /clock.
func (c *Clock) SimTime() bool { return c.sim }

// Now returns the current ROS time.
func (c *Clock) Now() msgs.Time {
	if !c.sim {
		return msgs.TimeFromNanos(time.Now().UnixNano())
	}
	c.mu.Lock()
	gn, global := c.gn, c.global
	c.mu.Unlock()
	if global && gn != nil {
		t := gn.TimeNow()
		if t.Unix() <= 0 {
			return msgs.Time{}
		}
		return msgs.TimeFromNanos(t.UnixNano())
	}
	return msgs.TimeFromNanos(c.simNano.Load())
}

func (c *Clock) setSource(gn *goroslib.Node, global bool) {
	c.mu.Lock()
	c.gn, c.global = gn, global
	c.mu.Unlock()
}

// onClock runs on the /clock subscription's goroutine.
func (c *Clock) onClock(data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.msg.UnmarshalROS1(data); err == nil {
		c.simNano.Store(c.msg.Clock.Nanos())
	}
}
