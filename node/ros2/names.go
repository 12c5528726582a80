package ros2

import (
	"fmt"
	"strings"
)

// maxNameLength bounds every ROS name (rmw's topic limit is 255 characters with the DDS prefix).
const maxNameLength = 255

// NameError says which name is bad and why.
type NameError struct {
	Kind   string // "topic", "node name", "namespace", "remap rule"
	Name   string
	Reason string
}

func (e *NameError) Error() string { return fmt.Sprintf("invalid %s %q: %s", e.Kind, e.Name, e.Reason) }

func isWordChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// ValidateNodeName checks a node name: letters, digits and underscores, not starting with a digit.
func ValidateNodeName(name string) error {
	bad := func(r string) error { return &NameError{"node name", name, r} }
	switch {
	case name == "":
		return bad("empty")
	case len(name) > maxNameLength:
		return bad(fmt.Sprintf("longer than %d characters", maxNameLength))
	case name[0] >= '0' && name[0] <= '9':
		return bad("starts with a digit")
	}
	for i := 0; i < len(name); i++ {
		if !isWordChar(name[i]) {
			return bad(fmt.Sprintf("character %q at %d: only letters, digits and _ are allowed", name[i], i))
		}
	}
	return nil
}

// validateTokens checks an absolute name ("/", or "/a/b") token by token.
func validateTokens(kind, name string, rootOK bool) error {
	bad := func(r string) error { return &NameError{kind, name, r} }
	switch {
	case name == "":
		return bad("empty")
	case name[0] != '/':
		return bad("not absolute (must start with /)")
	case len(name) > maxNameLength:
		return bad(fmt.Sprintf("longer than %d characters", maxNameLength))
	case name == "/":
		if rootOK {
			return nil
		}
		return bad("is only /")
	case strings.HasSuffix(name, "/"):
		return bad("ends with /")
	}
	for i, tok := range strings.Split(name[1:], "/") {
		if tok == "" {
			return bad("contains //")
		}
		if tok[0] >= '0' && tok[0] <= '9' {
			return bad(fmt.Sprintf("token %d %q starts with a digit", i+1, tok))
		}
		for j := 0; j < len(tok); j++ {
			if !isWordChar(tok[j]) {
				return bad(fmt.Sprintf("character %q in token %q: only letters, digits, _ and / are allowed", tok[j], tok))
			}
		}
	}
	return nil
}

// ValidateNamespace checks a node namespace: "/" or an absolute name without a trailing slash.
func ValidateNamespace(ns string) error { return validateTokens("namespace", ns, true) }

// ValidateFullTopicName checks a fully qualified topic name ("/camera/image_raw").
func ValidateFullTopicName(name string) error { return validateTokens("topic", name, false) }

// validateTopicInput checks a topic name as a user may write it before expansion: relative,
// absolute, "~" or "~/…" private, with {node} {ns} {namespace} substitutions.
func validateTopicInput(kind, name string) error {
	bad := func(r string) error { return &NameError{kind, name, r} }
	if name == "" {
		return bad("empty")
	}
	if strings.HasSuffix(name, "/") {
		return bad("ends with /")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isWordChar(c), c == '/':
		case c == '~':
			if i != 0 || len(name) > 1 && name[1] != '/' {
				return bad("~ is allowed only as the first character, followed by / or nothing")
			}
		case c == '{':
			end := strings.IndexByte(name[i:], '}')
			if end < 0 {
				return bad("unterminated {")
			}
			switch sub := name[i+1 : i+end]; sub {
			case "node", "ns", "namespace":
			default:
				return bad(fmt.Sprintf("unknown substitution {%s} (known: {node} {ns} {namespace})", sub))
			}
			i += end
		default:
			return bad(fmt.Sprintf("character %q at %d", c, i))
		}
	}
	return nil
}

// joinName appends a relative name to an absolute one.
func joinName(base, rel string) string {
	if base == "/" {
		return "/" + rel
	}
	return base + "/" + rel
}

// ExpandTopicName turns a topic name as written into a fully qualified one: substitutions
// ({node}, {ns}, {namespace}), "~" against the node's fully qualified name, relative names
// against the namespace. It does not apply remapping (Names.Resolve does).
func ExpandTopicName(name, nodeName, namespace string) (string, error) {
	if err := validateTopicInput("topic", name); err != nil {
		return "", err
	}
	if strings.Contains(name, "{") {
		name = strings.NewReplacer("{node}", nodeName, "{ns}", namespace, "{namespace}", namespace).Replace(name)
		name = strings.ReplaceAll(name, "//", "/") // {ns} of "/" at the start of an absolute name
	}
	var full string
	switch {
	case strings.HasPrefix(name, "/"):
		full = name
	case name == "~":
		full = joinName(namespace, nodeName)
	case strings.HasPrefix(name, "~/"):
		full = joinName(joinName(namespace, nodeName), name[2:])
	default:
		full = joinName(namespace, name)
	}
	if err := ValidateFullTopicName(full); err != nil {
		if ne, ok := err.(*NameError); ok && full != name {
			ne.Reason += fmt.Sprintf(" (expanded from %q)", name)
		}
		return "", err
	}
	return full, nil
}

// Names is a node's identity after remapping, with the topic remapping rules that apply to it.
type Names struct {
	Node      string // node name after __node remapping
	Namespace string // namespace after __ns remapping
	rules     []Remap
}

