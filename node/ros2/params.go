package ros2

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Params maps parameter names ("depth_encoding", nested YAML keys joined by dots: "qos.depth")
// to values of these types: bool, int64, float64, string, []bool, []int64, []float64, []string.
type Params map[string]any

// ParseParamValue types a YAML value the way ROS 2's params parser does: plain true/false/yes/no/on/off
// (any of three casings) are bools, integers int64, other numbers and .inf/.nan float64, quoted or
// other text a string; a flow or block sequence of one kind is a slice (ints mixed with floats become
// []float64).
func ParseParamValue(text string) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return "", nil
	}
	return nodeValue(doc.Content[0])
}

var (
	yamlTrue  = map[string]bool{"true": true, "True": true, "TRUE": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true}
	yamlFalse = map[string]bool{"false": true, "False": true, "FALSE": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true}
	yamlInf   = map[string]bool{".inf": true, ".Inf": true, ".INF": true, "+.inf": true, "+.Inf": true, "+.INF": true}
	yamlNInf  = map[string]bool{"-.inf": true, "-.Inf": true, "-.INF": true}
	yamlNaN   = map[string]bool{".nan": true, ".NaN": true, ".NAN": true}
	intRE     = regexp.MustCompile(`^[-+]?(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+)$`)
)

func scalarValue(n *yaml.Node) any {
	s := n.Value
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 ||
		n.Style&yaml.TaggedStyle != 0 && n.Tag == "!!str" {
		return s
	}
	switch {
	case yamlTrue[s]:
		return true
	case yamlFalse[s]:
		return false
	case yamlInf[s]:
		return math.Inf(1)
	case yamlNInf[s]:
		return math.Inf(-1)
	case yamlNaN[s]:
		return math.NaN()
	case intRE.MatchString(s):
		if i, err := strconv.ParseInt(s, 0, 64); err == nil {
			return i
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") && s != "" &&
		!strings.EqualFold(strings.TrimLeft(s, "+-"), "inf") && !strings.EqualFold(strings.TrimLeft(s, "+-"), "infinity") &&
		!strings.EqualFold(s, "nan") {
		return f
	}
	return s
}

func nodeValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return scalarValue(n), nil
	case yaml.SequenceNode:
		return sequenceValue(n)
	case yaml.AliasNode:
		return nodeValue(n.Alias)
	default:
		return nil, fmt.Errorf("line %d: a map is not a parameter value", n.Line)
	}
}

func sequenceValue(n *yaml.Node) (any, error) {
	var (
		bools   []bool
		ints    []int64
		floats  []float64
		strs    []string
		kinds   = map[string]bool{}
		allNums = true
	)
	vals := make([]any, len(n.Content))
	for i, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: array elements must be scalars", c.Line)
		}
		vals[i] = scalarValue(c)
		switch vals[i].(type) {
		case bool:
			kinds["bool"], allNums = true, false
		case int64:
			kinds["int"] = true
		case float64:
			kinds["float"] = true
		default:
			kinds["string"], allNums = true, false
		}
	}
	switch {
	case len(vals) == 0:
		return []string{}, nil
	case len(kinds) == 1 && kinds["bool"]:
		for _, v := range vals {
			bools = append(bools, v.(bool))
		}
		return bools, nil
	case len(kinds) == 1 && kinds["int"]:
		for _, v := range vals {
			ints = append(ints, v.(int64))
		}
		return ints, nil
	case allNums:
		for _, v := range vals {
			if i, ok := v.(int64); ok {
				floats = append(floats, float64(i))
			} else {
				floats = append(floats, v.(float64))
			}
		}
		return floats, nil
	case len(kinds) == 1 && kinds["string"]:
		for _, v := range vals {
			strs = append(strs, v.(string))
		}
		return strs, nil
	}
	return nil, fmt.Errorf("line %d: array mixes types (%s); ROS 2 arrays hold one type", n.Line, strings.Join(sortedKeys(kinds), ", "))
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for _, k := range []string{"bool", "int", "float", "string"} {
		if m[k] {
			ks = append(ks, k)
		}
	}
	return ks
}

// ParamsFileEntry is one node section of a params file: a node pattern ("/**", "/ns/node",
// "/*/cam*") and its ros__parameters.
type ParamsFileEntry struct {
	Pattern string
	Params  Params
}

