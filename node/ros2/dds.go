package ros2

/*
#cgo pkg-config: CycloneDDS
#include <stdlib.h>
#include <string.h>
#include <dds/dds.h>
#include "cyclone.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// ddsError turns a negative DDS return code into an error naming the operation.
func ddsError(op string, rc C.dds_return_t) error {
	if rc >= 0 {
		return nil
	}
	if rc == C.DDS_RETCODE_NOT_ALLOWED_BY_SECURITY {
		return fmt.Errorf("%s: %w: the enclave's permissions (permissions.p7s) have no allow rule for it; add the topic to the enclave's policy and sign it again (`ros2 security create_permission`)", op, ErrNotAllowed)
	}
	return fmt.Errorf("%s: %s (%d)", op, C.GoString(C.dds_strretcode(rc)), int(rc))
}

// ErrNotAllowed marks a topic, reader or writer that DDS Security's access control refused.
var ErrNotAllowed = errors.New("not allowed by DDS security")

func entityError(op string, e C.dds_entity_t) error { return ddsError(op, C.dds_return_t(e)) }

// endpointQoS is a reader's or writer's QoS; userData ("" for none) becomes its USER_DATA.
func endpointQoS(q QoS, userData string) *C.dds_qos_t {
	rel, tl := 0, 0
	if q.Reliability == Reliable {
		rel = 1
	}
	if q.Durability == TransientLocal {
		tl = 1
	}
	qos := C.ssmde_endpoint_qos(C.int(rel), C.int(tl), C.int(q.Depth), C.int64_t(q.Lifespan.Nanoseconds()))
	if userData != "" {
		ud := C.CString(userData)
		C.dds_qset_userdata(qos, unsafe.Pointer(ud), C.size_t(len(userData))) // copies it
		C.free(unsafe.Pointer(ud))
	}
	return qos
}

// blobTopic creates a keyless blob topic; the sertype lives while the topic does.
func blobTopic(participant C.dds_entity_t, topic, typeName string) (C.dds_entity_t, *C.struct_ddsi_sertype, error) {
	ct, cty := C.CString(topic), C.CString(typeName)
	defer C.free(unsafe.Pointer(ct))
	defer C.free(unsafe.Pointer(cty))
	var st *C.struct_ddsi_sertype
	t := C.ssmde_blob_topic(participant, ct, cty, nil, &st)
	if t < 0 {
		return 0, nil, entityError(fmt.Sprintf("creating topic %s (%s)", topic, typeName), t)
	}
	return t, st, nil
}

func entityGid(e C.dds_entity_t) (Gid, error) {
	var g Gid
	rc := C.ssmde_guid(e, unsafe.Pointer(&g[0]))
	return g, ddsError("dds_get_guid", rc)
}

// blobLive counts blob serdata alive in the process, for leak tests.
func blobLive() int64 { return int64(C.ssmde_blob_live()) }
