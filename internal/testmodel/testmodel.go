// Package testmodel gives tests a real exported student: the training recipe's export run on a
// seeded random init, at a small input size, cached under build/testmodels/ in the repository.
// A cached model's folder name carries a digest of what made it (the recipe's sources; for the
// BYO graphs their generator and the student they embed), so a change there re-exports instead of
// comparing a stale ONNX with the new PyTorch.
//
// Tests that need it fail (never skip) with a message naming `make setup` when Python or torch is
// missing, so a machine without them cannot pass quietly.
package testmodel

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
)

// Python is the interpreter the recipe runs on: Debian's, with python3-torch.
const Python = "/usr/bin/python3"

// Spec names one exported test model.
type Spec struct {
	Encoder       string // lite or resnet18
	Width, Height int
	Seed          int
}

// Lite is the default test model: the lite encoder at 128×64.
var Lite = Spec{Encoder: "lite", Width: 128, Height: 64, Seed: 7}

// ResNet18 is the recipe's full-size encoder at the same small input.
var ResNet18 = Spec{Encoder: "resnet18", Width: 128, Height: 64, Seed: 7}

func (s Spec) name() string {
	return fmt.Sprintf("%s-%dx%d-seed%d", s.Encoder, s.Width, s.Height, s.Seed)
}

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testmodel: no go.mod above the working directory")
		}
		dir = parent
	}
}

// RecipeDir is the folder of the Python training recipe.
func RecipeDir(t testing.TB) string { return filepath.Join(RepoRoot(t), "models", "recipe") }

// Ensure returns the folder of the exported model, exporting it first when absent. Export writes to
// a temporary folder and renames it into place, so parallel test binaries never see half a model.
func Ensure(t testing.TB, s Spec) string {
	t.Helper()
	root := RepoRoot(t)
	sources, err := filepath.Glob(filepath.Join(root, "models", "recipe", "ssmde_recipe", "*.py"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("testmodel: no recipe sources under models/recipe/ssmde_recipe (%v)", err)
	}
	key, err := inputsKey(sources...)
	if err != nil {
		t.Fatalf("testmodel: %v", err)
	}
	dir := filepath.Join(root, "build", "testmodels", s.name()+"-"+key)
	if _, err := os.Stat(filepath.Join(dir, "model.yaml")); err == nil {
		return dir
	}
	if _, err := os.Stat(Python); err != nil {
		t.Fatalf("testmodel: %s not found; run `make setup` (it installs python3-torch)", Python)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".tmp-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(Python, "-m", "ssmde_recipe.export", "--out", tmp, "--encoder", s.Encoder,
		"--width", fmt.Sprint(s.Width), "--height", fmt.Sprint(s.Height), "--seed", fmt.Sprint(s.Seed))
	cmd.Dir = filepath.Join(root, "models", "recipe")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testmodel: exporting %s failed: %v\n%s\n(run `make setup` if torch or onnx is missing)", s.name(), err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "model.yaml")); statErr != nil {
			t.Fatalf("testmodel: %v", err)
		}
	}
	return dir
}

// inputsKey is a short digest of the files' names and contents: the cache key of what they make.
func inputsKey(files ...string) (string, error) {
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	h := sha256.New()
	for _, f := range sorted {
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\n", filepath.Base(f))
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// RunReference runs the PyTorch reference of the recipe on .npy inputs and returns its exit error
// with output. args are passed to `python3 -m ssmde_recipe.reference`.
func RunReference(t testing.TB, args ...string) {
	t.Helper()
	cmd := exec.Command(Python, append([]string{"-m", "ssmde_recipe.reference"}, args...)...)
	cmd.Dir = RecipeDir(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("PyTorch reference failed: %v\n%s", err, out)
	}
}

// RecipeCommand is the recipe's Python (`python3 args...`) run from models/recipe, so that
// `-c "import ssmde_recipe ..."` works; the caller runs it.
func RecipeCommand(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	if _, err := os.Stat(Python); err != nil {
		t.Fatalf("testmodel: %s not found; run `make setup` (it installs python3-torch)", Python)
	}
	cmd := exec.Command(Python, args...)
	cmd.Dir = RecipeDir(t)
	return cmd
}
