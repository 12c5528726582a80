package ros2

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ROS 2's discovery settings, applied to the Cyclone DDS domain the way rcl reads them and
// rmw_cyclonedds turns them into Cyclone configuration. The sources this follows (read, not
// copied):
//
//   - rcl/src/rcl/discovery_options.c (ros2/rcl, Iron and later): ROS_AUTOMATIC_DISCOVERY_RANGE
//     ("" is SUBNET, rcl's build default; OFF, LOCALHOST, SUBNET, SYSTEM_DEFAULT compared exactly;
//     anything else warns and means LOCALHOST) and ROS_STATIC_PEERS (split on ';', empty items
//     dropped, items of 256 bytes or more skipped with a warning).
//   - rcl/src/rcl/init.c (rcl_init): ROS_LOCALHOST_ONLY is deprecated from Iron on but still
//     honoured: when enabled it forces LOCALHOST and drops the static peers; when set to anything
//     else it is only warned about; static peers are not read at all with OFF.
//   - rcl/src/rcl/localhost.c: from Iron on ROS_LOCALHOST_ONLY is enabled when it starts with "1",
//     disabled when it is set to anything else; on Humble it is enabled only when it is exactly
//     "1" (branch humble).
//   - rmw_cyclonedds_cpp/src/rmw_node.cpp (ros2/rmw_cyclonedds), check_create_domain: on
//     Iron/Jazzy each range maps to multicast on or off, "localhost" as a static peer or not, and
//     ROS_STATIC_PEERS as peers or not (SYSTEM_DEFAULT and OFF ignore them, with a warning); the
//     result is one <CycloneDDS><Domain> fragment (AllowMulticast, ParticipantIndex auto with
//     MaxAutoParticipantIndex 32, Peers; for OFF ParticipantIndex none and a per-process discovery
//     Tag) placed before $CYCLONEDDS_URI, so the user's configuration, merged after it by Cyclone,
//     overrides it. On Humble (branch humble) localhost-only instead pins the network interface to
//     127.0.0.1, and nothing else is configured.
//   - rmw/src/discovery_options.c (ros2/rmw): two nodes of one process share a domain only when
//     their range and static peers (in order) are equal.

// DiscoveryRange is ROS 2's automatic discovery range (rmw_automatic_discovery_range_t; the
// values are rmw's).
type DiscoveryRange int

const (
	DiscoveryRangeNotSet        DiscoveryRange = 0
	DiscoveryRangeOff           DiscoveryRange = 1 // no discovery beyond this process
	DiscoveryRangeLocalhost     DiscoveryRange = 2 // this host only
	DiscoveryRangeSubnet        DiscoveryRange = 3 // multicast on the subnet (ROS 2's default)
	DiscoveryRangeSystemDefault DiscoveryRange = 4 // leave DDS's discovery configuration alone
)

// String is the ROS_AUTOMATIC_DISCOVERY_RANGE spelling.
func (r DiscoveryRange) String() string {
	switch r {
	case DiscoveryRangeNotSet:
		return "NOT_SET"
	case DiscoveryRangeOff:
		return "OFF"
	case DiscoveryRangeLocalhost:
		return "LOCALHOST"
	case DiscoveryRangeSubnet:
		return "SUBNET"
	case DiscoveryRangeSystemDefault:
		return "SYSTEM_DEFAULT"
	}
	return fmt.Sprintf("DiscoveryRange(%d)", int(r))
}

// maxStaticPeerLen is the longest ROS_STATIC_PEERS item rcl keeps (rmw's
// RMW_DISCOVERY_OPTIONS_STATIC_PEERS_MAX_LENGTH is 256, terminating NUL included).
const maxStaticPeerLen = 255

// Discovery is how a node's DDS domain discovers others.
type Discovery struct {
	// Range is the automatic discovery range. With Humble, only Localhost (ROS_LOCALHOST_ONLY=1)
	// and Subnet (everything else) exist.
	Range DiscoveryRange
	// StaticPeers are extra hosts (names or addresses) to discover, besides those Range reaches;
	// Subnet and Localhost add them, Off and SystemDefault ignore them. Humble has none.
	StaticPeers []string
	// Humble applies Humble's rmw_cyclonedds instead of Iron's and later: localhost-only binds to
	// the loopback interface rather than turning multicast off and using localhost as a peer.
	Humble bool
	// Source says which setting chose Range (for the start-up log line); informational only.
	Source string
}

// Equal reports whether two nodes with these settings may share one DDS domain in a process
// (rmw_discovery_options_equal: the same range, the same static peers in the same order).
func (d Discovery) Equal(o Discovery) bool {
	return d.Range == o.Range && d.Humble == o.Humble && slices.Equal(d.StaticPeers, o.StaticPeers)
}

