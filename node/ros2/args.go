package ros2

import (
	"fmt"
	"strings"
)

// Args is what a --ros-args section of a command line asked for.
type Args struct {
	Remaps []Remap
	// Params holds -p overrides and --params-file files in command-line order; later ones win
	// (Parameters applies them).
	Params []ParamSource
	// LogLevel is the default level of --log-level LEVEL ("debug", "info", "warn", "error",
	// "fatal", "unset"), empty if not given; LoggerLevels holds --log-level name:=level.
	LogLevel     string
	LoggerLevels map[string]string
	// NoRosoutLogs and NoStdoutLogs are --disable-rosout-logs and --disable-stdout-logs (the
	// last of --enable-X-logs and --disable-X-logs wins, as in rcl): no /rosout publisher, no log
	// lines on the console.
	NoRosoutLogs, NoStdoutLogs bool
	// Enclave is -e/--enclave: the SROS2 enclave whose keys the node uses ("" for "/").
	Enclave string
	// Notes lists arguments that were accepted but have no effect here (e.g. --log-file-name), for a log line.
	Notes []string
}

// enclave is the --enclave argument of a (nil: none).
func (a *Args) enclave() string {
	if a == nil {
		return ""
	}
	return a.Enclave
}

// ParamSource is one -p override or one --params-file.
type ParamSource struct {
	File  string // a params file; or, when empty, one override:
	Node  string // -p node:name:=value targets the node of this (original) name; empty: every node
	Name  string
	Value any
}

var logLevels = map[string]bool{"debug": true, "info": true, "warn": true, "error": true, "fatal": true, "unset": true}

// ignoredFlags are rcl logging switches we accept and ignore: there is no external logging
// library (spdlog in rcl) to switch.
var ignoredFlags = map[string]bool{"--enable-external-lib-logs": true, "--disable-external-lib-logs": true}

// ParseArgs splits a command line (without the program name) into ROS arguments and the rest.
// ROS arguments run from "--ros-args" to a lone "--" or the end; there may be several such
// sections. The rest (before --ros-args, after --) comes back in order for the caller's own
// flags. An unknown ROS argument is an error, as in rclcpp.
func ParseArgs(argv []string) (*Args, []string, error) {
	a := &Args{LoggerLevels: map[string]string{}}
	var rest []string
	inROS := false
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if !inROS {
			if arg == "--ros-args" {
				inROS = true
			} else {
				rest = append(rest, arg)
			}
			continue
		}
		if arg == "--" {
			inROS = false
			continue
		}
		if arg == "--ros-args" {
			continue
		}
		value := func() (string, error) {
			if i+1 >= len(argv) || argv[i+1] == "--" || argv[i+1] == "--ros-args" {
				return "", fmt.Errorf("--ros-args: %s needs a value", arg)
			}
			i++
			return argv[i], nil
		}
		switch arg {
		case "-r", "--remap":
			v, err := value()
			if err != nil {
				return nil, nil, err
			}
			r, err := ParseRemap(v)
			if err != nil {
				return nil, nil, fmt.Errorf("--ros-args %s: %w", arg, err)
			}
			a.Remaps = append(a.Remaps, r)
		case "-p", "--param":
			v, err := value()
			if err != nil {
				return nil, nil, err
			}
			p, err := parseParamRule(v)
			if err != nil {
				return nil, nil, fmt.Errorf("--ros-args %s %q: %w", arg, v, err)
			}
			a.Params = append(a.Params, p)
		case "--params-file":
			v, err := value()
			if err != nil {
				return nil, nil, err
			}
			a.Params = append(a.Params, ParamSource{File: v})
		case "--log-level":
			v, err := value()
			if err != nil {
				return nil, nil, err
			}
			name, level, targeted := strings.Cut(v, ":=")
			if !targeted {
				level = v
			}
			level = strings.ToLower(level)
			if !logLevels[level] {
				return nil, nil, fmt.Errorf("--ros-args --log-level %q: level %q is not one of debug, info, warn, error, fatal, unset", v, level)
			}
			if targeted {
				a.LoggerLevels[name] = level
			} else {
				a.LogLevel = level
			}
		case "-e", "--enclave":
			v, err := value()
			if err != nil {
				return nil, nil, err
			}
			if err := validateTokens("enclave", v, true); err != nil {
				return nil, nil, fmt.Errorf("--ros-args %s: %w", arg, err)
			}
			a.Enclave = v
		case "--log-file-name":
			v, err := value()
			if err != nil {
				return nil, nil, err
			}
			a.Notes = append(a.Notes, fmt.Sprintf("%s %s ignored: logs go to stderr", arg, v))
		case "--enable-rosout-logs", "--disable-rosout-logs":
			a.NoRosoutLogs = arg == "--disable-rosout-logs"
		case "--enable-stdout-logs", "--disable-stdout-logs":
			a.NoStdoutLogs = arg == "--disable-stdout-logs"
		default:
			if ignoredFlags[arg] {
				a.Notes = append(a.Notes, arg+" ignored")
				continue
			}
			return nil, nil, fmt.Errorf("--ros-args: unknown argument %q", arg)
		}
	}
	return a, rest, nil
}

// parseParamRule parses "name:=value" or "node:name:=value"; the value is YAML, typed as in a params file.
func parseParamRule(rule string) (ParamSource, error) {
	lhs, v, ok := strings.Cut(rule, ":=")
	if !ok {
		return ParamSource{}, fmt.Errorf("missing :=")
	}
	var p ParamSource
	if node, name, ok := strings.Cut(lhs, ":"); ok {
		if err := ValidateNodeName(node); err != nil {
			return ParamSource{}, err
		}
		p.Node, lhs = node, name
	}
	if err := validateParamName(lhs); err != nil {
		return ParamSource{}, err
	}
	p.Name = lhs
	value, err := ParseParamValue(v)
	if err != nil {
		return ParamSource{}, fmt.Errorf("parameter %s: %w", lhs, err)
	}
	p.Value = value
	return p, nil
}

func validateParamName(name string) error {
	if name == "" {
		return fmt.Errorf("empty parameter name")
	}
	for _, tok := range strings.Split(name, ".") {
		if tok == "" {
			return fmt.Errorf("parameter name %q has an empty part", name)
		}
		for i := 0; i < len(tok); i++ {
			if !isWordChar(tok[i]) && tok[i] != '/' {
				return fmt.Errorf("parameter name %q: character %q", name, tok[i])
			}
		}
	}
	return nil
}
