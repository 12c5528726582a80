package ros2

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		desc     string
		argv     []string
		rest     []string
		remaps   []Remap
		params   []ParamSource
		level    string
		loggers  map[string]string
		notes    int
		enclave  string
		noRosout bool
		noStdout bool
		errorSub string
	}{
		{desc: "no ros args", argv: []string{"node", "--model", "m"}, rest: []string{"node", "--model", "m"}},
		{desc: "remaps and params", argv: []string{"node", "--ros-args", "-r", "image:=/cam/image", "--remap", "__node:=d", "-p", "depth:=5", "--param", "enc:=16UC1"},
			rest:   []string{"node"},
			remaps: []Remap{{From: "image", To: "/cam/image"}, {From: "__node", To: "d"}},
			params: []ParamSource{{Name: "depth", Value: int64(5)}, {Name: "enc", Value: "16UC1"}}},
		{desc: "-- ends ros args", argv: []string{"--ros-args", "-p", "a:=true", "--", "--flag", "x"}, rest: []string{"--flag", "x"},
			params: []ParamSource{{Name: "a", Value: true}}},
		{desc: "two sections", argv: []string{"a", "--ros-args", "-r", "x:=y", "--", "b", "--ros-args", "-p", "q:=1.5"}, rest: []string{"a", "b"},
			remaps: []Remap{{From: "x", To: "y"}}, params: []ParamSource{{Name: "q", Value: 1.5}}},
		{desc: "params file and node-targeted param", argv: []string{"--ros-args", "--params-file", "/p.yaml", "-p", "depth:rate:=10"},
			params: []ParamSource{{File: "/p.yaml"}, {Node: "depth", Name: "rate", Value: int64(10)}}},
		{desc: "log levels", argv: []string{"--ros-args", "--log-level", "DEBUG", "--log-level", "rcl:=warn"}, level: "debug", loggers: map[string]string{"rcl": "warn"}},
		{desc: "enclave (the last wins) and external-lib switch ignored", argv: []string{"--ros-args", "-e", "/secure", "--disable-external-lib-logs", "--enclave", "/x/cam"}, enclave: "/x/cam", notes: 1},
		{desc: "relative enclave", argv: []string{"--ros-args", "--enclave", "secure"}, errorSub: `enclave "secure"`},
		{desc: "enclave with a trailing slash", argv: []string{"--ros-args", "-e", "/secure/"}, errorSub: "ends with /"},
		{desc: "rosout and stdout switches", argv: []string{"--ros-args", "--disable-rosout-logs", "--disable-stdout-logs"}, noRosout: true, noStdout: true},
		{desc: "the last rosout switch wins", argv: []string{"--ros-args", "--disable-rosout-logs", "--enable-stdout-logs", "--enable-rosout-logs"}},
		{desc: "stdout disabled after enabled", argv: []string{"--ros-args", "--enable-stdout-logs", "--", "x", "--ros-args", "--disable-stdout-logs"}, rest: []string{"x"}, noStdout: true},
		{desc: "node-targeted remap", argv: []string{"--ros-args", "-r", "depth:image:=/x"}, remaps: []Remap{{Node: "depth", From: "image", To: "/x"}}},
		{desc: "missing value", argv: []string{"--ros-args", "-r"}, errorSub: "-r needs a value"},
		{desc: "value is --", argv: []string{"--ros-args", "-p", "--"}, errorSub: "-p needs a value"},
		{desc: "bad remap", argv: []string{"--ros-args", "-r", "image"}, errorSub: `"image": missing :=`},
		{desc: "bad remap name", argv: []string{"--ros-args", "-r", "a:=b c"}, errorSub: `topic "b c"`},
		{desc: "bad param", argv: []string{"--ros-args", "-p", "novalue"}, errorSub: `"novalue": missing :=`},
		{desc: "bad param name", argv: []string{"--ros-args", "-p", "a..b:=1"}, errorSub: `"a..b" has an empty part`},
		{desc: "bad level", argv: []string{"--ros-args", "--log-level", "loud"}, errorSub: `level "loud"`},
		{desc: "unknown", argv: []string{"--ros-args", "--frobnicate"}, errorSub: `unknown argument "--frobnicate"`},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			a, rest, err := ParseArgs(tc.argv)
			if tc.errorSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errorSub) {
					t.Fatalf("error %v, want one containing %s", err, tc.errorSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rest, tc.rest) {
				t.Errorf("rest %q, want %q", rest, tc.rest)
			}
			if !reflect.DeepEqual(a.Remaps, tc.remaps) {
				t.Errorf("remaps %+v, want %+v", a.Remaps, tc.remaps)
			}
			if !reflect.DeepEqual(a.Params, tc.params) {
				t.Errorf("params %+v, want %+v", a.Params, tc.params)
			}
			if a.LogLevel != tc.level {
				t.Errorf("log level %q, want %q", a.LogLevel, tc.level)
			}
			if tc.loggers == nil {
				tc.loggers = map[string]string{}
			}
			if !reflect.DeepEqual(a.LoggerLevels, tc.loggers) {
				t.Errorf("logger levels %v, want %v", a.LoggerLevels, tc.loggers)
			}
			if a.NoRosoutLogs != tc.noRosout || a.NoStdoutLogs != tc.noStdout {
				t.Errorf("no rosout %v, no stdout %v; want %v, %v", a.NoRosoutLogs, a.NoStdoutLogs, tc.noRosout, tc.noStdout)
			}
			if a.Enclave != tc.enclave {
				t.Errorf("enclave %q, want %q", a.Enclave, tc.enclave)
			}
			if len(a.Notes) != tc.notes {
				t.Errorf("notes %q, want %d", a.Notes, tc.notes)
			}
		})
	}
}

