package ros2

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ros_discovery_info carries rmw_dds_common's ParticipantEntitiesInfo: which ROS nodes live in a
// DDS participant and which readers and writers belong to each. `ros2 node list` and
// `ros2 topic info -v` build the ROS graph from it.
const (
	discoveryTopic   = "ros_discovery_info"
	discoveryType    = "rmw_dds_common::msg::dds_::ParticipantEntitiesInfo_"
	discoveryROSType = "rmw_dds_common/msg/ParticipantEntitiesInfo"
)

// GidSize is the byte length of rmw_dds_common/Gid: 24 on Humble and older, 16 from Iron on.
type GidSize int

const (
	GidSizeHumble GidSize = 24
	GidSizeIron   GidSize = 16
)

// GidSizeForDistro picks the Gid layout for a ROS_DISTRO value. Unset or unknown distros get the
// Iron/Jazzy layout: every supported release since Iron uses it, and a Humble installation always
// sets ROS_DISTRO in its setup script, so a process started from a Humble shell or launch file sees it.
func GidSizeForDistro(distro string) GidSize {
	switch strings.ToLower(distro) {
	case "humble", "galactic", "foxy", "eloquent", "dashing":
		return GidSizeHumble
	}
	return GidSizeIron
}

// gidSizeFromEnv is GidSizeForDistro($ROS_DISTRO).
func gidSizeFromEnv() GidSize { return GidSizeForDistro(os.Getenv("ROS_DISTRO")) }

// Gid is a DDS GUID (16 bytes: 12-byte prefix, 4-byte entity id), as rmw_dds_common's Gid
// carries it (zero-padded to 24 bytes in the Humble layout).
type Gid [16]byte

func (g Gid) String() string { return fmt.Sprintf("%x", g[:]) }

// NodeEntitiesInfo is rmw_dds_common/NodeEntitiesInfo.
type NodeEntitiesInfo struct {
	Namespace string
	Name      string
	Readers   []Gid
	Writers   []Gid
}

// ParticipantEntitiesInfo is rmw_dds_common/ParticipantEntitiesInfo.
type ParticipantEntitiesInfo struct {
	Gid   Gid
	Nodes []NodeEntitiesInfo
}

// MarshalCDR appends the encapsulation header and the XCDR1 encoding with Gids of the given size.
func (p *ParticipantEntitiesInfo) MarshalCDR(buf []byte, gidSize GidSize) []byte {
	buf = append(buf, 0, 1, 0, 0)
	start := len(buf)
	le := binary.LittleEndian
	align4 := func() {
		for (len(buf)-start)%4 != 0 {
			buf = append(buf, 0)
		}
	}
	gid := func(g Gid) {
		buf = append(buf, g[:]...)
		for i := len(g); i < int(gidSize); i++ {
			buf = append(buf, 0)
		}
	}
	str := func(s string) {
		align4()
		buf = le.AppendUint32(buf, uint32(len(s)+1))
		buf = append(buf, s...)
		buf = append(buf, 0)
	}
	gid(p.Gid)
	align4()
	buf = le.AppendUint32(buf, uint32(len(p.Nodes)))
	for _, n := range p.Nodes {
		str(n.Namespace)
		str(n.Name)
		for _, gids := range [][]Gid{n.Readers, n.Writers} {
			align4()
			buf = le.AppendUint32(buf, uint32(len(gids)))
			for _, g := range gids {
				gid(g)
			}
		}
	}
	return buf
}

var errShort = errors.New("truncated")

// UnmarshalCDR decodes a payload with its encapsulation header (little- or big-endian) whose Gids
// have the given size; it fails on a payload of the other layout unless the lengths happen to fit.
func (p *ParticipantEntitiesInfo) UnmarshalCDR(data []byte, gidSize GidSize) error {
	if len(data) < 4 || data[0] != 0 || data[1] > 1 {
		return fmt.Errorf("ParticipantEntitiesInfo: bad encapsulation header % x", data[:min(4, len(data))])
	}
	var order binary.ByteOrder = binary.BigEndian
	if data[1] == 1 {
		order = binary.LittleEndian
	}
	body, off := data[4:], 0
	fail := func(field string, err error) error {
		return fmt.Errorf("ParticipantEntitiesInfo: %s at byte %d: %w", field, off, err)
	}
	u32 := func() (uint32, error) {
		off = (off + 3) &^ 3
		if off+4 > len(body) {
			return 0, errShort
		}
		v := order.Uint32(body[off:])
		off += 4
		return v, nil
	}
	gid := func() (Gid, error) {
		var g Gid
		if off+int(gidSize) > len(body) {
			return g, errShort
		}
		copy(g[:], body[off:off+int(gidSize)])
		off += int(gidSize)
		return g, nil
	}
	str := func() (string, error) {
		n, err := u32()
		if err != nil {
			return "", err
		}
		if n == 0 || uint64(off)+uint64(n) > uint64(len(body)) || body[off+int(n)-1] != 0 {
			return "", fmt.Errorf("string length %d does not fit", n)
		}
		s := string(body[off : off+int(n)-1])
		off += int(n)
		return s, nil
	}
	gids := func() ([]Gid, error) {
		n, err := u32()
		if err != nil {
			return nil, err
		}
		if uint64(n)*uint64(gidSize) > uint64(len(body)-off) {
			return nil, fmt.Errorf("%d gids do not fit", n)
		}
		out := make([]Gid, n)
		for i := range out {
			if out[i], err = gid(); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var err error
	if p.Gid, err = gid(); err != nil {
		return fail("gid", err)
	}
	n, err := u32()
	if err != nil {
		return fail("node_entities_info_seq", err)
	}
	if uint64(n)*16 > uint64(len(body)) {
		return fail("node_entities_info_seq", fmt.Errorf("%d nodes do not fit", n))
	}
	p.Nodes = make([]NodeEntitiesInfo, n)
	for i := range p.Nodes {
		nd := &p.Nodes[i]
		if nd.Namespace, err = str(); err != nil {
			return fail("node_namespace", err)
		}
		if nd.Name, err = str(); err != nil {
			return fail("node_name", err)
		}
		if nd.Readers, err = gids(); err != nil {
			return fail("reader_gid_seq", err)
		}
		if nd.Writers, err = gids(); err != nil {
			return fail("writer_gid_seq", err)
		}
	}
	if len(body)-off > 3 {
		return fmt.Errorf("ParticipantEntitiesInfo: %d bytes left over (Gid size %d the wrong layout?)", len(body)-off, gidSize)
	}
	return nil
}
