package testmodel

import (
	"os"
	"path/filepath"
	"testing"
)

// TestInputsKeyFollowsContents: the cache key changes with any input's contents or name, not with
// the order the files are given in.
func TestInputsKeyFollowsContents(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "net.py"), filepath.Join(dir, "export.py")
	os.WriteFile(a, []byte("layers = 3\n"), 0o644)
	os.WriteFile(b, []byte("opset = 17\n"), 0o644)
	k1, err := inputsKey(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if k2, _ := inputsKey(b, a); k2 != k1 {
		t.Fatalf("order changed the key: %s vs %s", k1, k2)
	}
	os.WriteFile(a, []byte("layers = 4\n"), 0o644)
	if k3, _ := inputsKey(a, b); k3 == k1 {
		t.Fatalf("a changed network kept the key %s: a stale export would be reused", k1)
	}
	if _, err := inputsKey(filepath.Join(dir, "missing.py")); err == nil {
		t.Fatal("a missing input gave a key")
	}
}
