package ros2

// #include <stdlib.h>
// #include <dds/dds.h>
// #include "cyclone.h"
import "C"

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ssmde/ssmde/msgs"
)

// ROS 2 services the way rmw_cyclonedds carries them (rmw_cyclonedds_cpp/src/rmw_node.cpp:
// rmw_init_cs, rmw_send_request, rmw_send_response, check_for_response_reader; the framing is
// msgs.MarshalServiceCDR). A service /ns/node/name of type pkg/srv/Name is a reader of
// "rq/ns/node/nameRequest" (pkg::srv::dds_::Name_Request_) and a writer of
// "rr/ns/node/nameReply" (pkg::srv::dds_::Name_Response_); a client is the mirror image. Each
// endpoint's USER_DATA starts with "serviceid=<id>;" or "clientid=<id>;" (the same id on a
// service's or client's two endpoints), then the type hash of its own message. A service answers
// a request only once its reply writer has matched the reader of the client that sent it (found
// by the clientid of the request's writer), since a reply written before then is lost.

// QoSParameters is rmw_qos_profile_parameters, the QoS of rclcpp's parameter services.
var QoSParameters = QoS{Reliability: Reliable, Durability: Volatile, Depth: 1000}

// replyMatchWait is how long a service waits for the requesting client's reply reader to match
// before it gives the reply up. rmw_cyclonedds waits 100 ms; a little more costs nothing here
// (each service has its own goroutine) and spares a client that discovers slowly.
const replyMatchWait = 500 * time.Millisecond

// DDSRequestTopicName and DDSReplyTopicName are the DDS topics of a service's requests and replies.
func DDSRequestTopicName(service string) string { return "rq" + service + "Request" }
func DDSReplyTopicName(service string) string   { return "rr" + service + "Reply" }

// serviceTypes checks a service type "pkg/srv/Name" and gives its request and response types.
func serviceTypes(srvType string) (req, resp string, err error) {
	if parts := strings.Split(srvType, "/"); len(parts) != 3 || parts[1] != "srv" {
		return "", "", fmt.Errorf("service type %q: want pkg/srv/Name", srvType)
	}
	req, resp = srvType+"_Request", srvType+"_Response"
	if _, err := DDSTypeName(req); err != nil {
		return "", "", err
	}
	return req, resp, nil
}

// newCSID is rmw_cyclonedds' client/service id (get_unique_csid, csid_to_string): the
// participant's 12-byte GUID prefix then a big-endian counter, printed as hex bytes joined by
// dots, the first padded to two characters with a space as C++'s setw does.
func (n *Node) newCSID() string {
	var id [16]byte
	copy(id[:12], n.gid[:12])
	c := n.csids.Add(1)
	id[12], id[13], id[14], id[15] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	var b strings.Builder
	fmt.Fprintf(&b, "%2x", id[0])
	for _, x := range id[1:] {
		fmt.Fprintf(&b, ".%x", x)
	}
	return b.String()
}

// ServiceHandler answers one request: request is its payload (encapsulation header, then the
// members; it may be kept). An error drops the request: it is logged, the client gets no reply.
type ServiceHandler func(request []byte) (reply msgs.Message, err error)

// Service serves one ROS 2 service.
type Service struct {
	node    *Node
	name    string
	srvType string
	sub     *Subscription
	pub     *Publisher
	handle  ServiceHandler
	buf     []byte
}

// serviceNames resolves a service's name and its request/response ROS 2 and DDS type names: what a
// service and a client of it share.
func (n *Node) serviceNames(name, srvType string) (full, reqType, respType, reqDDS, respDDS string, err error) {
	if full, err = n.names.Resolve(name); err != nil {
		return
	}
	if reqType, respType, err = serviceTypes(srvType); err != nil {
		return
	}
	reqDDS, _ = DDSTypeName(reqType)
	respDDS, _ = DDSTypeName(respType)
	return
}

// NewService resolves name (relative, ~/private or absolute; remapped) and serves srvType
// ("rcl_interfaces/srv/GetParameters") with handle, one request at a time on the service's own
// goroutine.
func (n *Node) NewService(name, srvType string, qos QoS, handle ServiceHandler) (*Service, error) {
	full, reqType, respType, reqDDS, respDDS, err := n.serviceNames(name, srvType)
	if err != nil {
		return nil, err
	}
	ud := "serviceid=" + n.newCSID() + ";"
	s := &Service{node: n, name: full, srvType: srvType, handle: handle}
	if s.pub, err = n.newPublisher(DDSReplyTopicName(full), respDDS, full, respType, ud, qos); err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.pubs[s.pub] = true
	n.mu.Unlock()
	if s.sub, err = n.subscribeDDS(DDSRequestTopicName(full), reqDDS, full, reqType, ud, qos, s.onRequest, true); err != nil {
		s.pub.Close()
		return nil, err
	}
	return s, nil
}

// Name is the fully qualified service name.
func (s *Service) Name() string { return s.name }

func (s *Service) onRequest(data []byte, info SampleInfo) {
	h, body, err := msgs.SplitServiceCDR(data)
	var reply msgs.Message
	if err == nil {
		reply, err = s.handle(body)
	}
	if err != nil {
		s.node.log.Error("service request dropped", "service", s.name, "type", s.srvType, "bytes", len(data), "err", err)
		return
	}
	if !s.clientReady(info.PublicationHandle) {
		s.node.log.Warn("service reply dropped: the client's reply reader did not match in time",
			"service", s.name, "seq", h.Seq, "waited", replyMatchWait)
		return
	}
	s.pub.mu.Lock()
	defer s.pub.mu.Unlock()
	s.buf = msgs.MarshalServiceCDR(s.buf[:0], h, reply)
	if err := s.pub.writeLocked(s.buf); err != nil {
		s.node.log.Warn("service reply not sent", "service", s.name, "err", err)
	}
}