// humbleDistro reports whether ROS_DISTRO names Humble or an older release (whose rcl has no
// discovery range). Unset and unknown values get Iron's and later behaviour, as GidSizeForDistro.
func humbleDistro(distro string) bool { return GidSizeForDistro(distro) == GidSizeHumble }

// DiscoveryFromEnv reads ROS 2's discovery variables through getenv (os.Getenv, or a table in
// tests): ROS_DISTRO picks Humble's rules or Iron's and later; then ROS_LOCALHOST_ONLY,
// ROS_AUTOMATIC_DISCOVERY_RANGE and ROS_STATIC_PEERS as rcl reads them. Unset and empty are alike.
// warnings are what rcl would warn about (plus variables that the distro does not have).
func DiscoveryFromEnv(getenv func(string) string) (d Discovery, warnings []string) {
	localhostOnly := getenv("ROS_LOCALHOST_ONLY")
	rangeVar := getenv("ROS_AUTOMATIC_DISCOVERY_RANGE")
	peersVar := getenv("ROS_STATIC_PEERS")

	if humbleDistro(getenv("ROS_DISTRO")) {
		d.Humble = true
		for _, v := range []struct{ name, value string }{{"ROS_AUTOMATIC_DISCOVERY_RANGE", rangeVar}, {"ROS_STATIC_PEERS", peersVar}} {
			if v.value != "" {
				warnings = append(warnings, fmt.Sprintf("%s=%q is ignored: ROS_DISTRO=%s has no such setting (it came with Iron); use ROS_LOCALHOST_ONLY=1 or CYCLONEDDS_URI",
					v.name, v.value, getenv("ROS_DISTRO")))
			}
		}
		if localhostOnly == "1" {
			d.Range, d.Source = DiscoveryRangeLocalhost, "ROS_LOCALHOST_ONLY=1"
		} else {
			d.Range, d.Source = DiscoveryRangeSubnet, "default: ROS_LOCALHOST_ONLY is not 1"
			if localhostOnly == "" {
				d.Source = "default: ROS_LOCALHOST_ONLY unset"
			}
		}
		return d, warnings
	}

	if localhostOnly != "" {
		warnings = append(warnings, "ROS_LOCALHOST_ONLY is deprecated but still honored if it is enabled; use ROS_AUTOMATIC_DISCOVERY_RANGE and ROS_STATIC_PEERS instead")
		if strings.HasPrefix(localhostOnly, "1") {
			if rangeVar != "" || peersVar != "" {
				warnings = append(warnings, fmt.Sprintf("ROS_LOCALHOST_ONLY=%s is enabled: ROS_AUTOMATIC_DISCOVERY_RANGE and ROS_STATIC_PEERS are ignored", localhostOnly))
			}
			d.Range, d.Source = DiscoveryRangeLocalhost, "ROS_LOCALHOST_ONLY="+localhostOnly+" (deprecated)"
			return d, warnings
		}
	}
	switch rangeVar {
	case "":
		d.Range, d.Source = DiscoveryRangeSubnet, "default: ROS_AUTOMATIC_DISCOVERY_RANGE unset"
	case "OFF":
		d.Range = DiscoveryRangeOff
	case "LOCALHOST":
		d.Range = DiscoveryRangeLocalhost
	case "SUBNET":
		d.Range = DiscoveryRangeSubnet
	case "SYSTEM_DEFAULT":
		d.Range = DiscoveryRangeSystemDefault
	default:
		warnings = append(warnings, fmt.Sprintf("invalid ROS_AUTOMATIC_DISCOVERY_RANGE=%q (want OFF, LOCALHOST, SUBNET or SYSTEM_DEFAULT), assuming LOCALHOST", rangeVar))
		d.Range = DiscoveryRangeLocalhost
	}
	if d.Source == "" {
		d.Source = "ROS_AUTOMATIC_DISCOVERY_RANGE=" + rangeVar
	}
	if d.Range == DiscoveryRangeOff {
		// rcl does not even read the peers with OFF.
		if peersVar != "" {
			warnings = append(warnings, "ROS_AUTOMATIC_DISCOVERY_RANGE is OFF: ROS_STATIC_PEERS is ignored")
		}
		return d, warnings
	}
	for _, p := range strings.Split(peersVar, ";") {
		switch {
		case p == "":
		case len(p) > maxStaticPeerLen:
			warnings = append(warnings, fmt.Sprintf("static peer %q in ROS_STATIC_PEERS is too long (at most %d bytes); skipping it", p, maxStaticPeerLen))
		default:
			d.StaticPeers = append(d.StaticPeers, p)
		}
	}
	if d.Range == DiscoveryRangeSystemDefault && len(d.StaticPeers) > 0 {
		warnings = append(warnings, fmt.Sprintf("%d static peers were given, but ROS_AUTOMATIC_DISCOVERY_RANGE is SYSTEM_DEFAULT (the DDS configuration alone decides), so they are ignored", len(d.StaticPeers)))
	}
	return d, warnings
}

