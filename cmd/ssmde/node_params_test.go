package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMisspeltParameterStopsTheNode: a parameter name the node does not have, from -p or from a
// params file, ends the start-up with an error that names where it was set and what it most
// likely meant, before any model is loaded; a name with nothing near it gets no guess.
func TestMisspeltParameterStopsTheNode(t *testing.T) {
	t.Setenv("ROS_DOMAIN_ID", strconv.Itoa(os.Getpid()%100+100))
	file := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(file, []byte("/**:\n  ros__parameters:\n    min_dept: 0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"--ros-args", "-p", "scale_mdoe:=focal"},
			[]string{`parameter "scale_mdoe" (-p) unknown; did you mean "scale_mode"?`, "the node's parameters: model, providers"}, ""},
		{[]string{"--ros-args", "--params-file", file},
			[]string{`parameter "min_dept" (params file ` + file + `) unknown; did you mean "min_depth"?`}, ""},
		{[]string{"--ros-args", "-p", "wobble:=1"}, []string{`parameter "wobble" (-p) unknown;`}, "did you mean"},
		{[]string{"--ros-args", "-p", "fixed_scale:=abc"}, []string{"parameter fixed_scale = abc (string): want a number (-p)"}, ""},
	} {
		code, so, se := runCLI(t, append([]string{"node"}, c.args...)...)
		out := so + se
		if code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", c.args, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", c.args, w, out)
			}
		}
		if c.not != "" && strings.Contains(out, c.not) {
			t.Errorf("%v: output has %q:\n%s", c.args, c.not, out)
		}
		if strings.Contains(out, "model loaded") {
			t.Errorf("%v: the model was loaded before the parameters were checked:\n%s", c.args, out)
		}
	}
}
