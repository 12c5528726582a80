// Package ros1 makes a Go program a ROS 1 node over goroslib (github.com/bluenviron/goroslib/v2,
// pure Go: XML-RPC master and slave APIs, TCPROS): ROS 1 name resolution and remapping as
// rosrun and roslaunch pass them, private parameters from the parameter server, publishers and
// subscriptions of the msgs package's types, /clock sim time, and re-registration when the
// master restarts.
//
// # Command line and environment
//
// ParseArgs reads what ros::init reads: __name:=, __ns:= (else ROS_NAMESPACE), __master:= (else
// ROS_MASTER_URI, default http://localhost:11311), __ip:= / __hostname:= (else ROS_HOSTNAME,
// ROS_IP; else an address of this machine on the master's network), `_param:=value` private
// parameters (YAML values, written to the parameter server as roscpp does) and `from:=to`
// remappings. Names resolve as in roscpp: "/abs", "rel" against the namespace, "~priv" against
// the node; a remapping applies when its resolved "from" equals the resolved name.
//
// # Parameters
//
// Node.Params is the node's private namespace as the parameter server held it at start-up
// (roslaunch's <param> and <rosparam> put them there), read with one getParam of the namespace,
// with the `_param:=value` arguments over it. Sim time is on when ~use_sim_time or the global
// /use_sim_time is true; the clock is then the last rosgraph_msgs/Clock on /clock.
//
// # Messages: raw ROS 1 bytes through goroslib
//
// goroslib knows message types only as Go structs, from which it derives the type name, MD5 sum
// and definition of the connection header and which it serializes by reflection. This package
// builds those structs at run time (reflect.StructOf) from the msgs registry's ROS 1 definitions
// and checks that goroslib computes the registry's MD5 for them, so every msgs type works with no
// code per type. Publishing marshals with MarshalROS1 and decodes into such a struct for goroslib;
// a subscription encodes goroslib's struct back to ROS 1 bytes for the caller's UnmarshalROS1.
// Byte arrays are copied whole, so an image costs two memory copies more than a raw path would.
// goroslib limits a message to 16 MiB.
//
// # Master restarts
//
// goroslib registers a publisher or subscriber with the master once, when it is created, and
// never again. A Node therefore watches the master (getPid and getSystemState, once a second):
// when the master's pid changes or the master no longer lists the node's topics, it closes the
// goroslib node and creates a new one with the same publishers and subscriptions (latched
// messages are sent again). While the master is down, connections already made keep working.
// A node the master shuts down (`rosnode kill`, or a second node of the same name) closes Done
// with ErrShutdown instead.
package ros1
