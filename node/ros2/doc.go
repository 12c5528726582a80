// Package ros2 makes a Go program a ROS 2 node over Cyclone DDS (cgo, no rcl): ROS 2 name
// resolution and remapping, --ros-args and params files, QoS profiles, publishers and
// subscriptions of raw CDR, ros_discovery_info for the ROS graph, and /clock sim time.
//
// # What a ROS 2 peer sees
//
// One DDS participant per Node on ROS_DOMAIN_ID (default 0), USER_DATA "enclave=<enclave>;"
// ("/" unless --enclave names one). With ROS_SECURITY_ENABLE=true it is an SROS2 participant:
// DDS Security with the enclave's keys from ROS_SECURITY_KEYSTORE, as rmw_cyclonedds sets it up
// (security.go). A ROS topic
// "/camera/image_raw" is the DDS topic "rt/camera/image_raw"; the type "sensor_msgs/msg/Image" is
// "sensor_msgs::msg::dds_::Image_", keyless, with no XTypes type information, so every ROS 2
// middleware (rmw_fastrtps, rmw_cyclonedds, rmw_connextdds) matches it by name. Samples are the
// msgs package's CDR: encapsulation header 00 01 00 00, then XCDR1.
//
// From Iron on (the 16-byte Gid layout below), every reader and writer carries USER_DATA
// "typehash=RIHS01_<hex>;", the REP 2011 hash of its type (msgs.TypeHash), as rmw_cyclonedds
// writes it: Jazzy's tools parse it into `ros2 topic info -v`'s "Topic type hash" and warn about
// every endpoint without it. With the Humble layout endpoints carry no USER_DATA, as on Humble.
//
// Each Node publishes rmw_dds_common's ParticipantEntitiesInfo on "ros_discovery_info" (no rt/
// prefix; reliable, transient local, depth 1) whenever it creates or removes a publisher or
// subscription, so `ros2 node list` and `ros2 topic info -v` list it with its endpoints. The Gid in
// that message is 24 bytes on Humble and older, 16 from Iron on; NodeOptions.GidSize picks one,
// otherwise ROS_DISTRO does (unset: the 16-byte layout, see GidSizeForDistro).
//
// # Discovery settings
//
// The first Node on a domain id creates that Cyclone DDS domain (one per id and process) with the
// configuration rmw_cyclonedds would give it for ROS 2's discovery variables, read as rcl reads
// them (DiscoveryFromEnv; NodeOptions.Discovery sets them directly), and logs one line saying which
// range applies and which variable chose it. From Iron on: ROS_AUTOMATIC_DISCOVERY_RANGE is SUBNET
// when unset (multicast, participant indices up to 32), LOCALHOST (multicast off, "localhost" as
// a static peer), OFF (multicast off, a discovery tag no other process has, so nothing outside
// the process is found; static peers ignored) or SYSTEM_DEFAULT (Cyclone's own configuration
// only); an unknown value warns and means LOCALHOST. ROS_STATIC_PEERS (';'-separated hosts) adds
// unicast peers under SUBNET and LOCALHOST. The deprecated ROS_LOCALHOST_ONLY=1 forces LOCALHOST
// and drops the static peers. With ROS_DISTRO=humble only ROS_LOCALHOST_ONLY=1 exists, and it
// binds Cyclone to the loopback interface (127.0.0.1), as Humble's rmw_cyclonedds does. The
// generated fragment comes first and $CYCLONEDDS_URI after it, so a user's own settings override
// ours and their peers add to ours. Nodes of one process on one domain must agree on these
// settings; Node.CycloneConfig shows the configuration string.
//
// # Data path
//
// blob.c registers a keyless "blob" sertype whose serdata is one malloc'd block holding the
// serialized sample. Publish marshals into the Publisher's reused Go buffer; ssmde_blob_write copies
// it once into a new serdata (ddsi_serdata_from_ser_iov) and hands that to dds_writecdr, so Cyclone
// sends the bytes as they are and no Go memory is retained by C. On receive, Cyclone builds our
// serdata from the network fragments; each subscription's goroutine takes them with dds_takecdr and
// copies each into a new Go slice that the callback owns.
//
// Callbacks run on one goroutine per Subscription, woken by a DDS waitset (a read condition and a
// guard condition for shutdown); never on a Cyclone thread, so a slow callback never stalls DDS: the
// reader's history (QoS depth, per instance, and a ROS topic has one) keeps the newest samples and
// drops older ones. Close wakes and joins those goroutines before deleting the participant, so no
// callback runs after Close returns.
//
// # Large messages: socket buffers
//
// A 1280x720 rgb8 image is 2.7 MB, hundreds of UDP fragments; if the kernel's receive buffer
// overflows, fragments are lost and a best-effort sample never completes (reliable ones are repaired,
// late). Raise the kernel limit and let Cyclone ask for a large buffer:
//
//	sudo sysctl -w net.core.rmem_max=2147483647    # persist in /etc/sysctl.d/60-ros2.conf
//	export CYCLONEDDS_URI='<CycloneDDS><Domain><Internal><SocketReceiveBufferSize min="10MB"/></Internal></Domain></CycloneDDS>'
//
// Cyclone fails to start when the min cannot be granted (a clear sign rmem_max is too low); use
// `max` instead of `min` to ask without insisting. Fast DDS peers need the same rmem_max. The
// CYCLONEDDS_URI variable is read by every participant this package creates (it may also name a
// file: CYCLONEDDS_URI=file:///etc/cyclonedds.xml), as for rmw_cyclonedds.
//
// Cyclone's shared memory (iceoryx) stays off: the blob type has no loan path (none exists for
// variable-size types in Cyclone 0.10), and it is off unless a config enables it — do not.
//
// # Command line
//
// ParseArgs reads the --ros-args sections a launch file appends: -r/--remap [node:]from:=to
// (__node, __name, __ns included), -p/--param [node:]name:=value (YAML-typed), --params-file FILE,
// --log-level [logger:=]level, -e/--enclave (the SROS2 enclave); rcl's external-library logging
// switches and --log-file-name are accepted and reported in Args.Notes. Arguments outside those sections come back for the program's own flags.
package ros2
