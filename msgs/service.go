package msgs

import (
	"encoding/binary"
	"fmt"
)

// ROS 2 services over DDS, as rmw_cyclonedds maps them (rmw_cyclonedds_cpp/src/serdata.cpp and
// Serialization.cpp: the cdds_request_header_t of serdata.hpp goes into the stream after the
// encapsulation header and before the members, for requests and replies alike; rmw_node.cpp's
// rmw_send_request fills it, rmw_send_response echoes it). The header is two 8-byte integers in
// the payload's byte order: the client's request writer's instance handle (its "guid", which
// the client uses to pick its own replies), then the request's sequence number. Because it is 16
// bytes, the members after it align as they would without it.

// ServiceHeader is that header.
type ServiceHeader struct {
	GUID uint64 // the client's request writer's instance handle, as the client numbers it
	Seq  int64  // the request's sequence number, repeated in the reply
}

// ServiceHeaderSize is the header's size on the wire.
const ServiceHeaderSize = 16

// MarshalServiceCDR appends a request or reply: encapsulation header (CDR little endian), h, then
// msg's members.
func MarshalServiceCDR(buf []byte, h ServiceHeader, msg Message) []byte {
	start := len(buf)
	buf = msg.MarshalCDR(buf)
	// Open a gap for the header after the encapsulation header.
	buf = append(buf, make([]byte, ServiceHeaderSize)...)
	copy(buf[start+4+ServiceHeaderSize:], buf[start+4:len(buf)-ServiceHeaderSize])
	binary.LittleEndian.PutUint64(buf[start+4:], h.GUID)
	binary.LittleEndian.PutUint64(buf[start+12:], uint64(h.Seq))
	return buf
}

// SplitServiceCDR reads the header of a request or reply and returns the message that follows as a
// payload of its own (encapsulation header, then the members), ready for UnmarshalCDR. It reuses
// data's storage: the returned payload is data[16:], whose first four bytes it overwrites with
// the encapsulation header.
func SplitServiceCDR(data []byte) (ServiceHeader, []byte, error) {
	var h ServiceHeader
	if len(data) < 4+ServiceHeaderSize {
		return h, nil, &DecodeError{Format: "cdr", Field: "service request header",
			Detail: fmt.Sprintf("payload of %d bytes is shorter than the %d-byte header", len(data), 4+ServiceHeaderSize), Err: ErrTruncated}
	}
	var order binary.ByteOrder
	switch {
	case data[0] == 0 && data[1] == 1:
		order = binary.LittleEndian
	case data[0] == 0 && data[1] == 0:
		order = binary.BigEndian
	default:
		return h, nil, &DecodeError{Format: "cdr", Field: "service request header",
			Detail: "representation " + hex2(data[0], data[1]) + " is not plain CDR (00 00 or 00 01)", Err: ErrEncapsulation}
	}
	h.GUID = order.Uint64(data[4:])
	h.Seq = int64(order.Uint64(data[12:]))
	body := data[ServiceHeaderSize:]
	copy(body[:4], data[:4])
	return h, body, nil
}
