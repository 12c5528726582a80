package ros2

// #include <stdlib.h>
// #include <dds/dds.h>
// #include "cyclone.h"
import "C"

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/ssmde/ssmde/msgs"
)

// ErrClosed is returned by calls on a closed Node, Publisher or Subscription.
var ErrClosed = errors.New("ros2: closed")

// NodeOptions configures NewNode.
type NodeOptions struct {
	Name      string // node name before __node remapping; required
	Namespace string // before __ns remapping; "" is "/"
	Args      *Args  // parsed --ros-args (remapping, parameters); nil for none
	// DomainID is the DDS domain; nil reads ROS_DOMAIN_ID (default 0).
	DomainID *int
	// GidSize is the ros_discovery_info Gid layout; 0 picks by ROS_DISTRO (GidSizeForDistro).
	// It also picks whether readers and writers announce their type hash: the Iron-and-later
	// layout (16) does, as rmw does from Iron on; the Humble layout (24) does not.
	GidSize GidSize
	// UseSimTime makes Clock follow /clock; the use_sim_time parameter (true) does the same.
	UseSimTime bool
	// Discovery is how the DDS domain discovers other participants; nil reads ROS 2's variables
	// (ROS_AUTOMATIC_DISCOVERY_RANGE, ROS_STATIC_PEERS, ROS_LOCALHOST_ONLY, by ROS_DISTRO's rules:
	// DiscoveryFromEnv). Nodes of one process on one domain must agree on it.
	Discovery *Discovery
	// Logger gets the start-up line saying which discovery applies and why (once per domain and
	// process, when the first node creates the domain) and the discovery variables' warnings;
	// nil is slog.Default().
	Logger *slog.Logger
	// Security is the node's DDS Security (SROS2); nil reads ROS_SECURITY_* with the enclave of
	// Args (--enclave) as rcl does (SecurityRequestFromEnv). Under Enforce, missing keys fail
	// NewNode with ErrSecurity; under Permissive the node runs unsecured and Logger warns.
	Security *SecurityRequest
}

// Node is one ROS 2 node in its own DDS participant: it names topics, creates publishers and
// subscriptions, and keeps ros_discovery_info current so that ROS 2 tools see it.
type Node struct {
	// liveReaders counts the C readers of this node's subscriptions allocated and not yet freed
	// (a leak check for tests).
	liveReaders atomic.Int64

	names    *Names
	params   Params
	origins  map[string]string // where each parameter was set: "-p" or "params file PATH"
	domain   int
	dref     *domainRef // the shared DDS domain (configuration, discovery settings)
	gidSize  GidSize
	clock    *Clock
	gid      Gid
	closeErr error
	log      *slog.Logger
	csids    atomic.Uint32 // numbers the node's services and clients (their USER_DATA ids)

	mu          sync.Mutex // guards everything below and serializes graph updates
	closed      bool
	participant C.dds_entity_t
	security    Security
	infoWriter  *Publisher
	infoBuf     []byte
	pubs        map[*Publisher]bool
	subs        map[*Subscription]bool
	clockSub    *Subscription
	rosout      *Rosout // publishing this node's log records, if one was attached
}

// DomainIDFromEnv reads ROS_DOMAIN_ID: unset or empty is 0; otherwise 0..232 (the highest
// domain DDS's default port mapping allows).
func DomainIDFromEnv() (int, error) {
	s := os.Getenv("ROS_DOMAIN_ID")
	if s == "" {
		return 0, nil
	}
	d, err := strconv.Atoi(s)
	if err != nil || d < 0 || d > 232 {
		return 0, fmt.Errorf("ROS_DOMAIN_ID=%q: want an integer from 0 to 232", s)
	}
	return d, nil
}

