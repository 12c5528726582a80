package eval

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"

	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/pipeline"
)

// SamplesDir is the report sub-folder that keeps the sampled frames' arrays, so that `ssmde eval
// compare` can draw several models' predictions of the same frames side by side, on one colour
// scale, long after the runs: frame_NNNNNN_input.png (the model input), _pred.npy (depth in metres
// after the protocol's scaling, prediction size) and _gt.npy (the GT window it is scored on).
const SamplesDir = "samples"

var sampleFile = regexp.MustCompile(`^frame_(\d+)_pred\.npy$`)

func samplePath(dir string, index int, what string) string {
	return filepath.Join(dir, SamplesDir, fmt.Sprintf("frame_%06d_%s", index, what))
}

// writeSamples keeps the samples' arrays under dir/samples.
func writeSamples(dir string, samples []Sample) error {
	if len(samples) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, SamplesDir), 0o755); err != nil {
		return err
	}
	for _, s := range samples {
		if err := fileio.WritePNG(samplePath(dir, s.Index, "input.png"), fileio.RGBToImage(s.Color.Pix, s.Color.W, s.Color.H)); err != nil {
			return err
		}
		if err := fileio.WriteNPYFile(samplePath(dir, s.Index, "pred.npy"), []int{s.PH, s.PW}, s.Pred); err != nil {
			return err
		}
		if err := fileio.WriteNPYFile(samplePath(dir, s.Index, "gt.npy"), []int{s.GH, s.GW}, s.GT); err != nil {
			return err
		}
	}
	return nil
}

// LoadSamples reads the samples a report folder kept (none: an empty list, not an error).
func LoadSamples(dir string) ([]Sample, error) {
	entries, err := os.ReadDir(filepath.Join(dir, SamplesDir))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Sample
	for _, e := range entries {
		m := sampleFile.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		index, _ := strconv.Atoi(m[1])
		s := Sample{Index: index}
		var shape []int
		if shape, s.Pred, err = fileio.ReadNPYFile(samplePath(dir, index, "pred.npy")); err != nil {
			return nil, err
		}
		if len(shape) != 2 {
			return nil, fmt.Errorf("%s: shape %v, want 2-D", samplePath(dir, index, "pred.npy"), shape)
		}
		s.PH, s.PW = shape[0], shape[1]
		if shape, s.GT, err = fileio.ReadNPYFile(samplePath(dir, index, "gt.npy")); err != nil {
			return nil, err
		}
		if len(shape) != 2 {
			return nil, fmt.Errorf("%s: shape %v, want 2-D", samplePath(dir, index, "gt.npy"), shape)
		}
		s.GH, s.GW = shape[0], shape[1]
		if s.Color, err = readRGB(samplePath(dir, index, "input.png")); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

func readRGB(path string) (pipeline.RGBImage, error) {
	f, err := os.Open(path)
	if err != nil {
		return pipeline.RGBImage{}, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return pipeline.RGBImage{}, fmt.Errorf("%s: %w", path, err)
	}
	b := img.Bounds()
	out := pipeline.RGBImage{W: b.Dx(), H: b.Dy(), Pix: make([]byte, 3*b.Dx()*b.Dy())}
	for y := 0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := 3 * (y*out.W + x)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2] = byte(r>>8), byte(g>>8), byte(bl>>8)
		}
	}
	return out, nil
}
