package ros2

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/ssmde/ssmde/msgs"
)

// The parameter services and /parameter_events of a node, as rclcpp serves them
// (rclcpp/src/rclcpp/parameter_service.cpp for the six services, node_interfaces/
// node_parameters.cpp for their rules; parameters are declared, undeclared ones are not
// allowed). Reasons in SetParametersResult use rclcpp's wording, which tools and people know.

// TopicParameterEvents is where every node announces its parameters and their changes.
const TopicParameterEvents = "/parameter_events"

// QoSParameterEvents is rmw_qos_profile_parameter_events.
var QoSParameterEvents = QoS{Reliability: Reliable, Durability: Volatile, Depth: 1000}

// ParameterSetter validates and applies a set of changes at once (they are declared, writable,
// of the declared type and in range). An error rejects them all, its text becoming the reason.
type ParameterSetter func(changes []msgs.Parameter) error

// ParameterServer holds a node's declared parameters and serves them.
type ParameterServer struct {
	node     *Node
	onSet    ParameterSetter
	events   *Publisher
	services []*Service

	mu     sync.Mutex // serializes sets; guards values
	names  []string   // sorted, as rclcpp's map iterates
	values map[string]msgs.ParameterValue
	descs  map[string]msgs.ParameterDescriptor
}

// ServeParameters declares params (each with the descriptor of the same index: its Name and Type
// are filled in from the parameter), starts the six parameter services under the node's name and
// announces the parameters on /parameter_events.
func (n *Node) ServeParameters(params []msgs.Parameter, descs []msgs.ParameterDescriptor, onSet ParameterSetter) (*ParameterServer, error) {
	if len(params) != len(descs) {
		return nil, fmt.Errorf("parameters: %d values, %d descriptors", len(params), len(descs))
	}
	s := &ParameterServer{node: n, onSet: onSet, values: map[string]msgs.ParameterValue{}, descs: map[string]msgs.ParameterDescriptor{}}
	for i, p := range params {
		if _, dup := s.values[p.Name]; dup {
			return nil, fmt.Errorf("parameter %s declared twice", p.Name)
		}
		d := descs[i]
		d.Name, d.Type = p.Name, p.Value.Type
		s.values[p.Name], s.descs[p.Name] = p.Value, d
		s.names = append(s.names, p.Name)
	}
	slices.Sort(s.names)
	var err error
	if s.events, err = n.NewPublisher(TopicParameterEvents, "rcl_interfaces/msg/ParameterEvent", QoSParameterEvents); err != nil {
		return nil, err
	}
	for _, sv := range []struct {
		name, typ string
		h         ServiceHandler
	}{
		{"get_parameters", "rcl_interfaces/srv/GetParameters", s.get},
		{"get_parameter_types", "rcl_interfaces/srv/GetParameterTypes", s.getTypes},
		{"set_parameters", "rcl_interfaces/srv/SetParameters", s.set},
		{"set_parameters_atomically", "rcl_interfaces/srv/SetParametersAtomically", s.setAtomically},
		{"describe_parameters", "rcl_interfaces/srv/DescribeParameters", s.describe},
		{"list_parameters", "rcl_interfaces/srv/ListParameters", s.list},
	} {
		svc, err := n.NewService("~/"+sv.name, sv.typ, QoSParameters, sv.h)
		if err != nil {
			return nil, err
		}
		s.services = append(s.services, svc)
	}
	ev := &msgs.ParameterEvent{Stamp: n.clock.Now(), Node: n.FullyQualifiedName()}
	for _, name := range s.names {
		ev.NewParameters = append(ev.NewParameters, msgs.Parameter{Name: name, Value: s.values[name]})
	}
	return s, s.events.Publish(ev)
}

// Value is a parameter's current value (false when it is not declared).
func (s *ParameterServer) Value(name string) (msgs.ParameterValue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[name]
	return v, ok
}

