package msgs

// Clock is rosgraph_msgs/Clock, the payload of /clock under simulated time.
type Clock struct {
	Clock Time
}
