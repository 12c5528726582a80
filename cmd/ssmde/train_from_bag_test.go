package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
)

// The README's "train a student on your own robot's recordings" path end to end on the CPU, with
// a very short budget: sim bag → scripts/train_from_bag.sh (dataset, teacher, two stages,
// export, eval) → a model folder the node loads, better on the held-out frames than its
// untrained init.
func TestTrainFromBagChain(t *testing.T) {
	root := testmodel.RepoRoot(t)
	tmp := t.TempDir()
	drive := filepath.Join(tmp, "drive.mcap")
	if code, so, se := runCLI(t, "sim", "--bag", drive, "--frames", "80", "--width", "256", "--height", "96", "--seed", "11", "--quiet"); code != 0 {
		t.Fatalf("sim: %d\n%s\n%s", code, so, se)
	}
	// The script runs this test binary as ssmde, so it tests this build.
	ssmde := filepath.Join(tmp, "ssmde")
	if err := os.WriteFile(ssmde, []byte("#!/bin/sh\n"+ntestChildEnv+"=1 exec "+os.Args[0]+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "student")
	cmd := exec.Command(filepath.Join(root, "scripts", "train_from_bag.sh"), drive)
	// One torch thread: the other test packages share the cores, and torch's spinning threads
	// slow down many times over when oversubscribed.
	cmd.Env = append(os.Environ(), "SSMDE="+ssmde, "OUT="+out, "QUIET=1", "MAX_STEPS=100", "WIDTH=128", "HEIGHT=64",
		"EPOCHS1=20", "EPOCHS2=20", "THREADS=1", "DATASET_ARGS=--val-fraction 0.25 --val-gap 0.5s")
	// The script's process group goes with this test binary, training included, even on a timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	start := time.Now()
	log, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("train_from_bag.sh: %v\n%s", err, log)
	}
	t.Logf("chain took %.0f s", time.Since(start).Seconds())
	for _, want := range []string{"1/6 dataset", "2/6 teacher", "3/6 stage 1", "4/6 stage 2", "5/6 export", "6/6 eval", "done: the student is"} {
		if !strings.Contains(string(log), want) {
			t.Fatalf("no %q in the script's output:\n%s", want, log)
		}
	}
	absRel := func(report string) float64 {
		data, err := os.ReadFile(filepath.Join(report, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			All struct {
				AbsRel float64 `json:"abs_rel"`
			} `json:"all"`
			Scored int `json:"scored"`
		}
		if err := json.Unmarshal(data, &r); err != nil || r.Scored == 0 {
			t.Fatalf("%s: %v, %d frames scored", report, err, r.Scored)
		}
		return r.All.AbsRel
	}
	trained := absRel(filepath.Join(out, "report"))
	// The untrained init of the same architecture, scored the same way.
	initDir := filepath.Join(tmp, "init")
	export := testmodel.RecipeCommand(t, "-m", "ssmde_recipe.export", "--out", initDir, "--encoder", "lite", "--width", "128", "--height", "64", "--seed", "0")
	if o, err := export.CombinedOutput(); err != nil {
		t.Fatalf("export init: %v\n%s", err, o)
	}
	initReport := filepath.Join(tmp, "init-report")
	if code, so, se := runCLI(t, "eval", "--model", initDir, "--scaling", "median", "--quiet", "--out", initReport, filepath.Join(out, "data", "val", "scene_0000")); code != 0 {
		t.Fatalf("eval init: %s %s", so, se)
	}
	untrained := absRel(initReport)
	t.Logf("held-out AbsRel (median scaling): student %.3f, untrained init %.3f", trained, untrained)
	if !(trained < untrained-0.1) {
		t.Fatalf("student AbsRel %.3f is not clearly better than the untrained init's %.3f", trained, untrained)
	}
	// The node loads it.
	n := ntestStartNode(t, ntestDomain(), nil, "-p", "model:="+filepath.Join(out, "model"), "-p", "threads:=1")
	ntestWait(t, "the node to load the student", 20*time.Second, func() bool { return strings.Contains(n.out.String(), "model loaded") })
	if !strings.Contains(n.out.String(), "ssmde-drive") {
		t.Fatalf("the node did not load the trained student:\n%s", n.out.String())
	}
	if code, _ := n.stop(t, syscall.SIGINT, 5*time.Second); code != 0 {
		t.Fatalf("node exit %d", code)
	}
}
