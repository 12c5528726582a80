package fileio

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNPYReadByNumpy checks our .npy against numpy itself, the reader every user will point at it.
func TestNPYReadByNumpy(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s with numpy is required: run `make setup`", python)
	}
	path := filepath.Join(t.TempDir(), "a.npy")
	data := []float32{1.5, -2, float32(math.NaN()), 3.25, 1e-7, 65504}
	if err := WriteNPYFile(path, []int{2, 3}, data); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c",
		"import numpy as np,sys; a=np.load(sys.argv[1]); print(a.dtype, a.shape, ' '.join(repr(float(v)) for v in a.ravel()))", path).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy could not load our file: %v\n%s", err, out)
	}
	want := "float32 (2, 3) 1.5 -2.0 nan 3.25 1.0000000116860974e-07 65504.0"
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("numpy read %q, want %q", got, want)
	}
	// And numpy's own files read back through ReadNPY.
	src := filepath.Join(t.TempDir(), "b.npy")
	if out, err := exec.Command(python, "-c",
		"import numpy as np,sys; np.save(sys.argv[1], np.arange(24, dtype=np.float32).reshape(2,3,4)/8)", src).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	shape, got, err := ReadNPYFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 3 || shape[0] != 2 || shape[1] != 3 || shape[2] != 4 || len(got) != 24 || got[23] != 23.0/8 {
		t.Fatalf("shape %v values %v", shape, got)
	}
}

func TestNPYErrors(t *testing.T) {
	if err := WriteNPY(&bytes.Buffer{}, []int{2, 2}, []float32{1}); err == nil || !strings.Contains(err.Error(), "holds 4 values") {
		t.Errorf("size mismatch: %v", err)
	}
	var buf bytes.Buffer
	WriteNPY(&buf, []int{4}, []float32{1, 2, 3, 4})
	trunc := buf.Bytes()[:buf.Len()-3]
	if _, _, err := ReadNPY(bytes.NewReader(trunc)); err == nil || !strings.Contains(err.Error(), "needs 16 bytes") {
		t.Errorf("truncated: %v", err)
	}
	if _, _, err := ReadNPY(strings.NewReader("not an npy file at all")); err == nil || !strings.Contains(err.Error(), "bad magic") {
		t.Errorf("magic: %v", err)
	}
}

func FuzzReadNPY(f *testing.F) {
	var buf bytes.Buffer
	WriteNPY(&buf, []int{2, 2}, []float32{1, 2, 3, 4})
	f.Add(buf.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'shape': (99999999999, 99999), 'descr': '<f4'}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		shape, values, err := ReadNPY(bytes.NewReader(data))
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(values) {
			t.Fatalf("shape %v but %d values", shape, len(values))
		}
	})
}

func TestDepthPNGRoundTrip(t *testing.T) {
	nan := float32(math.NaN())
	depth := []float32{1.2344, 0, nan, 70, -1, 0.0004, 2.5, float32(math.Inf(1))}
	path := filepath.Join(t.TempDir(), "d.png")
	if err := WriteDepthPNG(path, depth, 4, 2); err != nil {
		t.Fatal(err)
	}
	got, w, h, err := ReadDepthPNG(path, 0.001)
	if err != nil || w != 4 || h != 2 {
		t.Fatalf("%v %dx%d", err, w, h)
	}
	// 1.2344 m → 1234 mm; 70 m saturates at 65535 mm; ≤0, NaN, Inf and sub-mm → 0 → NaN.
	want := []float64{1.234, math.NaN(), math.NaN(), 65.535, math.NaN(), math.NaN(), 2.5, math.NaN()}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(float64(got[i])) || (!math.IsNaN(want[i]) && math.Abs(float64(got[i])-want[i]) > 1e-5) {
			t.Errorf("pixel %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestPLY(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ply")
	nan := float32(math.NaN())
	pts := []Point{{1, 2, 3, 255, 0, 10}, {nan, 0, 1, 0, 0, 0}, {-1, 0.5, 4, 1, 2, 3}}
	if err := WritePLY(path, pts, true); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	i := bytes.Index(data, []byte("end_header\n"))
	if i < 0 || !bytes.Contains(data[:i], []byte("element vertex 2\n")) || !bytes.Contains(data[:i], []byte("property uchar red")) {
		t.Fatalf("header:\n%s", data[:max(i, 0)])
	}
	body := data[i+len("end_header\n"):]
	if len(body) != 2*15 {
		t.Fatalf("body %d bytes, want 30", len(body))
	}
	if body[12] != 255 || body[14] != 10 || body[27] != 1 {
		t.Fatalf("colours not where PLY puts them: %v", body)
	}
}
