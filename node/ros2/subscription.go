package ros2

// #include <dds/dds.h>
// #include "cyclone.h"
import "C"

import (
	"fmt"
	"sync"
	"time"
	"unsafe"
)

// SampleInfo describes one received sample.
type SampleInfo struct {
	SourceTimestamp   time.Time // when the publisher wrote it (the writer's clock)
	Received          time.Time // when this process took it from DDS
	PublicationHandle uint64    // identifies the remote writer within this participant
}

// takeBatch is how many samples one take returns at most.
const takeBatch = 16

// Subscription reads one ROS 2 topic on its own goroutine and calls its callback there.
type Subscription struct {
	node      *Node
	topic     string
	typeName  string
	gid       Gid
	callback  func(data []byte, info SampleInfo)
	announced bool // listed on ros_discovery_info
	// into, when set instead of callback, receives each sample's size and a fill function that
	// copies the sample straight from Cyclone's buffer into the caller's (SubscribeInto).
	into func(size int, fill func(dst []byte))
	fill func(dst []byte)       // s.fillCurrent, made once so that no call allocates
	cur  *C.struct_ddsi_serdata // the sample being handed to into

	r        *C.ssmde_reader
	ddsTopic C.dds_entity_t
	done     chan struct{} // closed when the reader goroutine returns
	stopOnce sync.Once
	freeOnce sync.Once
	mu       sync.Mutex
	stopping bool
}

// Subscribe resolves topic and creates a reader of typeName with qos. Each sample's serialized
// bytes (encapsulation header included) are copied into a new slice that the callback owns and
// may keep (msgs' Unmarshal aliases byte sequences into it). The callback runs on the
// subscription's own goroutine, one sample at a time, never on a DDS thread: while it is busy, DDS
// keeps receiving into the reader's history (depth qos.Depth), dropping the oldest, so a slow
// callback costs only old samples.
func (n *Node) Subscribe(topic, typeName string, qos QoS, callback func(data []byte, info SampleInfo)) (*Subscription, error) {
	if callback == nil {
		return nil, fmt.Errorf("subscription %s: nil callback", topic)
	}
	full, ddsType, err := n.resolveEndpoint("subscription", topic, typeName, qos)
	if err != nil {
		return nil, err
	}
	return n.subscribeDDS(DDSTopicName(full), ddsType, full, typeName, "", qos, callback, true)
}

// resolveEndpoint resolves a publisher's or subscription's topic (relative, ~/private or absolute;
// remapped), its DDS type name and checks its QoS: what every endpoint the user creates needs.
func (n *Node) resolveEndpoint(kind, topic, typeName string, qos QoS) (full, ddsType string, err error) {
	if full, err = n.names.Resolve(topic); err != nil {
		return "", "", err
	}
	if ddsType, err = DDSTypeName(typeName); err != nil {
		return "", "", err
	}
	if err := qos.Validate(); err != nil {
		return "", "", fmt.Errorf("%s %s: %w", kind, full, err)
	}
	return full, ddsType, nil
}

// SubscribeInto is Subscribe for large messages, without a copy of their own: put gets each
// sample's size and a fill function that copies the sample (encapsulation header included) from
// Cyclone's receive buffer into dst, len(dst) == size, and must call it before returning. The
// caller's buffer can be reused from sample to sample, so the steady state allocates nothing and
// copies each sample once. put runs on the subscription's goroutine, as a callback does.
func (n *Node) SubscribeInto(topic, typeName string, qos QoS, put func(size int, fill func(dst []byte))) (*Subscription, error) {
	if put == nil {
		return nil, fmt.Errorf("subscription %s: nil put", topic)
	}
	full, ddsType, err := n.resolveEndpoint("subscription", topic, typeName, qos)
	if err != nil {
		return nil, err
	}
	return n.subscribeDDSWith(DDSTopicName(full), ddsType, full, typeName, "", qos, nil, put, true)
}

// fillCurrent copies the sample being handed over into dst (at most its size).
func (s *Subscription) fillCurrent(dst []byte) {
	if len(dst) == 0 || s.cur == nil {
		return
	}
	size := int(C.ssmde_serdata_size(s.cur))
	C.ssmde_serdata_copy(s.cur, unsafe.Pointer(&dst[0]), C.size_t(min(size, len(dst))))
}

// subscribeDDS subscribes a DDS topic by its DDS names (typeName is the ROS type, for the type
// hash; "" for none); announce lists the reader on
// ros_discovery_info (ROS topics are announced, the graph topic itself is not).
func (n *Node) subscribeDDS(ddsTopic, ddsType, rosTopic, typeName, extraUserData string, qos QoS, callback func([]byte, SampleInfo), announce bool) (*Subscription, error) {
	return n.subscribeDDSWith(ddsTopic, ddsType, rosTopic, typeName, extraUserData, qos, callback, nil, announce)
}

