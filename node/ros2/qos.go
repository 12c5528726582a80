package ros2

import (
	"fmt"
	"strings"
	"time"
)

// Reliability is the DDS RELIABILITY kind.
type Reliability int

const (
	Reliable Reliability = iota
	BestEffort
)

func (r Reliability) String() string {
	if r == BestEffort {
		return "best_effort"
	}
	return "reliable"
}

// Durability is the DDS DURABILITY kind (VOLATILE or TRANSIENT_LOCAL; ROS 2 uses no others).
type Durability int

const (
	Volatile Durability = iota
	TransientLocal
)

func (d Durability) String() string {
	if d == TransientLocal {
		return "transient_local"
	}
	return "volatile"
}

// QoS is the part of a ROS 2 QoS profile this transport sets; everything else keeps rmw's
// defaults (liveliness automatic, no deadline). Depth 0 means KEEP_ALL; Lifespan 0 means none
// (samples never expire), as RMW_QOS_LIFESPAN_DEFAULT.
type QoS struct {
	Reliability Reliability
	Durability  Durability
	Depth       int
	Lifespan    time.Duration
}

// The ROS 2 profiles (rmw_qos_profile_*), plus the ones this project uses for /tf, /tf_static and /clock.
var (
	QoSSensorData = QoS{Reliability: BestEffort, Durability: Volatile, Depth: 5}
	QoSDefault    = QoS{Reliability: Reliable, Durability: Volatile, Depth: 10}
	QoSTF         = QoS{Reliability: Reliable, Durability: Volatile, Depth: 100}
	QoSTFStatic   = QoS{Reliability: Reliable, Durability: TransientLocal, Depth: 1}
	QoSClock      = QoS{Reliability: BestEffort, Durability: Volatile, Depth: 1}
	// qosDiscoveryInfo is ros_discovery_info's QoS (rmw_dds_common).
	qosDiscoveryInfo = QoS{Reliability: Reliable, Durability: TransientLocal, Depth: 1}
)

func (q QoS) String() string {
	h := fmt.Sprintf("keep_last %d", q.Depth)
	if q.Depth == 0 {
		h = "keep_all"
	}
	s := q.Reliability.String() + " " + q.Durability.String() + " " + h
	if q.Lifespan > 0 {
		s += " lifespan " + q.Lifespan.String()
	}
	return s
}

// Validate checks the fields' ranges.
func (q QoS) Validate() error {
	if q.Reliability != Reliable && q.Reliability != BestEffort {
		return fmt.Errorf("qos: reliability %d unknown", q.Reliability)
	}
	if q.Durability != Volatile && q.Durability != TransientLocal {
		return fmt.Errorf("qos: durability %d unknown", q.Durability)
	}
	if q.Depth < 0 {
		return fmt.Errorf("qos: depth %d is negative", q.Depth)
	}
	if q.Lifespan < 0 {
		return fmt.Errorf("qos: lifespan %v is negative", q.Lifespan)
	}
	return nil
}

// WithParams overrides q from parameters prefix+"reliability" ("reliable" | "best_effort"),
// prefix+"durability" ("volatile" | "transient_local"), prefix+"history" ("keep_last" |
// "keep_all") and prefix+"depth" (int), the names and values rclcpp's QoS overrides use
// (prefix e.g. "qos_overrides./depth.publisher."). Absent parameters leave q as it is; a bad
// value is an error naming the parameter.
func (q QoS) WithParams(p Params, prefix string) (QoS, error) {
	str := func(key string) (string, bool, error) {
		v, ok := p[prefix+key]
		if !ok {
			return "", false, nil
		}
		s, isStr := v.(string)
		if !isStr {
			return "", false, fmt.Errorf("parameter %s%s: %v is not a string", prefix, key, v)
		}
		return strings.ToLower(s), true, nil
	}
	if s, ok, err := str("reliability"); err != nil {
		return q, err
	} else if ok {
		switch s {
		case "reliable":
			q.Reliability = Reliable
		case "best_effort":
			q.Reliability = BestEffort
		case "system_default":
		default:
			return q, fmt.Errorf("parameter %sreliability: %q is not reliable or best_effort", prefix, s)
		}
	}
	if s, ok, err := str("durability"); err != nil {
		return q, err
	} else if ok {
		switch s {
		case "volatile":
			q.Durability = Volatile
		case "transient_local":
			q.Durability = TransientLocal
		case "system_default":
		default:
			return q, fmt.Errorf("parameter %sdurability: %q is not volatile or transient_local", prefix, s)
		}
	}
	keepAll := false
	if s, ok, err := str("history"); err != nil {
		return q, err
	} else if ok {
		switch s {
		case "keep_all":
			keepAll = true
		case "keep_last", "system_default":
			if q.Depth == 0 {
				q.Depth = 10
			}
		default:
			return q, fmt.Errorf("parameter %shistory: %q is not keep_last or keep_all", prefix, s)
		}
	}
	if v, ok := p[prefix+"depth"]; ok {
		d, isInt := v.(int64)
		if !isInt || d < 1 || d > 1<<31-1 {
			return q, fmt.Errorf("parameter %sdepth: %v is not an integer from 1", prefix, v)
		}
		q.Depth = int(d)
	}
	if keepAll {
		q.Depth = 0
	}
	return q, nil
}