func TestParseParamValue(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any
	}{
		{"5", int64(5)}, {"-12", int64(-12)}, {"0x10", int64(16)}, {"1.5", 1.5}, {"1e3", 1000.0}, {"-0.25", -0.25},
		{"true", true}, {"False", false}, {"yes", true}, {"OFF", false}, {"on", true},
		{"hello", "hello"}, {"'5'", "5"}, {"!!str 5", "5"}, {`"true"`, "true"}, {"16UC1", "16UC1"}, {"", ""}, {"inf", "inf"}, {"nan", "nan"},
		{".inf", math.Inf(1)}, {"-.Inf", math.Inf(-1)},
		{"[1, 2, 3]", []int64{1, 2, 3}}, {"[1.5, 2]", []float64{1.5, 2}}, {"[true, no]", []bool{true, false}},
		{"[a, 'b', \"3\"]", []string{"a", "b", "3"}}, {"[]", []string{}},
	} {
		got, err := ParseParamValue(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseParamValue(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
		}
	}
	if v, err := ParseParamValue(".nan"); err != nil || !math.IsNaN(v.(float64)) {
		t.Errorf(".nan = %v, %v", v, err)
	}
	for _, bad := range []string{"[1, a]", "[true, 1]", "{a: 1}", "[[1]]"} {
		if v, err := ParseParamValue(bad); err == nil {
			t.Errorf("ParseParamValue(%q) = %#v, want an error", bad, v)
		}
	}
}

func TestMatchNodePattern(t *testing.T) {
	for _, tc := range []struct {
		pattern, fqn string
		want         bool
	}{
		{"/**", "/depth", true}, {"/**", "/a/b/depth", true},
		{"/depth", "/depth", true}, {"/depth", "/ns/depth", false},
		{"/ns/depth", "/ns/depth", true}, {"/ns/depth", "/depth", false},
		{"/**/depth", "/depth", true}, {"/**/depth", "/a/b/depth", true}, {"/**/depth", "/a/other", false},
		{"/*/depth", "/a/depth", true}, {"/*/depth", "/depth", false}, {"/*/depth", "/a/b/depth", false},
		{"/ns/*", "/ns/depth", true}, {"/ns/dep*", "/ns/depth", true}, {"/ns/*th", "/ns/depth", true}, {"/ns/x*", "/ns/depth", false},
		{"/a/**", "/a/b/c", true}, {"/a/**", "/b/c", false},
	} {
		if got := MatchNodePattern(tc.pattern, tc.fqn); got != tc.want {
			t.Errorf("MatchNodePattern(%q, %q) = %v, want %v", tc.pattern, tc.fqn, got, tc.want)
		}
	}
}

