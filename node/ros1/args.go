package ros1

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Args are the ROS 1 command-line arguments of a node, as rosrun and roslaunch pass them:
//
//	__name:=NAME __ns:=NS __master:=URI __ip:=IP __hostname:=HOST __log:=FILE
//	_param:=value     (a private parameter, ~param; the value is YAML, as roscpp and rospy read it)
//	from:=to          (a remapping; both sides resolved against the node, "~x" is private)
type Args struct {
	Name, Namespace string         // __name, __ns; empty when not given
	Master          string         // __master
	IP, Hostname    string         // __ip, __hostname
	Log             string         // __log (roslaunch's log file for the node; informational)
	Remaps          []Remap        // in command-line order; the first match wins
	Params          map[string]any // _param:=value, keys without the leading '_'
}

// Remap is one from:=to rule as written.
type Remap struct{ From, To string }

func (r Remap) String() string { return r.From + ":=" + r.To }

// IsROSArg reports whether a command-line argument is a ROS 1 argument (NAME:=VALUE).
func IsROSArg(a string) bool {
	i := strings.Index(a, ":=")
	return i > 0 && !strings.HasPrefix(a, "-")
}

// ParseArgs splits argv into ROS 1 arguments and the rest (flags and positional arguments for
// the program), like ros::init and rospy.myargv.
func ParseArgs(argv []string) (*Args, []string, error) {
	a := &Args{Params: map[string]any{}}
	var rest []string
	for _, arg := range argv {
		if !IsROSArg(arg) {
			rest = append(rest, arg)
			continue
		}
		from, to, _ := strings.Cut(arg, ":=")
		switch {
		case from == "__name":
			a.Name = to
		case from == "__ns":
			a.Namespace = to
		case from == "__master":
			a.Master = to
		case from == "__ip":
			a.IP = to
		case from == "__hostname":
			a.Hostname = to
		case from == "__log":
			a.Log = to
		case strings.HasPrefix(from, "__"):
			// Other special keys (__id, ...) are for roscpp internals; ignore them as it does.
		case strings.HasPrefix(from, "_"):
			name := from[1:]
			if err := validateBaseName("parameter", name); err != nil {
				return nil, nil, err
			}
			v, err := ParseParamValue(to)
			if err != nil {
				return nil, nil, fmt.Errorf("parameter %s: %w", arg, err)
			}
			a.Params[name] = v
		default:
			if to == "" {
				return nil, nil, fmt.Errorf("remapping %q: empty target", arg)
			}
			a.Remaps = append(a.Remaps, Remap{From: from, To: to})
		}
	}
	return a, rest, nil
}

// ParseParamValue reads a `_param:=value` value as YAML, as roscpp and rospy do: 3 is an
// integer, 3.0 a double, true a boolean, [1, 2] a list, anything else a string.
func ParseParamValue(text string) (any, error) {
	if text == "" {
		return "", nil
	}
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		return nil, err
	}
	return normalizeYAML(v), nil
}

// normalizeYAML maps what yaml.v3 decodes onto the values the parameter server speaks:
// int64, float64, bool, string, []any, map[string]any.
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case nil:
		return ""
	case int:
		return int64(x)
	case []any:
		for i := range x {
			x[i] = normalizeYAML(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = normalizeYAML(x[k])
		}
		return x
	}
	return v
}

// MasterURI is where the ROS master is: __master, else ROS_MASTER_URI, else
// http://localhost:11311 (roscpp's default).
func (a *Args) MasterURI() string {
	if a != nil && a.Master != "" {
		return a.Master
	}
	if u := os.Getenv("ROS_MASTER_URI"); u != "" {
		return u
	}
	return "http://localhost:11311"
}

// Host is the address other nodes reach this one at: __hostname, __ip, ROS_HOSTNAME, ROS_IP
// (roscpp's order); empty means "an address of this machine on the master's network".
func (a *Args) Host() string {
	if a != nil && a.Hostname != "" {
		return a.Hostname
	}
	if a != nil && a.IP != "" {
		return a.IP
	}
	if h := os.Getenv("ROS_HOSTNAME"); h != "" {
		return h
	}
	return os.Getenv("ROS_IP")
}