// NewNode creates the participant, publishes the node on ros_discovery_info and, with sim time,
// subscribes /clock.
func NewNode(o NodeOptions) (*Node, error) {
	var remaps []Remap
	if o.Args != nil {
		remaps = o.Args.Remaps
	}
	names, err := NewNames(o.Name, o.Namespace, remaps)
	if err != nil {
		return nil, err
	}
	params, origins, err := o.Args.parameters(o.Name, names.FullyQualifiedName())
	if err != nil {
		return nil, err
	}
	domain := 0
	if o.DomainID != nil {
		domain = *o.DomainID
	} else if domain, err = DomainIDFromEnv(); err != nil {
		return nil, err
	}
	if domain < 0 || domain > 232 {
		return nil, fmt.Errorf("ros2: domain id %d: want 0 to 232", domain)
	}
	gidSize := o.GidSize
	if gidSize == 0 {
		gidSize = gidSizeFromEnv()
	}
	if gidSize != GidSizeHumble && gidSize != GidSizeIron {
		return nil, fmt.Errorf("ros2: Gid size %d: want 16 or 24", gidSize)
	}
	useSim := o.UseSimTime
	if v, ok := params["use_sim_time"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, fmt.Errorf("parameter use_sim_time: %v is not a bool", v)
		}
		useSim = useSim || b
	}

	var disc Discovery
	var warnings []string
	if o.Discovery != nil {
		disc = *o.Discovery
		disc.StaticPeers = slices.Clone(disc.StaticPeers)
		if disc.Source == "" {
			disc.Source = "NodeOptions.Discovery"
		}
	} else {
		disc, warnings = DiscoveryFromEnv(os.Getenv)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	req := SecurityRequestFromEnv(os.Getenv, o.Args.enclave())
	if o.Security != nil {
		req = *o.Security
	}
	sec, secWarnings, err := req.Resolve()
	if err != nil {
		return nil, err
	}
	for _, w := range secWarnings {
		logger.Warn(w)
	}
	if sec.Enabled {
		logger.Info("DDS security", "enclave", sec.Enclave, "keys", sec.Dir, "strategy", sec.Strategy.String(), "because", sec.Source)
	}
	dref, err := acquireDomain(domain, disc, warnings, logger)
	if err != nil {
		return nil, err
	}
	p, err := createParticipant(domain, sec)
	if err != nil {
		releaseDomain(domain)
		return nil, fmt.Errorf("%w (Cyclone DDS logs the reason on stderr; domain configuration %q)", err, dref.config)
	}
	n := &Node{
		names: names, params: params, origins: origins, domain: domain, dref: dref, gidSize: gidSize,
		participant: p, clock: &Clock{sim: useSim}, log: logger, security: sec,
		pubs: map[*Publisher]bool{}, subs: map[*Subscription]bool{},
	}
	fail := func(err error) (*Node, error) {
		n.Close()
		return nil, err
	}
	if n.gid, err = entityGid(p); err != nil {
		return fail(err)
	}
	if n.infoWriter, err = n.newPublisher(discoveryTopic, discoveryType, "", discoveryROSType, "", qosDiscoveryInfo); err != nil {
		return fail(err)
	}
	n.mu.Lock()
	err = n.publishGraphLocked()
	n.mu.Unlock()
	if err != nil {
		return fail(err)
	}
	if useSim {
		sub, err := n.Subscribe("/clock", "rosgraph_msgs/msg/Clock", QoSClock, n.clock.onClock)
		if err != nil {
			return fail(fmt.Errorf("use_sim_time: %w", err))
		}
		n.clockSub = sub
	}
	return n, nil
}

// Name is the node name after remapping.
func (n *Node) Name() string { return n.names.Node }

// Namespace is the node namespace after remapping.
func (n *Node) Namespace() string { return n.names.Namespace }

// FullyQualifiedName is "/namespace/name".
func (n *Node) FullyQualifiedName() string { return n.names.FullyQualifiedName() }

// Params are the node's parameters from --params-file and -p, in command-line order.
func (n *Node) Params() Params { return n.params }

// ParamOrigin says where parameter name was set: "-p", "params file PATH", or "" when it was not.
func (n *Node) ParamOrigin(name string) string { return n.origins[name] }

// DomainID is the DDS domain the node joined.
func (n *Node) DomainID() int { return n.domain }

// Discovery is the discovery configuration of the node's domain.
func (n *Node) Discovery() Discovery {
	d := n.dref.discovery
	d.StaticPeers = slices.Clone(d.StaticPeers)
	return d
}

// CycloneConfig is the configuration string the node's DDS domain was created with: the
// discovery fragment, then $CYCLONEDDS_URI as it was then.
func (n *Node) CycloneConfig() string { return n.dref.config }

// Security is the node's DDS Security configuration (Enabled false: a plain participant).
func (n *Node) Security() Security { return n.security }

// createParticipant creates the node's participant with USER_DATA "enclave=…;" and, when sec is
// enabled, the DDS Security properties.
func createParticipant(domain int, sec Security) (C.dds_entity_t, error) {
	ud := sec.UserData()
	cud := C.CString(ud)
	defer C.free(unsafe.Pointer(cud))
	props := sec.Properties()
	var names, values **C.char
	if len(props) > 0 {
		cn := C.malloc(C.size_t(len(props)) * C.size_t(unsafe.Sizeof(uintptr(0))))
		cv := C.malloc(C.size_t(len(props)) * C.size_t(unsafe.Sizeof(uintptr(0))))
		defer C.free(cn)
		defer C.free(cv)
		ns := unsafe.Slice((**C.char)(cn), len(props))
		vs := unsafe.Slice((**C.char)(cv), len(props))
		for i, kv := range props {
			ns[i], vs[i] = C.CString(kv[0]), C.CString(kv[1])
			defer C.free(unsafe.Pointer(ns[i]))
			defer C.free(unsafe.Pointer(vs[i]))
		}
		names, values = (**C.char)(cn), (**C.char)(cv)
	}
	p := C.ssmde_participant(C.uint32_t(domain), cud, C.size_t(len(ud)), C.int(len(props)), names, values)
	if p < 0 {
		what := fmt.Sprintf("creating a DDS participant on domain %d", domain)
		if sec.Enabled {
			what = fmt.Sprintf("creating a secure DDS participant on domain %d with the keys of %s (Cyclone's security plugins refused them: check that cert.pem is signed by identity_ca.cert.pem and not expired, that key.pem belongs to it, and that governance.p7s and permissions.p7s are S/MIME-signed by permissions_ca.cert.pem)", domain, sec.Dir)
		}
		return p, entityError(what, p)
	}
	return p, nil
}

