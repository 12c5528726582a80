// Tests of how robots get ssmde: the ament package, the launch files and the params file. They
// need no ROS install: CMake builds without ament, and the launch files are parsed, not run.
package deploy_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/node"
	"github.com/ssmde/ssmde/node/ros2"
)

func TestCMakeInstallsTheAmentLayout(t *testing.T) {
	cmake, err := exec.LookPath("cmake")
	if err != nil {
		t.Fatal("cmake is required for this test: run `make setup`")
	}
	build, prefix := t.TempDir(), t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(cmake, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cmake %v: %v\n%s", args, err, out)
		}
	}
	wd, _ := os.Getwd()
	run("-S", wd, "-B", build, "-DSSMDE_NO_AMENT=ON", "-DCMAKE_INSTALL_PREFIX="+prefix)
	run("--build", build)
	run("--install", build)
	for _, f := range []string{"lib/ssmde/ssmde", "share/ssmde/launch/ssmde.launch.py", "share/ssmde/launch/ssmde.launch.xml", "share/ssmde/launch/ssmde.params.yaml"} {
		if _, err := os.Stat(filepath.Join(prefix, f)); err != nil {
			t.Errorf("not installed: %s", f)
		}
	}
	out, err := exec.Command(filepath.Join(prefix, "lib/ssmde/ssmde"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ssmde ") {
		t.Fatalf("installed binary: %v %s", err, out)
	}
}