// ParseParamsFile reads a ROS 2 params file: node keys (nested keys join with "/"; a leading "/"
// is added when missing) each with a ros__parameters map.
func ParseParamsFile(path string) ([]ParamsFileEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	entries, err := ParseParamsYAML(data)
	if err != nil {
		return nil, fmt.Errorf("params file %s: %w", path, err)
	}
	return entries, nil
}

// ParseParamsYAML is ParseParamsFile on the file's contents.
func ParseParamsYAML(data []byte) ([]ParamsFileEntry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	var out []ParamsFileEntry
	var walk func(n *yaml.Node, path []string) error
	walk = func(n *yaml.Node, path []string) error {
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: %q: want a map of node names to ros__parameters", n.Line, strings.Join(path, "/"))
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "ros__parameters" {
				if len(path) == 0 {
					return fmt.Errorf("line %d: ros__parameters without a node name above it", k.Line)
				}
				pattern := strings.Join(path, "/")
				if !strings.HasPrefix(pattern, "/") {
					pattern = "/" + pattern
				}
				p := Params{}
				if err := flattenParams(v, "", p); err != nil {
					return fmt.Errorf("node %s: %w", pattern, err)
				}
				out = append(out, ParamsFileEntry{Pattern: pattern, Params: p})
				continue
			}
			if err := walk(v, append(path[:len(path):len(path)], strings.Trim(k.Value, "/"))); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(doc.Content[0], nil); err != nil {
		return nil, err
	}
	return out, nil
}

func flattenParams(n *yaml.Node, prefix string, out Params) error {
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return nil // "ros__parameters:" with nothing under it
		}
		return fmt.Errorf("line %d: ros__parameters must be a map", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if prefix != "" {
			name = prefix + "." + name
		}
		if v.Kind == yaml.MappingNode {
			if err := flattenParams(v, name, out); err != nil {
				return err
			}
			continue
		}
		val, err := nodeValue(v)
		if err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
		out[name] = val
	}
	return nil
}

// MatchNodePattern reports whether a params-file node pattern applies to the node with fully
// qualified name fqn: tokens compare one by one; "**" matches any number of tokens (none
// included) and "*" inside a token any run of letters, digits and underscores.
func MatchNodePattern(pattern, fqn string) bool {
	return matchTokens(strings.Split(strings.Trim(pattern, "/"), "/"), strings.Split(strings.Trim(fqn, "/"), "/"))
}

func matchTokens(pat, name []string) bool {
	if len(pat) == 0 {
		return len(name) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(name); i++ {
			if matchTokens(pat[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 || !matchToken(pat[0], name[0]) {
		return false
	}
	return matchTokens(pat[1:], name[1:])
}

func matchToken(pat, tok string) bool {
	star := strings.IndexByte(pat, '*')
	if star < 0 {
		return pat == tok
	}
	if !strings.HasPrefix(tok, pat[:star]) {
		return false
	}
	for i := star; i <= len(tok); i++ {
		if matchToken(pat[star+1:], tok[i:]) {
			return true
		}
		if i < len(tok) && !isWordChar(tok[i]) {
			return false
		}
	}
	return false
}

// Parameters gathers the parameters for one node from the params files and -p overrides, in
// command-line order (later wins). node is the node's original name (what -p node:name:=value
// targets), fqn its fully qualified name after remapping (what params-file patterns match).
func (a *Args) Parameters(node, fqn string) (Params, error) {
	p, _, err := a.parameters(node, fqn)
	return p, err
}

// parameters is Parameters that also says where each value came from: "-p" or "params file PATH"
// (for errors about a name or value, which must point at what the user wrote).
func (a *Args) parameters(node, fqn string) (Params, map[string]string, error) {
	out, origin := Params{}, map[string]string{}
	if a == nil {
		return out, origin, nil
	}
	for _, src := range a.Params {
		if src.File == "" {
			if src.Node == "" || src.Node == node {
				out[src.Name], origin[src.Name] = src.Value, "-p"
			}
			continue
		}
		entries, err := ParseParamsFile(src.File)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			if MatchNodePattern(e.Pattern, fqn) {
				for k, v := range e.Params {
					out[k], origin[k] = v, "params file "+src.File
				}
			}
		}
	}
	return out, origin, nil
}
