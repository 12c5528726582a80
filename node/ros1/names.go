package ros1

import (
	"fmt"
	"os"
	"strings"
)

// Names is a node's identity and its remapping rules, resolved as roscpp resolves them.
type Names struct {
	Node      string // base name, no slashes
	Namespace string // "/" or "/a/b" (no trailing slash)
	remaps    map[string]string
	order     []string
}

// NewNames settles the node's name and namespace (__name, __ns, then ROS_NAMESPACE, then the
// given defaults) and resolves the remapping rules against them.
func NewNames(name, namespace string, a *Args) (*Names, error) {
	if a != nil && a.Name != "" {
		name = a.Name
	}
	switch {
	case a != nil && a.Namespace != "":
		namespace = a.Namespace
	case os.Getenv("ROS_NAMESPACE") != "":
		namespace = os.Getenv("ROS_NAMESPACE")
	}
	if err := validateBaseName("node name", name); err != nil {
		return nil, err
	}
	ns := cleanName("/" + namespace)
	if err := validateGraphName("namespace", ns); err != nil {
		return nil, err
	}
	n := &Names{Node: name, Namespace: ns, remaps: map[string]string{}}
	if a != nil {
		for _, r := range a.Remaps {
			from, err := n.expand(r.From)
			if err != nil {
				return nil, fmt.Errorf("remapping %s: %w", r, err)
			}
			to, err := n.expand(r.To)
			if err != nil {
				return nil, fmt.Errorf("remapping %s: %w", r, err)
			}
			if _, dup := n.remaps[from]; !dup {
				n.remaps[from] = to
				n.order = append(n.order, from)
			}
		}
	}
	return n, nil
}

// FullyQualifiedName is "/ns/name".
func (n *Names) FullyQualifiedName() string { return join(n.Namespace, n.Node) }

// PrivateNamespace is the node's private namespace ("/ns/name"), where ~params live.
func (n *Names) PrivateNamespace() string { return n.FullyQualifiedName() }

// Resolve expands a topic name ("/abs", "rel", "~private") and applies the remapping whose
// resolved "from" equals it.
func (n *Names) Resolve(name string) (string, error) {
	full, err := n.expand(name)
	if err != nil {
		return "", err
	}
	if to, ok := n.remaps[full]; ok {
		return to, nil
	}
	return full, nil
}

// Remaps lists the resolved rules, "from → to", in command-line order.
func (n *Names) Remaps() []string {
	out := make([]string, len(n.order))
	for i, f := range n.order {
		out[i] = f + " → " + n.remaps[f]
	}
	return out
}

// expand resolves name against the node without remapping.
func (n *Names) expand(name string) (string, error) {
	var full string
	switch {
	case name == "":
		full = n.Namespace
	case name == "~":
		full = n.FullyQualifiedName()
	case strings.HasPrefix(name, "~"):
		full = join(n.FullyQualifiedName(), strings.TrimPrefix(name[1:], "/"))
	case strings.HasPrefix(name, "/"):
		full = name
	default:
		full = join(n.Namespace, name)
	}
	full = cleanName(full)
	if err := validateGraphName("name", full); err != nil {
		if full != name {
			return "", fmt.Errorf("%w (resolved from %q)", err, name)
		}
		return "", err
	}
	return full, nil
}

func join(base, rel string) string {
	if base == "/" {
		return "/" + rel
	}
	return base + "/" + rel
}

// cleanName collapses repeated slashes and drops a trailing one ("/" stays "/").
func cleanName(s string) string {
	for strings.Contains(s, "//") {
		s = strings.ReplaceAll(s, "//", "/")
	}
	if len(s) > 1 {
		s = strings.TrimSuffix(s, "/")
	}
	return s
}

// validateGraphName checks a resolved name: "/", or "/" followed by tokens that start with a
// letter (or '_') and hold letters, digits and '_' (ROS 1 graph resource names).
func validateGraphName(kind, s string) error {
	if s == "/" {
		return nil
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("invalid %s %q: not absolute", kind, s)
	}
	for _, tok := range strings.Split(s[1:], "/") {
		if err := validateBaseName(kind, tok); err != nil {
			return fmt.Errorf("invalid %s %q: %w", kind, s, err)
		}
	}
	return nil
}

// validateBaseName checks one token: a letter or '_' first, then letters, digits, '_'.
func validateBaseName(kind, tok string) error {
	if tok == "" {
		return fmt.Errorf("empty %s", kind)
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return fmt.Errorf("invalid %s %q: character %q at %d (want letters, digits and '_', not starting with a digit)", kind, tok, c, i)
		}
	}
	return nil
}