// ConfigXML is the Cyclone DDS configuration fragment rmw_cyclonedds prepends to $CYCLONEDDS_URI
// for d, with its trailing comma (Cyclone skips empty fragments), or "" when it configures
// nothing. pid goes into OFF's discovery Tag, which no participant of another process carries, so
// that nothing outside the process is discovered. Peers are XML-escaped (rmw pastes them as they
// are; the two agree for every host name and address).
func (d Discovery) ConfigXML(pid int) (string, error) {
	if d.Humble {
		if len(d.StaticPeers) > 0 {
			return "", fmt.Errorf("static peers %q: Humble has none (set them in CYCLONEDDS_URI)", d.StaticPeers)
		}
		switch d.Range {
		case DiscoveryRangeLocalhost:
			return `<CycloneDDS><Domain><General><Interfaces><NetworkInterface address="127.0.0.1"/></Interfaces></General></Domain></CycloneDDS>,`, nil
		case DiscoveryRangeSubnet, DiscoveryRangeSystemDefault:
			return "", nil
		}
		return "", fmt.Errorf("discovery range %v: Humble has only localhost-only or the default", d.Range)
	}
	var localhostPeer, staticPeers, noMulticast bool
	switch d.Range {
	case DiscoveryRangeSubnet:
		staticPeers = true
	case DiscoveryRangeSystemDefault:
		return "", nil
	case DiscoveryRangeLocalhost:
		localhostPeer, staticPeers, noMulticast = true, true, true
	case DiscoveryRangeOff:
		noMulticast = true
	case DiscoveryRangeNotSet:
		return "", fmt.Errorf("discovery range not set")
	default:
		return "", fmt.Errorf("unknown discovery range %v", d.Range)
	}
	var b strings.Builder
	b.WriteString("<CycloneDDS><Domain>")
	if noMulticast {
		b.WriteString("<General><AllowMulticast>false</AllowMulticast></General>")
	}
	b.WriteString("<Discovery>")
	if d.Range == DiscoveryRangeOff {
		// No fixed participant index (so no limit on participants per host) and a tag no
		// other process shares.
		b.WriteString("<ParticipantIndex>none</ParticipantIndex><Tag>ros_discovery_off_" + strconv.Itoa(pid) + "</Tag>")
	} else {
		// Indices let unicast discovery reach every participant on a host by port; 32 is rmw's
		// choice of how many processes per host and domain that covers.
		b.WriteString("<ParticipantIndex>auto</ParticipantIndex><MaxAutoParticipantIndex>32</MaxAutoParticipantIndex>")
	}
	if localhostPeer || staticPeers && len(d.StaticPeers) > 0 {
		b.WriteString("<Peers>")
		if localhostPeer {
			b.WriteString(`<Peer address="localhost"/>`)
		}
		for _, p := range d.StaticPeers {
			b.WriteString(`<Peer address="` + xmlAttrEscape(p) + `"/>`)
		}
		b.WriteString("</Peers>")
	}
	b.WriteString("</Discovery></Domain></CycloneDDS>,")
	return b.String(), nil
}

func xmlAttrEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}

// CycloneConfig is the configuration string a domain is created with: d's fragment, then the
// user's $CYCLONEDDS_URI (a list of XML fragments and file names that Cyclone reads in order,
// later settings overriding earlier ones), exactly as rmw_cyclonedds passes it to
// dds_create_domain.
func (d Discovery) CycloneConfig(pid int, cycloneddsURI string) (string, error) {
	frag, err := d.ConfigXML(pid)
	if err != nil {
		return "", err
	}
	return frag + cycloneddsURI, nil
}

// describe is the start-up log line's summary of d.
func (d Discovery) describe() string {
	if !d.Humble {
		return d.Range.String()
	}
	if d.Range == DiscoveryRangeLocalhost {
		return "LOCALHOST (Humble localhost-only: the loopback interface)"
	}
	return d.Range.String() + " (Humble)"
}

// usesStaticPeers reports whether d's range adds StaticPeers to the configuration.
func (d Discovery) usesStaticPeers() bool {
	return !d.Humble && (d.Range == DiscoveryRangeSubnet || d.Range == DiscoveryRangeLocalhost)
}