const testParamsFile = `
/**:
  ros__parameters:
    use_sim_time: false
    depth_encoding: 32FC1
    qos:
      depth: 3
      reliability: best_effort
/robot/depth:
  ros__parameters:
    depth_encoding: 16UC1
    max_range: 20
robot:
  other:
    ros__parameters:
      max_range: 99
depth:
  ros__parameters:
    max_range: 5
/*/dep*:
  ros__parameters:
    scales: [1.0, 2.5]
    frames: [a, b]
`

func TestParamsFile(t *testing.T) {
	entries, err := ParseParamsYAML([]byte(testParamsFile))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, e := range entries {
		patterns = append(patterns, e.Pattern)
	}
	if want := []string{"/**", "/robot/depth", "/robot/other", "/depth", "/*/dep*"}; !reflect.DeepEqual(patterns, want) {
		t.Fatalf("patterns %q, want %q", patterns, want)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(file, []byte(testParamsFile), 0o644); err != nil {
		t.Fatal(err)
	}
	args, _, err := ParseArgs([]string{"--ros-args", "-p", "max_range:=1", "--params-file", file, "-p", "depth_encoding:=mono16", "-p", "other:x:=1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		node, fqn string
		want      Params
	}{
		{"depth", "/robot/depth", Params{"use_sim_time": false, "depth_encoding": "mono16", "qos.depth": int64(3), "qos.reliability": "best_effort",
			"max_range": int64(20), "scales": []float64{1, 2.5}, "frames": []string{"a", "b"}}},
		{"depth", "/depth", Params{"use_sim_time": false, "depth_encoding": "mono16", "qos.depth": int64(3), "qos.reliability": "best_effort", "max_range": int64(5)}},
		{"other", "/robot/other", Params{"use_sim_time": false, "depth_encoding": "mono16", "qos.depth": int64(3), "qos.reliability": "best_effort", "max_range": int64(99), "x": int64(1)}},
	} {
		got, err := args.Parameters(tc.node, tc.fqn)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tc.fqn, got, tc.want)
		}
	}

	for _, bad := range []string{
		"ros__parameters: {a: 1}",
		"/n:\n  ros__parameters: [1]",
		"/n:\n  ros__parameters:\n    a: [1, x]",
		"/n: 5",
	} {
		if _, err := ParseParamsYAML([]byte(bad)); err == nil {
			t.Errorf("params file %q parsed", bad)
		}
	}
	missing, _, _ := ParseArgs([]string{"--ros-args", "--params-file", filepath.Join(dir, "nope.yaml")})
	if _, err := missing.Parameters("n", "/n"); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("missing params file: %v", err)
	}
}

func TestQoSWithParams(t *testing.T) {
	for _, tc := range []struct {
		params Params
		base   QoS
		want   QoS
		err    string
	}{
		{Params{}, QoSDefault, QoSDefault, ""},
		{Params{"q.reliability": "best_effort", "q.depth": int64(1)}, QoSDefault, QoS{Reliability: BestEffort, Durability: Volatile, Depth: 1}, ""},
		{Params{"q.durability": "TRANSIENT_LOCAL"}, QoSDefault, QoS{Reliability: Reliable, Durability: TransientLocal, Depth: 10}, ""},
		{Params{"q.history": "keep_all"}, QoSDefault, QoS{Reliability: Reliable, Durability: Volatile, Depth: 0}, ""},
		{Params{"q.history": "keep_last"}, QoS{Reliability: Reliable, Durability: Volatile, Depth: 0}, QoS{Reliability: Reliable, Durability: Volatile, Depth: 10}, ""},
		{Params{"q.reliability": "sometimes"}, QoSDefault, QoS{}, "q.reliability"},
		{Params{"q.durability": int64(1)}, QoSDefault, QoS{}, "q.durability"},
		{Params{"q.depth": int64(0)}, QoSDefault, QoS{}, "q.depth"},
		{Params{"q.depth": "5"}, QoSDefault, QoS{}, "q.depth"},
	} {
		got, err := tc.base.WithParams(tc.params, "q.")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one naming %s", tc.params, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %v, %v; want %v", tc.params, got, err, tc.want)
		}
	}
	for _, q := range []QoS{QoSSensorData, QoSDefault, QoSTF, QoSTFStatic, QoSClock} {
		if err := q.Validate(); err != nil {
			t.Error(err)
		}
	}
	if s := QoSTFStatic.String(); s != "reliable transient_local keep_last 1" {
		t.Errorf("String() = %q", s)
	}
}