func (s *ParameterServer) get(req []byte) (msgs.Message, error) {
	var r msgs.GetParametersRequest
	if err := r.UnmarshalCDR(req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &msgs.GetParametersResponse{}
	for _, name := range r.Names {
		v, ok := s.values[name]
		if !ok {
			return &msgs.GetParametersResponse{}, nil // rclcpp answers nothing when one is undeclared
		}
		resp.Values = append(resp.Values, v)
	}
	return resp, nil
}

func (s *ParameterServer) getTypes(req []byte) (msgs.Message, error) {
	var r msgs.GetParameterTypesRequest
	if err := r.UnmarshalCDR(req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &msgs.GetParameterTypesResponse{Types: []uint8{}}
	for _, name := range r.Names {
		v, ok := s.values[name]
		if !ok {
			return &msgs.GetParameterTypesResponse{}, nil
		}
		resp.Types = append(resp.Types, v.Type)
	}
	return resp, nil
}

func (s *ParameterServer) describe(req []byte) (msgs.Message, error) {
	var r msgs.DescribeParametersRequest
	if err := r.UnmarshalCDR(req); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := &msgs.DescribeParametersResponse{}
	for _, name := range r.Names {
		d, ok := s.descs[name]
		if !ok {
			return &msgs.DescribeParametersResponse{}, nil
		}
		resp.Descriptors = append(resp.Descriptors, d)
	}
	return resp, nil
}

// list follows rclcpp's NodeParameters::list_parameters: with no prefixes, names with fewer
// than depth dots (all of them for DEPTH_RECURSIVE); with prefixes, the names equal to one or
// below it within depth; prefixes lists the distinct parents of the names returned.
func (s *ParameterServer) list(req []byte) (msgs.Message, error) {
	var r msgs.ListParametersRequest
	if err := r.UnmarshalCDR(req); err != nil {
		return nil, err
	}
	within := func(name string) bool { return uint64(strings.Count(name, ".")) < r.Depth }
	recursive := len(r.Prefixes) == 0 && r.Depth == msgs.ListParametersDepthRecursive
	s.mu.Lock()
	defer s.mu.Unlock()
	res := msgs.ListParametersResult{Names: []string{}, Prefixes: []string{}}
	for _, name := range s.names {
		if !recursive && !(len(r.Prefixes) == 0 && within(name)) {
			match := false
			for _, p := range r.Prefixes {
				if name == p || strings.HasPrefix(name, p+".") &&
					(r.Depth == msgs.ListParametersDepthRecursive || within(name[len(p)+1:])) {
					match = true
					break
				}
			}
			if !match {
				continue
			}
		}
		res.Names = append(res.Names, name)
		if i := strings.LastIndexByte(name, '.'); i >= 0 && !slices.Contains(res.Prefixes, name[:i]) {
			res.Prefixes = append(res.Prefixes, name[:i])
		}
	}
	return &msgs.ListParametersResponse{Result: res}, nil
}

func (s *ParameterServer) set(req []byte) (msgs.Message, error) {
	var r msgs.SetParametersRequest
	if err := r.UnmarshalCDR(req); err != nil {
		return nil, err
	}
	resp := &msgs.SetParametersResponse{}
	for _, p := range r.Parameters {
		// One at a time, as rclcpp does: each result stands alone.
		res, undeclared := s.apply([]msgs.Parameter{p})
		if undeclared {
			res.Reason = "parameter '" + p.Name + "' cannot be set because it was not declared"
		}
		resp.Results = append(resp.Results, res)
	}
	return resp, nil
}

func (s *ParameterServer) setAtomically(req []byte) (msgs.Message, error) {
	var r msgs.SetParametersAtomicallyRequest
	if err := r.UnmarshalCDR(req); err != nil {
		return nil, err
	}
	res, undeclared := s.apply(r.Parameters)
	if undeclared {
		res.Reason = "One or more parameters were not declared before setting"
	}
	return &msgs.SetParametersAtomicallyResponse{Result: res}, nil
}

// Set applies changes as a client's set_parameters_atomically would (for the node itself and tests).
func (s *ParameterServer) Set(changes []msgs.Parameter) msgs.SetParametersResult {
	res, undeclared := s.apply(changes)
	if undeclared {
		res.Reason = "One or more parameters were not declared before setting"
	}
	return res
}

// apply checks changes against their descriptors, hands them to onSet, and on success stores them
// and announces them on /parameter_events.
func (s *ParameterServer) apply(changes []msgs.Parameter) (res msgs.SetParametersResult, undeclared bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range changes {
		d, ok := s.descs[p.Name]
		if !ok {
			return res, true
		}
		if d.ReadOnly {
			res.Reason = "parameter '" + p.Name + "' cannot be set because it is read-only"
			if d.AdditionalConstraints != "" {
				res.Reason += " (" + d.AdditionalConstraints + ")"
			}
			return res, false
		}
	}
	for _, p := range changes {
		if reason := checkDescriptor(s.descs[p.Name], p.Value); reason != "" {
			res.Reason = reason
			return res, false
		}
	}
	if len(changes) == 0 {
		return msgs.SetParametersResult{Successful: true}, false
	}
	if s.onSet != nil {
		if err := s.onSet(changes); err != nil {
			res.Reason = err.Error()
			return res, false
		}
	}
	ev := &msgs.ParameterEvent{Stamp: s.node.clock.Now(), Node: s.node.FullyQualifiedName()}
	for _, p := range changes {
		s.values[p.Name] = p.Value
		ev.ChangedParameters = append(ev.ChangedParameters, p)
	}
	if err := s.events.Publish(ev); err != nil {
		s.node.log.Warn("parameter event not published", "err", err)
	}
	return msgs.SetParametersResult{Successful: true}, false
}

// checkDescriptor is rclcpp's __check_parameters for one value: its type must be the declared one
// (no dynamic typing here), and numbers must lie in the declared range (ends included, on a step
// when there is one). It returns the reason for refusing, or "".
func checkDescriptor(d msgs.ParameterDescriptor, v msgs.ParameterValue) string {
	if v.Type != d.Type && !d.DynamicTyping {
		return fmt.Sprintf("Wrong parameter type, parameter {%s} is of type {%s}, setting it to {%s} is not allowed.",
			d.Name, msgs.ParameterTypeName(d.Type), msgs.ParameterTypeName(v.Type))
	}
	if len(d.IntegerRange) > 0 && v.Type == msgs.ParameterInteger {
		r, x := d.IntegerRange[0], v.Integer
		if x != r.FromValue && x != r.ToValue && (x < r.FromValue || x > r.ToValue ||
			r.Step != 0 && uint64(x-r.FromValue)%r.Step != 0) {
			return "Parameter {" + d.Name + "} doesn't comply with integer range."
		}
	}
	if len(d.FloatingPointRange) > 0 && v.Type == msgs.ParameterDouble {
		r, x := d.FloatingPointRange[0], v.Double
		near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-14*math.Max(math.Abs(a), math.Abs(b)) || a == b }
		if !near(x, r.FromValue) && !near(x, r.ToValue) && (!(x >= r.FromValue && x <= r.ToValue) ||
			r.Step != 0 && !near(x, r.FromValue+math.Round((x-r.FromValue)/r.Step)*r.Step)) {
			return "Parameter {" + d.Name + "} doesn't comply with floating point range."
		}
	}
	return ""
}
