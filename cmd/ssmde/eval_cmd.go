package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/ssmde/ssmde/eval"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/pipeline"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return runEvalMerge(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "compare" {
		return runEvalCompare(args[1:], stdout, stderr)
	}
	fs := newFlagSet("eval", "[flags] [--model DIR]... [--out DIR] RECORDING...   |   ssmde eval merge --out DIR REPORT_DIR...   |   ssmde eval compare --out DIR REPORT_DIR...", stderr)
	var pf pipelineFlags
	pf.register(fs)
	out := fs.String("out", "", "report folder (results.json, frames.csv, figures, report.md); one sub-folder per recording when there are several")
	scaling := fs.String("scaling", "auto", "match prediction scale to GT: auto (none when the depth claims metres — metric_scale, kind depth, or a scale mode that recovers the scale — with median-scaled numbers beside it; else median), median (per image), fixed, none, affine_oracle (per-image least-squares scale and shift of disparity: an oracle, the best a relative network allows)")
	fixedRatio := fs.Float64("ratio", 1, "the factor for --scaling fixed")
	crop := fs.String("crop", "none", "evaluation crop: none, kitti-garg, kitti-eigen, nyu")
	gtMin := fs.Float64("gt-min", 1e-3, "valid ground truth is above this (m)")
	gtMax := fs.Float64("gt-max", 80, "and below this (m); predictions are clamped to the same range")
	rate := fs.Float64("rate", 0, "replay at this multiple of real time (0: as fast as possible)")
	fps := fs.Float64("fps", 10, "frame rate of a folder without timestamps")
	samples := fs.Int("samples", 4, "frames shown in the samples figure")
	jobs := fs.Int("jobs", 1, "recordings evaluated at the same time (each opens its own model)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	record := fs.String("record", "", "also write what the node would have published (depth, depth/camera_info, points, depth/colormap, odom, /tf) to this .mcap or .bag, stamped like the input")
	recordNS := fs.String("record-namespace", "/ssmde", "namespace of the --record topics")
	topics, bagOpts := registerBagFlags(fs)
	var bags multiFlag
	fs.Var(&bags, "bag", "a recording: MCAP file, rosbag2 folder or ROS 1 .bag (repeatable; same as giving it as an argument)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg()+len(bags) == 0 || *jobs < 1 {
		fs.Usage()
		return errUsage
	}
	sc, err := eval.ParseScaling(*scaling)
	if err != nil {
		return err
	}
	cropWin, ok := eval.Crops[*crop]
	if !ok {
		return fmt.Errorf("--crop %q unknown; want none, kitti-garg, kitti-eigen or nyu", *crop)
	}
	recordings, err := expandRecordings(append(append([]string{}, bags...), fs.Args()...))
	if err != nil {
		return err
	}
	cfg := eval.RunConfig{Protocol: eval.Protocol{MinDepth: *gtMin, MaxDepth: *gtMax, Crop: cropWin, Scaling: sc, FixedScale: *fixedRatio},
		Samples: *samples, Rate: *rate}

	var recorder *predictionRecorder
	if *record != "" {
		if len(recordings) != 1 || len(pf.models.more) > 0 {
			return fmt.Errorf("--record %s writes one model's predictions of one recording; got %d recording(s) and %d model(s)", *record, len(recordings), 1+len(pf.models.more))
		}
		if recorder, err = newPredictionRecorder(*record, *recordNS); err != nil {
			return err
		}
	}
	// evalOne runs in several goroutines at once (--jobs): it keeps its errors to itself.
	evalOne := func(modelDir, path string, progress func(done, total int)) (*eval.Result, error) {
		var src eval.Source
		var err error
		if eval.IsSequenceFolder(path) {
			src, err = eval.OpenFolder(path, *fps)
		} else {
			o := *bagOpts
			o.BagTopics = *topics
			src, err = eval.OpenBagWith(path, o)
		}
		if err != nil {
			return nil, err
		}
		defer src.Close()
		mf := pf
		mf.model = modelDir
		pc := pipeline.Config{}
		if recorder != nil {
			pc.Points, pc.Colormap = true, true
		}
		m, p, err := mf.open(pc)
		if err != nil {
			return nil, err
		}
		defer m.Close()
		defer p.Close()
		c := cfg
		c.Progress = progress
		if recorder != nil {
			c.OnResult = recorder.record
		}
		res, err := eval.Run(src, p, c)
		if err != nil {
			return nil, err
		}
		res.Model, res.Provider = m.Manifest.Name, m.Provider()
		if res.Protocol.ModelSHA256, err = models.FileSHA256(filepath.Join(modelDir, m.Manifest.Depth.File)); err != nil {
			return nil, err
		}
		res.Protocol.ModelBytes = modelBytes(modelDir, m.Manifest)
		return res, nil
	}

	if dirs := pf.models.all(); len(dirs) > 1 {
		// Several models: each one's report under OUT/<model name>, then the comparison in OUT.
		if *out == "" {
			return errors.New("several --model need --out DIR (a report folder per model, and the comparison)")
		}
		var reports []*eval.Compared
		used := map[string]int{}
		for _, dir := range dirs {
			man, err := models.LoadManifest(dir)
			if err != nil {
				return err
			}
			label := folderName(man.Name)
			if used[label]++; used[label] > 1 {
				label = fmt.Sprintf("%s_%d", label, used[label])
			}
			fmt.Fprintf(stderr, "eval: %s (%s)\n", label, dir)
			modelOut := filepath.Join(*out, label)
			if err := evaluateModel(dir, recordings, modelOut, *jobs, *quiet, evalOne, io.Discard, stderr); err != nil {
				return fmt.Errorf("%s: %w", dir, err)
			}
			c, err := eval.LoadCompared(modelOut)
			if err != nil {
				return err
			}
			reports = append(reports, c)
		}
		return writeComparison(*out, reports, stdout)
	}
	err = evaluateModel(pf.model, recordings, *out, *jobs, *quiet, evalOne, stdout, stderr)
	if recorder != nil {
		if cerr := recorder.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			fmt.Fprintf(stdout, "predictions: %s (%d frames under %s)\n", *record, recorder.written, recorder.ns)
		}
	}
	return err
}

