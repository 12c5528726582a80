package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ssmde/ssmde/bag"
)

func runBag(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, `usage: ssmde bag <info|convert> ...

  info FILE|DIR          what ros2 bag info shows (MCAP, rosbag2 folder or .db3, ROS 1 .bag)
  convert [flags] IN OUT copy a recording to OUT (.mcap: ROS 2 CDR, .bag: ROS 1)

'ssmde bag convert -h' shows its flags.
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "info":
		return runBagInfo(args[1:], stdout, stderr)
	case "convert":
		return runBagConvert(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "ssmde bag: unknown subcommand %q (want info or convert)\n", args[0])
	return errUsage
}

func runBagInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bag info", "FILE|DIR", stderr)
	utc := fs.Bool("utc", false, "print times in UTC instead of local time")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	r, err := bag.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer r.Close()
	info, infoErr := r.Info()
	if info == nil {
		return infoErr
	}
	loc := time.Local
	if *utc {
		loc = time.UTC
	}
	if err := bag.WriteInfo(stdout, info, loc); err != nil {
		return err
	}
	if infoErr != nil {
		return fmt.Errorf("counted up to the damage only: %w", infoErr)
	}
	return nil
}

func runBagConvert(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bag convert", "[flags] IN OUT   (OUT ends in .mcap or .bag)", stderr)
	comp := fs.String("compression", "", "chunk compression: zstd, lz4 or none (default zstd for .mcap, lz4 for .bag)")
	chunk := fs.Int64("chunk-size", 0, "uncompressed bytes per chunk (default 1 MiB for .mcap, 768 KiB for .bag)")
	topics := fs.String("topics", "", "comma-separated topics to copy (default all)")
	skip := fs.Bool("skip-unknown", false, "drop messages of types ssmde does not know instead of failing")
	force := fs.Bool("force", false, "overwrite OUT if it exists")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	in, out := fs.Arg(0), fs.Arg(1)
	if a, b := filepath.Clean(in), filepath.Clean(out); a == b {
		return fmt.Errorf("IN and OUT are the same path %s", a)
	}
	if _, err := os.Stat(out); err == nil && !*force {
		return fmt.Errorf("%s exists (use -force to overwrite)", out)
	}
	var sel []string
	if *topics != "" {
		for _, t := range strings.Split(*topics, ",") {
			if t = strings.TrimSpace(t); t != "" {
				sel = append(sel, t)
			}
		}
	}
	r, err := bag.Open(in)
	if err != nil {
		return err
	}
	defer r.Close()
	total := -1
	if info, err := r.Info(); err == nil {
		total = 0
		for _, t := range info.Topics {
			if len(sel) == 0 || slices.Contains(sel, t.Name) {
				total += int(t.Count)
			}
		}
	}
	w, err := bag.Create(out, bag.WriterOptions{Compression: *comp, ChunkSize: *chunk})
	if err != nil {
		return err
	}
	start := time.Now()
	bar := newProgress(total, "convert", stderr, *quiet)
	st, convErr := bag.Convert(r, w, bag.ConvertOptions{Topics: sel, SkipUnknown: *skip,
		Progress: func(n uint64) { bar.Set(int(n)) }})
	bar.Finish()
	// Close even after an error: the output then holds, indexed, what came before it.
	if err := w.Close(); err != nil && convErr == nil {
		convErr = err
	}
	if len(st.Skipped) > 0 {
		var names []string
		for t, n := range st.Skipped {
			names = append(names, fmt.Sprintf("%s (%d)", t, n))
		}
		sort.Strings(names)
		fmt.Fprintf(stderr, "bag convert: skipped messages of unknown types on %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(stdout, "bag convert: wrote %d messages to %s in %.1f s\n", st.Written, out, time.Since(start).Seconds())
	if convErr != nil {
		if errors.Is(convErr, bag.ErrUnknownType) && !*skip {
			return fmt.Errorf("%w (use -skip-unknown to drop such topics)", convErr)
		}
		return convErr
	}
	return nil
}