func TestParamsFileIsValid(t *testing.T) {
	data, err := os.ReadFile("launch/ssmde.params.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	values := doc["/**"]["ros__parameters"]
	if len(values) == 0 {
		t.Fatal(`no "/**: ros__parameters:" section`)
	}
	p := node.DefaultParams()
	if err := p.SetAll(values); err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	// The file documents the defaults: it must not change them.
	if d := node.DefaultParams(); p.ScaleMode != d.ScaleMode || p.Providers != d.Providers || p.CameraInfoPolicy != d.CameraInfoPolicy {
		t.Fatalf("params file differs from the defaults: %+v", p)
	}
}

func TestLaunchFilesParseAndReferenceInstalledFiles(t *testing.T) {
	out, err := exec.Command("/usr/bin/python3", "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", "launch/ssmde.launch.py").CombinedOutput()
	if err != nil {
		t.Fatalf("ssmde.launch.py does not parse: %v\n%s", err, out)
	}
	data, _ := os.ReadFile("launch/ssmde.launch.xml")
	var l struct {
		Node []struct {
			Pkg    string `xml:"pkg,attr"`
			Exec   string `xml:"exec,attr"`
			Args   string `xml:"args,attr"`
			If     string `xml:"if,attr"`
			Unless string `xml:"unless,attr"`
			Param  []struct {
				From string `xml:"from,attr"`
				Name string `xml:"name,attr"`
			} `xml:"param"`
		} `xml:"node"`
	}
	if err := xml.Unmarshal(data, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Node) != 2 {
		t.Fatalf("launch.xml has %d nodes, want the model-given and the model-not-given one", len(l.Node))
	}
	for _, n := range l.Node {
		if n.Pkg != "ssmde" || n.Exec != "ssmde" || !strings.HasPrefix(n.Args, "node ") || len(n.Param) == 0 || n.Param[0].From == "" {
			t.Fatalf("launch.xml node %+v", n)
		}
	}
	// model:= given: the file, then the model (a later parameter wins); not given: the file alone,
	// so the file's model is not replaced by an empty one.
	if cond := l.Node[0].If; cond == "" || cond != l.Node[1].Unless || len(l.Node[0].Param) != 2 || l.Node[0].Param[1].Name != "model" || len(l.Node[1].Param) != 1 {
		t.Fatalf("launch.xml model handling: %+v", l.Node)
	}
	py, _ := os.ReadFile("launch/ssmde.launch.py")
	cm, _ := os.ReadFile("CMakeLists.txt")
	for _, f := range []string{"ssmde.params.yaml"} {
		if !strings.Contains(string(py), f) || !strings.Contains(string(data), f) || !strings.Contains(string(cm), "launch/"+f) {
			t.Errorf("%s is not referenced by both launch files and installed by CMakeLists.txt", f)
		}
	}
}

// TestLaunchPyModelOrder runs ssmde.launch.py's generate_launch_description() (with stand-ins for
// the ROS packages, launch/testdata/stubs) and turns the node's parameters into the command line
// launch_ros writes (each entry a --params-file, in order), which the node's own parser reads: a
// model in the user's params file is kept unless model:= is given, and model:= wins over it.
func TestLaunchPyModelOrder(t *testing.T) {
	dir := t.TempDir()
	userParams := filepath.Join(dir, "user.yaml")
	os.WriteFile(userParams, []byte("/**:\n  ros__parameters:\n    model: /robot/models/mine\n    threads: 3\n"), 0o644)
	script := `
import importlib.util, json, sys
sys.path.insert(0, "launch/testdata/stubs")
spec = importlib.util.spec_from_file_location("ssmde_launch", "launch/ssmde.launch.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
desc = m.generate_launch_description()
args = {a.name: a.default_value for a in desc.entities if hasattr(a, "default_value")}
args.update(json.loads(sys.argv[1]))
node = [e for e in desc.entities if hasattr(e, "function")][0].function(args)[0]
print(json.dumps(node.kwargs["parameters"]))
`
	for _, tc := range []struct {
		model, want string
	}{{"", "/robot/models/mine"}, {"/tmp/other_model", "/tmp/other_model"}} {
		launchArgs, _ := json.Marshal(map[string]string{"params_file": userParams, "model": tc.model})
		out, err := exec.Command("/usr/bin/python3", "-c", script, string(launchArgs)).CombinedOutput()
		if err != nil {
			t.Fatalf("launch file: %v\n%s", err, out)
		}
		var params []any
		if err := json.Unmarshal(out, &params); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		var argv []string
		for i, p := range params {
			file, ok := p.(string)
			if !ok { // a dict: launch_ros writes it as a temporary params file
				data, _ := yaml.Marshal(map[string]any{"/**": map[string]any{"ros__parameters": p}})
				file = filepath.Join(dir, fmt.Sprintf("launch_params_%d.yaml", i))
				os.WriteFile(file, data, 0o644)
			}
			argv = append(argv, "--params-file", file)
		}
		parsed, _, err := ros2.ParseArgs(append([]string{"--ros-args"}, argv...))
		if err != nil {
			t.Fatal(err)
		}
		got, err := parsed.Parameters("ssmde", "/camera/ssmde")
		if err != nil {
			t.Fatal(err)
		}
		if got["model"] != tc.want || fmt.Sprint(got["threads"]) != "3" {
			t.Errorf("model:=%q: the node gets model %v threads %v, want %q and 3", tc.model, got["model"], got["threads"], tc.want)
		}
	}
}

// TestKubernetesEvalJobIsConsistent: the Indexed Job runs one pod per listed recording.
func TestKubernetesEvalJobIsConsistent(t *testing.T) {
	f, err := os.Open("deploy/kubernetes/eval-indexed-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var recordings, completions int
	for {
		var doc struct {
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
			Spec struct {
				CompletionMode string `yaml:"completionMode"`
				Completions    int    `yaml:"completions"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); err != nil {
			break
		}
		switch doc.Kind {
		case "ConfigMap":
			recordings = len(strings.Fields(doc.Data["recordings.txt"]))
		case "Job":
			if doc.Spec.CompletionMode != "Indexed" {
				t.Fatalf("completionMode %q", doc.Spec.CompletionMode)
			}
			completions = doc.Spec.Completions
		}
	}
	if recordings == 0 || recordings != completions {
		t.Fatalf("%d recordings listed, %d completions", recordings, completions)
	}
}

// TestREADMEParameterTableIsCurrent: the README's table is what `ssmde node --help-params` prints.
func TestREADMEParameterTableIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), node.ParamTable()) {
		t.Fatal("README.md's parameter table differs from node.ParamTable(): paste `bin/ssmde node --help-params` into it")
	}
}

// TestREADMEPresetTableIsCurrent: the README's preset table is what `ssmde models presets` prints.
func TestREADMEPresetTableIsCurrent(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), models.PresetTable()) {
		t.Fatal("README.md's preset table differs from models.PresetTable(): paste `bin/ssmde models presets` into it")
	}
}

// dockerInstruction is one instruction of a Dockerfile: its keyword (lower case), its --flags and
// its arguments (a JSON array's elements, or the words of the shell form).
type dockerInstruction struct {
	line  int
	cmd   string
	flags []string
	args  []string
}

// parseDockerfile reads the Dockerfile grammar this repository uses: comments, blank lines,
// instructions continued with a trailing backslash, leading --flags, and exec-form JSON arrays.
// (Heredocs and parser directives are not used here, and a test fails on an instruction it cannot
// read rather than skipping it.) It stands in for BuildKit's parser, which is too big a dependency
// for the main module's one Dockerfile test.
func parseDockerfile(t *testing.T, text string) []dockerInstruction {
	t.Helper()
	var out []dockerInstruction
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, "<<") {
			t.Fatalf("Dockerfile line %d: a heredoc, which this test's parser does not read", start)
		}
		for strings.HasSuffix(line, "\\") && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				continue // comment lines inside a continued instruction are dropped, as docker does
			}
			line = strings.TrimSuffix(line, "\\") + " " + next
		}
		keyword, rest, _ := strings.Cut(line, " ")
		in := dockerInstruction{line: start, cmd: strings.ToLower(keyword)}
		rest = strings.TrimSpace(rest)
		for strings.HasPrefix(rest, "--") {
			var flag string
			flag, rest, _ = strings.Cut(rest, " ")
			in.flags = append(in.flags, flag)
			rest = strings.TrimSpace(rest)
		}
		if strings.HasPrefix(rest, "[") {
			if err := json.Unmarshal([]byte(rest), &in.args); err != nil {
				t.Fatalf("Dockerfile line %d: %s: exec form is not a JSON array of strings: %v", start, keyword, err)
			}
		} else {
			in.args = strings.Fields(rest)
		}
		out = append(out, in)
	}
	return out
}

// TestDockerfileJetson reads Dockerfile.jetson and checks it against the repository: every file it
// copies from the build context exists, its scripts pass shellcheck, its stages chain, and the
// runtime runs as a non-root user.
func TestDockerfileJetson(t *testing.T) {
	data, err := os.ReadFile("Dockerfile.jetson")
	if err != nil {
		t.Fatal(err)
	}
	stages := map[string]bool{}
	var user, entrypoint string
	var froms int
	for _, n := range parseDockerfile(t, string(data)) {
		words := n.args
		switch n.cmd {
		case "from":
			froms++
			if len(words) == 3 && strings.EqualFold(words[1], "as") {
				stages[words[2]] = true
			}
		case "copy":
			from := ""
			for _, fl := range n.flags {
				if strings.HasPrefix(fl, "--from=") {
					from = strings.TrimPrefix(fl, "--from=")
				}
			}
			if from != "" {
				if !stages[from] {
					t.Errorf("line %d: COPY --from=%s names no earlier stage", n.line, from)
				}
				continue
			}
			if len(words) < 2 {
				t.Errorf("line %d: COPY with %d arguments", n.line, len(words))
				continue
			}
			for _, src := range words[:len(words)-1] {
				if _, err := os.Stat(strings.TrimSuffix(src, "/")); err != nil {
					t.Errorf("line %d: COPY source %s is not in the repository", n.line, src)
				}
			}
		case "user":
			user = words[0]
		case "entrypoint":
			entrypoint = strings.Join(words, " ")
		}
	}
	if froms < 2 {
		t.Errorf("%d stages; the image must be multi-stage (build tools stay out of the runtime)", froms)
	}
	if user == "" || user == "root" || user == "0" {
		t.Errorf("runtime user %q; the image must not run as root", user)
	}
	if !strings.Contains(entrypoint, "/opt/ssmde/bin/entrypoint.sh") {
		t.Errorf("entrypoint %q does not run deploy/jetson/entrypoint.sh", entrypoint)
	}
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Fatal("shellcheck is required: run `make setup`")
	}
	scripts, _ := filepath.Glob("deploy/jetson/*.sh")
	more, _ := filepath.Glob("scripts/*.sh")
	if out, err := exec.Command(shellcheck, append(scripts, more...)...).CombinedOutput(); err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
	for _, s := range scripts {
		if st, _ := os.Stat(s); st.Mode()&0o111 == 0 {
			t.Errorf("%s is not executable", s)
		}
	}
}