// NewNames applies the __node and __ns rules of remaps to the node's given name and namespace
// and keeps the topic rules for Resolve. An empty namespace means "/"; a namespace without a
// leading slash is taken as absolute, as rclcpp does.
func NewNames(node, namespace string, remaps []Remap) (*Names, error) {
	original := node
	if namespace == "" {
		namespace = "/"
	} else if namespace[0] != '/' {
		namespace = "/" + namespace
	}
	n := &Names{Node: node, Namespace: namespace}
	var nodeSet, nsSet bool
	for _, r := range remaps {
		if r.Node != "" && r.Node != original {
			continue
		}
		switch r.From {
		case "__node", "__name":
			if !nodeSet {
				n.Node, nodeSet = r.To, true
			}
		case "__ns":
			if !nsSet {
				n.Namespace, nsSet = r.To, true
			}
		default:
			n.rules = append(n.rules, r)
		}
	}
	if err := ValidateNodeName(n.Node); err != nil {
		return nil, err
	}
	if err := ValidateNamespace(n.Namespace); err != nil {
		return nil, err
	}
	return n, nil
}

// FullyQualifiedName is the namespace joined with the node name ("/ns/node").
func (n *Names) FullyQualifiedName() string { return joinName(n.Namespace, n.Node) }

// LoggerName is the node's logger name as rcl makes it (rcl_create_node_logger_name in
// rcl/src/rcl/node.c): the namespace without its leading slash and with dots for the other
// slashes, a dot, the node name; the bare node name in the root namespace. /front/ssmde logs as
// "front.ssmde"; --log-level NAME:=LEVEL and /rosout's name field use it.
func (n *Names) LoggerName() string {
	if n.Namespace == "/" || n.Namespace == "" {
		return n.Node
	}
	return strings.ReplaceAll(strings.TrimPrefix(n.Namespace, "/"), "/", ".") + "." + n.Node
}

// Resolve expands a topic name against this node and applies the first remapping rule whose
// expanded "from" equals it (rules as given on the command line, node-targeted ones included).
func (n *Names) Resolve(topic string) (string, error) {
	full, err := ExpandTopicName(topic, n.Node, n.Namespace)
	if err != nil {
		return "", err
	}
	for _, r := range n.rules {
		from, err := ExpandTopicName(r.From, n.Node, n.Namespace)
		if err != nil {
			return "", fmt.Errorf("remap rule %s: %w", r, err)
		}
		if from != full {
			continue
		}
		to, err := ExpandTopicName(r.To, n.Node, n.Namespace)
		if err != nil {
			return "", fmt.Errorf("remap rule %s: %w", r, err)
		}
		return to, nil
	}
	return full, nil
}

// Remap is one -r rule: [Node:]From:=To.
type Remap struct {
	Node     string // the rule applies only to the node of this (original) name; empty: every node
	From, To string
}

func (r Remap) String() string {
	if r.Node != "" {
		return r.Node + ":" + r.From + ":=" + r.To
	}
	return r.From + ":=" + r.To
}

// ParseRemap parses "from:=to" or "node:from:=to" and checks both sides.
func ParseRemap(rule string) (Remap, error) {
	lhs, to, ok := strings.Cut(rule, ":=")
	if !ok {
		return Remap{}, &NameError{"remap rule", rule, "missing :="}
	}
	var r Remap
	if node, from, ok := strings.Cut(lhs, ":"); ok {
		if err := ValidateNodeName(node); err != nil {
			return Remap{}, &NameError{"remap rule", rule, err.Error()}
		}
		r.Node, lhs = node, from
	}
	r.From, r.To = lhs, to
	switch r.From {
	case "__node", "__name":
		if err := ValidateNodeName(to); err != nil {
			return Remap{}, &NameError{"remap rule", rule, err.Error()}
		}
	case "__ns":
		if err := ValidateNamespace(to); err != nil {
			return Remap{}, &NameError{"remap rule", rule, err.Error()}
		}
	default:
		if err := validateTopicInput("topic", r.From); err != nil {
			return Remap{}, &NameError{"remap rule", rule, err.Error()}
		}
		if err := validateTopicInput("topic", r.To); err != nil {
			return Remap{}, &NameError{"remap rule", rule, err.Error()}
		}
	}
	return r, nil
}

// DDSTopicName is the DDS topic of a ROS topic: "rt" followed by the fully qualified name.
func DDSTopicName(fullTopic string) string { return "rt" + fullTopic }

// DDSTypeName mangles a ROS 2 type name "pkg/msg/Name" to "pkg::msg::dds_::Name_".
func DDSTypeName(rosType string) (string, error) {
	parts := strings.Split(rosType, "/")
	if len(parts) != 3 || parts[1] != "msg" && parts[1] != "srv" && parts[1] != "action" {
		return "", fmt.Errorf("type %q: want pkg/msg/Name", rosType)
	}
	for _, p := range parts {
		if p == "" {
			return "", fmt.Errorf("type %q: empty part", rosType)
		}
		for i := 0; i < len(p); i++ {
			if !isWordChar(p[i]) {
				return "", fmt.Errorf("type %q: character %q", rosType, p[i])
			}
		}
	}
	return parts[0] + "::" + parts[1] + "::dds_::" + parts[2] + "_", nil
}