// clientReady waits until the reply writer has matched the reader of the client whose request
// writer sent the request (check_for_response_reader in rmw_cyclonedds); a client without a
// clientid is taken as ready, one that has gone away as not.
func (s *Service) clientReady(writer uint64) bool {
	key := C.CString("clientid")
	defer C.free(unsafe.Pointer(key))
	var buf [64]C.char
	n := C.ssmde_matched_publication_key(s.sub.r.reader, C.uint64_t(writer), key, &buf[0], C.int(len(buf)))
	switch {
	case n == -1:
		return false
	case n < 0:
		return true
	}
	id := (*C.char)(unsafe.Pointer(&buf[0]))
	deadline := time.Now().Add(replyMatchWait)
	for {
		if C.ssmde_writer_matched_key(s.pub.writer, key, id) == 1 {
			return true
		}
		if time.Now().After(deadline) || s.sub.isStopping() {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Client calls one ROS 2 service, as rclcpp's clients on rmw_cyclonedds do.
type Client struct {
	node     *Node
	name     string
	respType string
	pub      *Publisher
	sub      *Subscription
	guid     uint64 // the request writer's instance handle: replies carrying it are ours
	seq      atomic.Int64

	mu      sync.Mutex
	pending map[int64]chan []byte
}

// NewClient resolves name and creates a client of srvType.
func (n *Node) NewClient(name, srvType string, qos QoS) (*Client, error) {
	full, reqType, respType, reqDDS, respDDS, err := n.serviceNames(name, srvType)
	if err != nil {
		return nil, err
	}
	ud := "clientid=" + n.newCSID() + ";"
	c := &Client{node: n, name: full, respType: respType, pending: map[int64]chan []byte{}}
	if c.pub, err = n.newPublisher(DDSRequestTopicName(full), reqDDS, full, reqType, ud, qos); err != nil {
		return nil, err
	}
	var ih C.uint64_t
	if err := ddsError("dds_get_instance_handle", C.ssmde_instance_handle(c.pub.writer, &ih)); err != nil {
		c.pub.destroy()
		return nil, err
	}
	c.guid = uint64(ih)
	n.mu.Lock()
	n.pubs[c.pub] = true
	n.mu.Unlock()
	if c.sub, err = n.subscribeDDS(DDSReplyTopicName(full), respDDS, full, respType, ud, qos, c.onReply, true); err != nil {
		c.pub.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) onReply(data []byte, _ SampleInfo) {
	h, body, err := msgs.SplitServiceCDR(data)
	if err != nil || h.GUID != c.guid {
		return // malformed, or another client's reply
	}
	c.mu.Lock()
	ch := c.pending[h.Seq]
	delete(c.pending, h.Seq)
	c.mu.Unlock()
	if ch != nil {
		ch <- body
	}
}

// WaitForService waits until a service is matched both ways (the client's request writer with
// its reader, and its reply writer with the client's reader).
func (c *Client) WaitForService(ctx context.Context) error {
	for {
		w, err := c.pub.MatchedSubscriptions()
		if err != nil {
			return err
		}
		r, err := c.sub.MatchedPublishers()
		if err != nil {
			return err
		}
		if w > 0 && r > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s not available: %w", c.name, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// CallRaw sends a request payload (encapsulation header, then the members: what MarshalCDR of
// the request gives, or any bytes) and returns the reply's, or fails when ctx ends first.
func (c *Client) CallRaw(ctx context.Context, request []byte) ([]byte, error) {
	if len(request) < 4 {
		return nil, fmt.Errorf("client %s: request of %d bytes has no encapsulation header", c.name, len(request))
	}
	seq := c.seq.Add(1)
	ch := make(chan []byte, 1)
	c.mu.Lock()
	c.pending[seq] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, seq)
		c.mu.Unlock()
	}()
	framed := make([]byte, 0, len(request)+msgs.ServiceHeaderSize)
	framed = append(framed, request[:4]...)
	framed = append(framed, make([]byte, msgs.ServiceHeaderSize)...)
	framed = append(framed, request[4:]...)
	var order binary.ByteOrder = binary.LittleEndian // the header is in the payload's byte order
	if request[1] == 0 {
		order = binary.BigEndian
	}
	order.PutUint64(framed[4:], c.guid)
	order.PutUint64(framed[12:], uint64(seq))
	if err := c.pub.PublishRaw(framed); err != nil {
		return nil, err
	}
	select {
	case body := <-ch:
		return body, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("service %s: no reply to request %d: %w", c.name, seq, ctx.Err())
	}
}

// Call sends request and decodes the reply into reply (of the service's response type).
func (c *Client) Call(ctx context.Context, request, reply msgs.Message) error {
	if reply.TypeName() != c.respType {
		return fmt.Errorf("client %s: reply type %s, want %s", c.name, reply.TypeName(), c.respType)
	}
	body, err := c.CallRaw(ctx, request.MarshalCDR(nil))
	if err != nil {
		return err
	}
	return reply.UnmarshalCDR(body)
}