// evaluateModel evaluates one model on the recordings: one report in out, or with several
// recordings a report folder each under out, evaluated by `jobs` workers, and the merged result.
func evaluateModel(modelDir string, recordings []string, out string, jobs int, quiet bool,
	evalOne func(modelDir, path string, progress func(done, total int)) (*eval.Result, error), stdout, stderr io.Writer) error {
	if len(recordings) == 1 {
		src := recordings[0]
		bar := newProgress(-1, "eval", stderr, quiet)
		res, err := evalOne(modelDir, src, func(done, total int) { bar.ChangeMax(total); bar.Set(done) })
		bar.Finish()
		if err != nil {
			return err
		}
		fmt.Fprint(stdout, res.Summary())
		if out != "" {
			if err := eval.WriteReport(out, res); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "report: %s\n", filepath.Join(out, eval.ReportFile))
		}
		return nil
	}

	// Several recordings: one report folder each, evaluated by `jobs` workers, then merged.
	if out == "" {
		return errors.New("several recordings need --out DIR (one report folder each, and the merged results)")
	}
	bar := newProgress(len(recordings), "recordings", stderr, quiet)
	var mu sync.Mutex
	var saved []*eval.Saved
	var failures []string
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range work {
				dir := filepath.Join(out, filepath.Base(path))
				res, err := evalOne(modelDir, path, nil)
				if err == nil {
					err = eval.WriteReport(dir, res)
				}
				var s *eval.Saved
				if err == nil {
					s, err = eval.LoadSaved(dir)
				}
				mu.Lock()
				if err != nil {
					failures = append(failures, fmt.Sprintf("%s: %v", path, err))
				} else {
					saved = append(saved, s)
				}
				bar.Add(1)
				mu.Unlock()
			}
		}()
	}
	for _, r := range recordings {
		work <- r
	}
	close(work)
	wg.Wait()
	bar.Finish()
	sort.Slice(saved, func(i, j int) bool { return saved[i].Dir < saved[j].Dir })
	for _, f := range failures {
		fmt.Fprintln(stderr, "eval:", f)
	}
	if len(saved) == 0 {
		return errors.New("no recording could be evaluated")
	}
	merged := eval.Merge(saved)
	fmt.Fprint(stdout, merged.Summary())
	if err := eval.WriteMerged(out, merged); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reports: %s/<recording>/report.md; merged: %s\n", out, filepath.Join(out, eval.ResultsFile))
	if len(failures) > 0 {
		return fmt.Errorf("%d of %d recordings failed", len(failures), len(recordings))
	}
	return nil
}