// subscribeDDSWith is subscribeDDS with either a callback or an into function (SubscribeInto).
func (n *Node) subscribeDDSWith(ddsTopic, ddsType, rosTopic, typeName, extraUserData string, qos QoS,
	callback func([]byte, SampleInfo), into func(int, func([]byte)), announce bool) (*Subscription, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrClosed
	}
	t, _, err := blobTopic(n.participant, ddsTopic, ddsType)
	if err != nil {
		return nil, err
	}
	q := endpointQoS(qos, n.endpointUserData(typeName, extraUserData))
	rd := C.dds_create_reader(n.participant, t, q, nil)
	C.dds_delete_qos(q)
	if rd < 0 {
		C.dds_delete(t)
		return nil, entityError("creating a reader on "+ddsTopic, rd)
	}
	gid, err := entityGid(rd)
	if err != nil {
		C.dds_delete(rd)
		C.dds_delete(t)
		return nil, err
	}
	var rc C.dds_return_t
	r := C.ssmde_reader_new(n.participant, rd, takeBatch, &rc)
	if r == nil {
		C.dds_delete(t)
		return nil, ddsError("creating a waitset for "+ddsTopic, rc)
	}
	n.liveReaders.Add(1)
	s := &Subscription{
		node: n, topic: rosTopic, typeName: typeName, gid: gid, callback: callback, announced: announce,
		r: r, ddsTopic: t, done: make(chan struct{}),
	}
	if into != nil {
		s.into, s.fill = into, s.fillCurrent
	}
	go s.run()
	n.subs[s] = true
	if !announce {
		return s, nil
	}
	if err := n.publishGraphLocked(); err != nil {
		return s, fmt.Errorf("subscription %s created, but announcing it on ros_discovery_info failed: %w", rosTopic, err)
	}
	return s, nil
}

// Topic is the fully qualified ROS topic name.
func (s *Subscription) Topic() string { return s.topic }

// TypeName is the ROS 2 type, "sensor_msgs/msg/Image".
func (s *Subscription) TypeName() string { return s.typeName }

// Gid is the reader's GUID as ros_discovery_info lists it.
func (s *Subscription) Gid() Gid { return s.gid }

func (s *Subscription) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

func (s *Subscription) run() {
	defer close(s.done)
	bufs := unsafe.Slice(s.r.bufs, takeBatch)
	infos := unsafe.Slice(s.r.infos, takeBatch)
	for {
		if rc := C.ssmde_reader_wait(s.r); rc < 0 || s.isStopping() {
			return
		}
		for !s.isStopping() {
			n := int(C.ssmde_reader_take(s.r))
			if n <= 0 {
				break
			}
			received := time.Now()
			for i := 0; i < n; i++ {
				d := bufs[i]
				if s.into != nil {
					if bool(infos[i].valid_data) && !s.isStopping() {
						s.cur = d
						s.into(int(C.ssmde_serdata_size(d)), s.fill)
						s.cur = nil
					}
					C.ssmde_serdata_unref(d)
					bufs[i] = nil
					continue
				}
				var data []byte
				if infos[i].valid_data {
					size := C.ssmde_serdata_size(d)
					data = make([]byte, size)
					if size > 0 {
						C.ssmde_serdata_copy(d, unsafe.Pointer(&data[0]), C.size_t(size))
					}
				}
				info := SampleInfo{
					SourceTimestamp:   time.Unix(0, int64(infos[i].source_timestamp)),
					Received:          received,
					PublicationHandle: uint64(infos[i].publication_handle),
				}
				C.ssmde_serdata_unref(d)
				bufs[i] = nil
				// Later samples of this batch are still referenced; release them if we stop.
				if data != nil && !s.isStopping() {
					s.callback(data, info)
				}
			}
		}
	}
}

// stop wakes the goroutine and waits until it has returned.
func (s *Subscription) stop() {
	s.stopOnce.Do(func() {
		s.mu.Lock()
		s.stopping = true
		s.mu.Unlock()
		C.ssmde_reader_wake(s.r)
		<-s.done
	})
}

// freeC releases the C side once the goroutine is gone.
func (s *Subscription) freeC() {
	s.freeOnce.Do(func() {
		C.ssmde_reader_free(s.r)
		s.r = nil
		s.node.liveReaders.Add(-1)
	})
}

// MatchedPublishers is the number of writers currently matched.
func (s *Subscription) MatchedPublishers() (int, error) {
	s.node.mu.Lock()
	defer s.node.mu.Unlock()
	if s.node.closed || s.r == nil {
		return 0, ErrClosed
	}
	c := C.ssmde_subscription_matched(s.r.reader)
	if c < 0 {
		return 0, ddsError("dds_get_subscription_matched_status", C.dds_return_t(c))
	}
	return int(c), nil
}

// testHookSubscriptionStopped, set by a test, runs in Close between stopping the callbacks and
// freeing the reader: where a concurrent Node.Close can come in.
var testHookSubscriptionStopped func(*Node)

// Close stops the callbacks (none runs after Close returns), deletes the reader and announces the
// change. Do not call it from the subscription's own callback.
func (s *Subscription) Close() error {
	n := s.node
	n.mu.Lock()
	if n.closed || !n.subs[s] {
		n.mu.Unlock()
		return nil
	}
	delete(n.subs, s)
	n.mu.Unlock()
	s.stop()
	if testHookSubscriptionStopped != nil {
		testHookSubscriptionStopped(n)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		// The node closed while this subscription was stopping: its Close no longer listed this
		// subscription (taken out of n.subs above), so the C side is freed here (the reader entity
		// went with the participant; deleting its handle again is harmless).
		s.freeC()
		return nil
	}
	s.freeC()
	C.dds_delete(s.ddsTopic)
	if !s.announced {
		return nil
	}
	return n.publishGraphLocked()
}