// Gid is the participant's GUID, as ros_discovery_info announces it.
func (n *Node) Gid() Gid { return n.gid }

// Clock gives ROS time: /clock's when use_sim_time is on, the system clock otherwise.
func (n *Node) Clock() *Clock { return n.clock }

// ResolveTopic expands a topic name against the node and applies remapping.
func (n *Node) ResolveTopic(topic string) (string, error) { return n.names.Resolve(topic) }

// endpointUserData is the USER_DATA of a reader or writer of rosType ("pkg/msg/Type"), as
// rmw_cyclonedds writes it (create_readwrite_qos in rmw_cyclonedds_cpp/src/rmw_node.cpp, with
// rmw_dds_common's encode_type_hash_for_user_data_qos): "typehash=RIHS01_<hex>;" from Iron on,
// which `ros2 topic info -v` shows and Jazzy's graph cache parses; nothing on Humble, whose rmw
// announces none. A type msgs cannot describe (no definition there) gets no USER_DATA either, as
// an rmw endpoint with an unset hash would: Jazzy peers then show its hash as INVALID and warn
// once per endpoint, which is what happened for every endpoint before.
//
// extra ("serviceid=...;" or "clientid=...;" for the endpoints of services and clients) comes
// first, as rmw_cyclonedds puts it.
func (n *Node) endpointUserData(rosType, extra string) string {
	if n.gidSize == GidSizeHumble {
		return extra
	}
	h, err := msgs.TypeHash(rosType)
	if err != nil {
		return extra
	}
	return extra + "typehash=" + h + ";"
}

// publishGraphLocked writes the node's current readers and writers to ros_discovery_info.
func (n *Node) publishGraphLocked() error {
	info := ParticipantEntitiesInfo{Gid: n.gid, Nodes: []NodeEntitiesInfo{{
		Namespace: n.names.Namespace, Name: n.names.Node, Readers: []Gid{}, Writers: []Gid{},
	}}}
	for s := range n.subs {
		if !s.announced {
			continue
		}
		info.Nodes[0].Readers = append(info.Nodes[0].Readers, s.gid)
	}
	for p := range n.pubs {
		info.Nodes[0].Writers = append(info.Nodes[0].Writers, p.gid)
	}
	sortGids(info.Nodes[0].Readers)
	sortGids(info.Nodes[0].Writers)
	n.infoBuf = info.MarshalCDR(n.infoBuf[:0], n.gidSize)
	return n.infoWriter.PublishRaw(n.infoBuf)
}

// Close deletes every DDS entity of the node (deleting the participant deletes its children) once
// every subscription's reader goroutine has returned: no callback runs after Close returns. It is
// safe to call more than once; do not call it from a subscription callback.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return n.closeErr
	}
	n.closed = true
	subs := make([]*Subscription, 0, len(n.subs)+1)
	for s := range n.subs {
		subs = append(subs, s)
	}
	if n.clockSub != nil && !n.subs[n.clockSub] {
		subs = append(subs, n.clockSub)
	}
	pubs := make([]*Publisher, 0, len(n.pubs)+1)
	for p := range n.pubs {
		pubs = append(pubs, p)
	}
	if n.infoWriter != nil {
		pubs = append(pubs, n.infoWriter)
	}
	rosout := n.rosout
	n.mu.Unlock()

	if rosout != nil {
		rosout.Close() // what is queued still goes out
	}
	for _, s := range subs {
		s.stop()
	}
	for _, p := range pubs {
		p.markClosed()
	}
	// Deleting the participant cascades to topics, readers, writers, conditions and waitsets.
	n.closeErr = ddsError("deleting the DDS participant", C.dds_delete(n.participant))
	for _, s := range subs {
		s.freeC()
	}
	// The domain goes with the process's last node on it (and Cyclone with the last domain).
	if err := releaseDomain(n.domain); n.closeErr == nil {
		n.closeErr = err
	}
	return n.closeErr
}