// expandRecordings turns arguments into recordings: a sequence folder is one; a folder of
// sequence folders (scene_0000, …) is each of them.
func expandRecordings(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if eval.IsSequenceFolder(a) || isBag(a) {
			out = append(out, a)
			continue
		}
		entries, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, e := range entries {
			if p := filepath.Join(a, e.Name()); (e.IsDir() && eval.IsSequenceFolder(p)) || isBag(p) {
				out = append(out, p)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s: neither a recording (a bag, or a folder with image_02/data) nor a folder of recordings", a)
		}
	}
	return out, nil
}

// runEvalMerge joins report folders written by separate `ssmde eval` processes (one per
// recording on a cluster) into one result.
func runEvalMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval merge", "--out DIR REPORT_DIR...", stderr)
	out := fs.String("out", "", "folder for the merged results.json and summary.txt")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *out == "" {
		fs.Usage()
		return errUsage
	}
	var saved []*eval.Saved
	for _, dir := range fs.Args() {
		s, err := eval.LoadSaved(dir)
		if err != nil {
			return err
		}
		saved = append(saved, s)
	}
	merged := eval.Merge(saved)
	fmt.Fprint(stdout, merged.Summary())
	return eval.WriteMerged(*out, merged)
}

// isBag reports whether path is an MCAP file, a ROS 1 bag, a rosbag2 .db3 or a rosbag2 folder.
func isBag(path string) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	if st.IsDir() {
		_, err := os.Stat(filepath.Join(path, "metadata.yaml"))
		return err == nil
	}
	switch filepath.Ext(path) {
	case ".mcap", ".bag", ".db3":
		return true
	}
	return false
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// modelBytes is the size of the model's ONNX files (depth and pose); 0 when unknown.
func modelBytes(dir string, man *models.Manifest) int64 {
	var n int64
	files := []string{man.Depth.File}
	if man.Pose != nil {
		files = append(files, man.Pose.File)
	}
	for _, f := range files {
		if st, err := os.Stat(filepath.Join(dir, f)); err == nil {
			n += st.Size()
		}
	}
	return n
}

// runEvalCompare compares existing report folders (ssmde eval --out of each model on the same
// recordings): one table, one figure with a column per model.
func runEvalCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval compare", "--out DIR REPORT_DIR REPORT_DIR...", stderr)
	out := fs.String("out", "", "folder for compare.md, compare.html, compare.json and compare.png")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 2 || *out == "" {
		fs.Usage()
		return errUsage
	}
	var reports []*eval.Compared
	for _, dir := range fs.Args() {
		c, err := eval.LoadCompared(dir)
		if err != nil {
			return err
		}
		reports = append(reports, c)
	}
	return writeComparison(*out, reports, stdout)
}

func writeComparison(out string, reports []*eval.Compared, stdout io.Writer) error {
	c, err := eval.Compare(reports)
	if err != nil {
		return err
	}
	if err := eval.WriteComparison(out, c); err != nil {
		return err
	}
	fmt.Fprint(stdout, c.Table())
	for _, w := range c.Warnings {
		fmt.Fprintln(stdout, "note:", w)
	}
	fmt.Fprintf(stdout, "comparison: %s (and %s)\n", filepath.Join(out, eval.CompareMD), eval.CompareHTML)
	return nil
}

// folderName makes a model name safe as a folder name: letters, digits, ".", "-" and "_" stay,
// runs of anything else become one "_".
func folderName(name string) string {
	var b strings.Builder
	under := false
	for _, r := range name {
		ok := r == '.' || r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if ok {
			b.WriteRune(r)
			under = false
		} else if !under {
			b.WriteByte('_')
			under = true
		}
	}
	out := strings.Trim(b.String(), "_.")
	if out == "" {
		return "model"
	}
	return out
}
