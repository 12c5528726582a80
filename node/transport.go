package node

import "github.com/ssmde/ssmde/msgs"

// QoS is the part of a DDS QoS profile the node chooses; ROS 1 ignores all but Depth.
type QoS struct {
	Reliable       bool
	TransientLocal bool
	Depth          int
}

// QoS profiles of DESIGN §5: subscribe BEST_EFFORT (matches both kinds of publisher), publish
// RELIABLE with a small KEEP_LAST (matches both kinds of subscriber).
var (
	QoSSensorIn = QoS{Reliable: false, Depth: 5}
	QoSTF       = QoS{Reliable: true, Depth: 100}
	QoSTFStatic = QoS{Reliable: true, TransientLocal: true, Depth: 1}
)

// Transport is what the node needs of a ROS middleware. ROS 2 (DDS) and ROS 1 implement it.
// Topic names given to it are node-relative ("depth") or absolute ("/tf"); the transport
// resolves them against the node's namespace and applies remappings.
type Transport interface {
	// Subscribe calls handle with each message's serialized bytes, which are valid only during
	// the call. handle must return quickly: it runs on the middleware's thread.
	Subscribe(topic, msgType string, qos QoS, handle func(data []byte)) error
	// Advertise creates a publisher.
	Advertise(topic, msgType string, qos QoS) (Publisher, error)
	// Decode fills msg from the transport's wire format (CDR for ROS 2, ROS 1 serialization).
	Decode(data []byte, msg msgs.Message) error
	// Now is the node's clock (sim time when use_sim_time is on).
	Now() msgs.Time
	Close() error
}

// IntoSubscriber is a Transport that can hand large messages straight into the node's buffer: put
// gets the message's size and a fill function that copies the message into dst (len(dst) == size)
// and must be called before put returns. One copy, from the middleware's receive buffer, and no
// allocation per message (ROS 2 implements it; the node falls back to Subscribe otherwise).
type IntoSubscriber interface {
	SubscribeInto(topic, msgType string, qos QoS, put func(size int, fill func(dst []byte))) error
}

// Publisher publishes one topic.
type Publisher interface {
	Publish(msg msgs.Message) error
	// Subscribers is how many subscriptions are matched now (for publish-when-subscribed).
	Subscribers() int
}
