package ros2

// #include <dds/dds.h>
// #include "cyclone.h"
import "C"

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/ssmde/ssmde/msgs"
)

// Publisher writes one ROS 2 topic.
type Publisher struct {
	node     *Node
	topic    string // fully qualified ROS name
	typeName string // ROS 2 type, "sensor_msgs/msg/Image"
	gid      Gid

	mu       sync.Mutex // serializes writes (buf is reused) against Close
	closed   bool
	writer   C.dds_entity_t
	ddsTopic C.dds_entity_t
	sertype  *C.struct_ddsi_sertype
	buf      []byte
}

// NewPublisher resolves topic (relative, ~/private or absolute; remapped) and creates a writer of
// typeName ("sensor_msgs/msg/Image") with qos.
func (n *Node) NewPublisher(topic, typeName string, qos QoS) (*Publisher, error) {
	full, ddsType, err := n.resolveEndpoint("publisher", topic, typeName, qos)
	if err != nil {
		return nil, err
	}
	p, err := n.newPublisher(DDSTopicName(full), ddsType, full, typeName, "", qos)
	if err != nil {
		return nil, err
	}
	p.typeName = typeName
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		p.destroy()
		return nil, ErrClosed
	}
	n.pubs[p] = true
	if err := n.publishGraphLocked(); err != nil {
		return p, fmt.Errorf("publisher %s created, but announcing it on ros_discovery_info failed: %w", full, err)
	}
	return p, nil
}

func (n *Node) newPublisher(ddsTopic, ddsType, rosTopic, rosType, extraUserData string, qos QoS) (*Publisher, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrClosed
	}
	t, st, err := blobTopic(n.participant, ddsTopic, ddsType)
	if err != nil {
		return nil, err
	}
	q := endpointQoS(qos, n.endpointUserData(rosType, extraUserData))
	w := C.dds_create_writer(n.participant, t, q, nil)
	C.dds_delete_qos(q)
	if w < 0 {
		C.dds_delete(t)
		return nil, entityError(fmt.Sprintf("creating a writer on %s", ddsTopic), w)
	}
	gid, err := entityGid(w)
	if err != nil {
		C.dds_delete(w)
		C.dds_delete(t)
		return nil, err
	}
	return &Publisher{node: n, topic: rosTopic, gid: gid, writer: w, ddsTopic: t, sertype: st}, nil
}

// Topic is the fully qualified ROS topic name.
func (p *Publisher) Topic() string { return p.topic }

// TypeName is the ROS 2 type, "sensor_msgs/msg/Image".
func (p *Publisher) TypeName() string { return p.typeName }

// Gid is the writer's GUID as ros_discovery_info lists it.
func (p *Publisher) Gid() Gid { return p.gid }

// Publish serializes msg into the publisher's reused buffer and writes it. msg's type must be the
// publisher's.
func (p *Publisher) Publish(msg msgs.Message) error {
	if msg.TypeName() != p.typeName {
		return fmt.Errorf("publisher %s: message type %s, want %s", p.topic, msg.TypeName(), p.typeName)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = msg.MarshalCDR(p.buf[:0])
	return p.writeLocked(p.buf)
}

var cdrLE, cdrBE = []byte{0, 1}, []byte{0, 0}

// PublishRaw writes a payload that is already serialized: encapsulation header (CDR, either byte
// order) then the body. It is copied once, into memory the DDS sample owns.
func (p *Publisher) PublishRaw(data []byte) error {
	if len(data) < 4 || !bytes.HasPrefix(data, cdrLE) && !bytes.HasPrefix(data, cdrBE) {
		return fmt.Errorf("publisher %s: payload does not start with a CDR encapsulation header", p.topic)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writeLocked(data)
}

func (p *Publisher) writeLocked(data []byte) error {
	if p.closed {
		return ErrClosed
	}
	// data holds no Go pointers; C copies it before returning (cgo pointer rules).
	rc := C.ssmde_blob_write(p.writer, p.sertype, unsafe.Pointer(unsafe.SliceData(data)), C.size_t(len(data)))
	if rc < 0 {
		return ddsError("writing "+p.topic, rc)
	}
	return nil
}

// MatchedSubscriptions is the number of readers currently matched (0: "no subscribers yet").
func (p *Publisher) MatchedSubscriptions() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrClosed
	}
	c := C.ssmde_publication_matched(p.writer)
	if c < 0 {
		return 0, ddsError("dds_get_publication_matched_status", C.dds_return_t(c))
	}
	return int(c), nil
}

func (p *Publisher) markClosed() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
}

func (p *Publisher) destroy() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		C.dds_delete(p.writer)
		C.dds_delete(p.ddsTopic)
	}
}

// Close deletes the writer and announces the change; the node's Close does it for every publisher.
func (p *Publisher) Close() error {
	n := p.node
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed || !n.pubs[p] {
		return nil
	}
	delete(n.pubs, p)
	p.destroy()
	return n.publishGraphLocked()
}

func sortGids(g []Gid) {
	slices.SortFunc(g, func(a, b Gid) int { return bytes.Compare(a[:], b[:]) })
}
