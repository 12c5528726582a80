package ros2

// #include <stdlib.h>
// #include <dds/dds.h>
// #include "cyclone.h"
import "C"

import (
	"unsafe"
)

// endpointInfo is one DDS reader or writer as discovery describes it (the DCPSSubscription and
// DCPSPublication built-in topics): what a ROS 2 peer's rmw learns of it, USER_DATA included.
type endpointInfo struct {
	Gid         Gid    // the endpoint's GUID
	Participant Gid    // its participant's GUID
	Topic       string // DDS topic, "rt/depth"
	Type        string // DDS type, "sensor_msgs::msg::dds_::Image_"
	UserData    []byte // nil when it has none
}

// discoveredEndpoints lists the writers (writers true) or readers this node's participant knows
// of on its domain, its own included, as discovery has them now.
func (n *Node) discoveredEndpoints(writers bool) ([]endpointInfo, error) {
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
	out := make([]endpointInfo, count)
	for i, e := range unsafe.Slice(v, int(count)) {
		ep := &out[i]
		copy(ep.Gid[:], C.GoBytes(unsafe.Pointer(&e.key[0]), 16))
		copy(ep.Participant[:], C.GoBytes(unsafe.Pointer(&e.participant_key[0]), 16))
		ep.Topic, ep.Type = C.GoString(e.topic_name), C.GoString(e.type_name)
		if e.user_data != nil {
			ep.UserData = C.GoBytes(unsafe.Pointer(e.user_data), C.int(e.user_data_size))
		}
	}
	return out, nil
}
