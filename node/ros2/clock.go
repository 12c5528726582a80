package ros2

import (
	"sync/atomic"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

// Clock is the node's ROS time. With use_sim_time it is the last /clock message (zero until
// the first arrives, as in rclcpp); otherwise the system clock.
type Clock struct {
	sim     bool
	simNano atomic.Int64
	msg     msgs.Clock
}

// SimTime reports whether the clock follows /clock.
func (c *Clock) SimTime() bool { return c.sim }

// Now returns the current ROS time.
func (c *Clock) Now() msgs.Time {
	if c.sim {
		return msgs.TimeFromNanos(c.simNano.Load())
	}
	return msgs.TimeFromNanos(time.Now().UnixNano())
}

// onClock runs on the /clock subscription's goroutine only, so c.msg needs no lock.
func (c *Clock) onClock(data []byte, _ SampleInfo) {
	if err := c.msg.UnmarshalCDR(data); err == nil {
		c.simNano.Store(c.msg.Clock.Nanos())
	}
}
