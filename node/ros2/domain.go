package ros2

// #include <stdlib.h>
// #include <dds/dds.h>
import "C"

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// A Cyclone DDS domain is one per domain id and process; every participant on that id shares it
// and its configuration. Like rmw_cyclonedds (check_create_domain / check_destroy_domain in
// rmw_cyclonedds_cpp/src/rmw_node.cpp), the first node on an id creates the domain explicitly with
// the configuration its discovery settings call for, later nodes with the same settings join it
// (and with other settings fail), and the last one to close deletes it.
var domains = struct {
	sync.Mutex
	m map[int]*domainRef
}{m: map[int]*domainRef{}}

type domainRef struct {
	handle    C.dds_entity_t
	discovery Discovery
	config    string
	refs      int
}

// acquireDomain returns the process's domain id configured for d, creating it when no node uses
// it yet (and then logging which discovery applies and why on logger).
func acquireDomain(id int, d Discovery, warnings []string, logger *slog.Logger) (*domainRef, error) {
	domains.Lock()
	defer domains.Unlock()
	if ref := domains.m[id]; ref != nil {
		if !ref.discovery.Equal(d) {
			return nil, fmt.Errorf("ros2: domain %d already has discovery range %v with static peers %q in this process; a node with range %v and peers %q cannot join it",
				id, ref.discovery.Range, ref.discovery.StaticPeers, d.Range, d.StaticPeers)
		}
		ref.refs++
		return ref, nil
	}
	uri := os.Getenv("CYCLONEDDS_URI")
	config, err := d.CycloneConfig(os.Getpid(), uri)
	if err != nil {
		return nil, fmt.Errorf("ros2: discovery settings: %w", err)
	}
	for _, w := range warnings {
		logger.Warn(w)
	}
	attrs := []any{"domain", id, "range", d.describe(), "because", d.Source}
	if len(d.StaticPeers) > 0 && d.usesStaticPeers() {
		attrs = append(attrs, "static_peers", strings.Join(d.StaticPeers, ";"))
	}
	if uri != "" {
		attrs = append(attrs, "CYCLONEDDS_URI", "merged after")
	}
	logger.Info("DDS discovery", attrs...)

	cc := C.CString(config)
	defer C.free(unsafe.Pointer(cc))
	h := C.dds_create_domain(C.dds_domainid_t(id), cc)
	if h < 0 {
		if C.dds_return_t(h) == C.DDS_RETCODE_PRECONDITION_NOT_MET {
			return nil, fmt.Errorf("ros2: DDS domain %d already exists in this process, created outside package ros2, so its discovery settings cannot be applied", id)
		}
		return nil, fmt.Errorf("%w (Cyclone DDS logs the reason on stderr; configuration %q)",
			entityError(fmt.Sprintf("creating DDS domain %d", id), h), config)
	}
	ref := &domainRef{handle: h, discovery: d, config: config, refs: 1}
	domains.m[id] = ref
	return ref, nil
}

// releaseDomain drops one node's hold on domain id, deleting the domain with the last.
func releaseDomain(id int) error {
	domains.Lock()
	defer domains.Unlock()
	ref := domains.m[id]
	if ref == nil {
		return nil
	}
	if ref.refs--; ref.refs > 0 {
		return nil
	}
	delete(domains.m, id)
	return ddsError(fmt.Sprintf("deleting DDS domain %d", id), C.dds_delete(ref.handle))
}
