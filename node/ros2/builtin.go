package ros2

// #include <stdlib.h>
// #include <dds/dds.h>
// #include "cyclone.h"
import "C"

import (
	"math"
	"time"
	"unsafe"
)

// EndpointInfo is one DDS reader or writer as discovery describes it (the DCPSSubscription and
// DCPSPublication built-in topics): what a ROS 2 peer's rmw learns of it (`ros2 topic info -v`
// shows the same), USER_DATA and QoS included.
type EndpointInfo struct {
	Gid         Gid    // the endpoint's GUID
	Participant Gid    // its participant's GUID
	Topic       string // DDS topic, "rt/depth"
	Type        string // DDS type, "sensor_msgs::msg::dds_::Image_"
	UserData    []byte // nil when it has none
	// QoS holds the announced reliability, durability and lifespan (0: none), and the history
	// depth when the endpoint announced one (DDS does not require it: Depth is then -1).
	QoS QoS
}

// DiscoveredEndpoints lists the writers (writers true) or readers this node's participant knows
// of on its domain, its own included, as discovery has them now.
func (n *Node) DiscoveredEndpoints(writers bool) ([]EndpointInfo, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrClosed
	}
	w := 0
	if writers {
		w = 1
	}
	var v *C.ssmde_endpoint_info
	count := C.ssmde_discovered_endpoints(n.participant, C.int(w), &v)
	if count < 0 {
		return nil, ddsError("reading the DDS built-in endpoint topics", C.dds_return_t(count))
	}
	defer C.ssmde_endpoint_infos_free(v, count)
	out := make([]EndpointInfo, count)
	for i, e := range unsafe.Slice(v, int(count)) {
		ep := &out[i]
		copy(ep.Gid[:], C.GoBytes(unsafe.Pointer(&e.key[0]), 16))
		copy(ep.Participant[:], C.GoBytes(unsafe.Pointer(&e.participant_key[0]), 16))
		ep.Topic, ep.Type = C.GoString(e.topic_name), C.GoString(e.type_name)
		if e.user_data != nil {
			ep.UserData = C.GoBytes(unsafe.Pointer(e.user_data), C.int(e.user_data_size))
		}
		// Policies left out of the announcement have their DDS defaults (RELIABLE for a writer,
		// BEST_EFFORT for a reader, VOLATILE, infinite lifespan); history has none to assume.
		ep.QoS = QoS{Reliability: BestEffort, Durability: Volatile, Depth: -1}
		if e.reliability == 1 || e.reliability == -1 && writers {
			ep.QoS.Reliability = Reliable
		}
		if e.durability == 1 {
			ep.QoS.Durability = TransientLocal
		} else if e.durability > 1 {
			ep.QoS.Durability = Durability(e.durability) // transient or persistent: not a ROS 2 kind
		}
		switch {
		case e.history == 1:
			ep.QoS.Depth = 0
		case e.history == 0:
			ep.QoS.Depth = int(e.depth)
		}
		if l := int64(e.lifespan_ns); l > 0 && l != math.MaxInt64 {
			ep.QoS.Lifespan = time.Duration(l)
		}
	}
	return out, nil
}
