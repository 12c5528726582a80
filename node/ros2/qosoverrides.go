package ros2

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ssmde/ssmde/internal/suggest"
	"github.com/ssmde/ssmde/msgs"
)

// QoSOverridesPrefix starts the parameters that set an endpoint's QoS at start-up, named as
// rclcpp names them (rclcpp/include/rclcpp/detail/qos_parameters.hpp):
// qos_overrides.<fully qualified topic>.<publisher|subscription>.<policy>, e.g.
// qos_overrides./front/depth.publisher.reliability. In a params file the same name is nested
// maps under ros__parameters (qos_overrides: {/front/depth: {publisher: {reliability: ...}}}).
const QoSOverridesPrefix = "qos_overrides."

// qosPolicies are the policies an override may set (what QoS.WithParams reads), in the order
// rclcpp lists them.
var qosPolicies = []string{"depth", "durability", "history", "reliability"}

// OverridableEndpoint is a publisher or subscription whose QoS the qos_overrides parameters may set.
type OverridableEndpoint struct {
	Topic     string // as the node creates it: relative, ~/private or absolute; resolved by the node
	Publisher bool   // false: a subscription
	QoS       QoS    // its QoS without overrides
}

// QoSOverrides are a node's qos_overrides parameters, checked against its endpoints.
type QoSOverrides struct {
	n      *Node
	prefix map[string]string // "publisher /front/depth" → its parameters' prefix
	eps    []resolvedEndpoint
}

type resolvedEndpoint struct {
	full, kind string
	qos        QoS // after the overrides
}

// QoSOverrides checks the node's qos_overrides parameters against eps, the endpoints the node
// may create: each must name one of them by its fully qualified topic and kind and one of the
// policies depth, durability, history, reliability, with a value QoS.WithParams takes. The
// error names the first bad parameter, where it was set and what was possible.
func (n *Node) QoSOverrides(eps []OverridableEndpoint) (*QoSOverrides, error) {
	o := &QoSOverrides{n: n, prefix: map[string]string{}}
	known := map[string]bool{}
	var knownNames, listed []string
	for _, e := range eps {
		full, err := n.names.Resolve(e.Topic)
		if err != nil {
			return nil, err
		}
		kind := endpointKind(e.Publisher)
		if _, dup := o.prefix[kind+" "+full]; dup {
			continue
		}
		prefix := QoSOverridesPrefix + full + "." + kind + "."
		o.prefix[kind+" "+full] = prefix
		for _, p := range qosPolicies {
			known[prefix+p] = true
			knownNames = append(knownNames, prefix+p)
		}
		listed = append(listed, kind+" "+full)
		q, err := e.QoS.WithParams(n.params, prefix)
		if err != nil {
			return nil, fmt.Errorf("%w%s", err, n.originNote(err.Error()))
		}
		o.eps = append(o.eps, resolvedEndpoint{full: full, kind: kind, qos: q})
	}
	var names []string
	for k := range n.params {
		if strings.HasPrefix(k, QoSOverridesPrefix) && !known[k] {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if len(names) == 0 {
		return o, nil
	}
	k := names[0]
	where := ""
	if origin := n.ParamOrigin(k); origin != "" {
		where = " (" + origin + ")"
	}
	rest := strings.TrimPrefix(k, QoSOverridesPrefix)
	if i := strings.LastIndexByte(rest, '.'); i > 0 {
		if _, ok := o.prefix[endpointOf(rest[:i])]; ok {
			return nil, fmt.Errorf("parameter %s%s: QoS policy %q cannot be overridden here; want one of %s",
				k, where, rest[i+1:], strings.Join(qosPolicies, ", "))
		}
	}
	return nil, fmt.Errorf("parameter %s%s names no endpoint of this node%s; overrides are qos_overrides.<topic>.<publisher|subscription>.<%s> for %s",
		k, where, suggest.DidYouMean(k, knownNames), strings.Join(qosPolicies, "|"), strings.Join(listed, ", "))
}

// originNote is " (-p)" or " (params file F)" for the qos_overrides parameter an error of
// WithParams names, "" when it cannot tell.
func (n *Node) originNote(msg string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(msg, "parameter "), ":")
	if origin := n.ParamOrigin(name); origin != "" {
		return " (" + origin + ")"
	}
	return ""
}

// endpointOf turns "/front/depth.publisher" into "publisher /front/depth".
func endpointOf(topicKind string) string {
	i := strings.LastIndexByte(topicKind, '.')
	if i < 0 {
		return ""
	}
	return topicKind[i+1:] + " " + topicKind[:i]
}

func endpointKind(publisher bool) string {
	if publisher {
		return "publisher"
	}
	return "subscription"
}

// QoS is what the endpoint on topic (as the node creates it) gets: def with the overrides that
// name it applied (def itself for a nil o). Overrides were checked when they were read, so none
// fails here.
func (o *QoSOverrides) QoS(topic string, publisher bool, def QoS) QoS {
	if o == nil {
		return def
	}
	full, err := o.n.names.Resolve(topic)
	if err != nil {
		return def
	}
	prefix, ok := o.prefix[endpointKind(publisher)+" "+full]
	if !ok {
		return def
	}
	q, err := def.WithParams(o.n.params, prefix)
	if err != nil {
		return def
	}
	return q
}

// QoSOverrideConstraint is the descriptors' note on the qos_overrides parameters.
const QoSOverrideConstraint = "QoS is fixed when the endpoint is created: set it at start-up (-p name:=value or --params-file)"

// Parameters are the qos_overrides parameters of every overridable endpoint with the QoS it
// runs with, read-only, as rclcpp declares them for an endpoint whose QoS may be overridden (so
// `ros2 param list` and `ros2 param dump` show them).
func (o *QoSOverrides) Parameters() ([]msgs.Parameter, []msgs.ParameterDescriptor) {
	var params []msgs.Parameter
	var descs []msgs.ParameterDescriptor
	if o == nil {
		return nil, nil
	}
	str := func(s string) msgs.ParameterValue { return msgs.ParameterValue{Type: msgs.ParameterString, String: s} }
	for _, e := range o.eps {
		history := "keep_last"
		if e.qos.Depth == 0 {
			history = "keep_all"
		}
		values := map[string]msgs.ParameterValue{
			"depth":       {Type: msgs.ParameterInteger, Integer: int64(e.qos.Depth)},
			"durability":  str(e.qos.Durability.String()),
			"history":     str(history),
			"reliability": str(e.qos.Reliability.String()),
		}
		allowed := map[string]string{"depth": "an integer from 1 (with keep_last)", "durability": "volatile or transient_local",
			"history": "keep_last or keep_all", "reliability": "reliable or best_effort"}
		for _, p := range qosPolicies {
			name := QoSOverridesPrefix + e.full + "." + e.kind + "." + p
			params = append(params, msgs.Parameter{Name: name, Value: values[p]})
			descs = append(descs, msgs.ParameterDescriptor{Name: name,
				Description:           fmt.Sprintf("QoS %s of the %s on %s: %s", p, e.kind, e.full, allowed[p]),
				ReadOnly:              true,
				AdditionalConstraints: QoSOverrideConstraint})
		}
	}
	return params, descs
}
