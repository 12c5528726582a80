// Command ssmde is the one binary of the project: run the depth node, infer on files, evaluate
// bags, generate synthetic drives, benchmark, and inspect models.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"bag":     {"inspect and convert recordings (bag info FILE|DIR, bag convert IN OUT)", runBag},
	"bench":   {"time the pipeline beside a bare ONNX Runtime Run of the same model", runBench},
	"dataset": {"turn a recording into a training folder for the recipe (skips a standing camera, splits train/val by time)", runDataset},
	"eval":    {"replay a recording through the pipeline and score it against ground truth", runEval},
	"infer":   {"depth, point cloud and poses for image files", runInfer},
	"models":  {"inspect a model folder, or build its TensorRT engines ahead of time", runModels},
	"node":    {"run the depth node over ROS 2 (ros2 run ssmde ssmde --ros-args ...)", runNode},
	"node1":   {"run the depth node over ROS 1 (rosrun ssmde ssmde __name:=ssmde _param:=value ...)", runNodeROS1},
	"sim":     {"render synthetic driving scenes with ground truth", runSim},
	"teacher": {"run a depth network over a training folder and write the pseudo-depth the recipe learns from", runTeacher},
	"version": {"print the version", func([]string, io.Writer, io.Writer) error { fmt.Println("ssmde", version); return nil }},
}

// errUsage means the flags were wrong; the flag package has already printed why.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "ssmde: monocular metric depth, point cloud and visual odometry from one camera")
	fmt.Fprintln(w, "\nusage: ssmde <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n'ssmde <command> -h' shows the command's flags.")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	if args[0] == "--ros-args" {
		// `ros2 run ssmde ssmde --ros-args ...` starts the node.
		args = append([]string{"node"}, args...)
	} else if strings.Contains(args[0], ":=") && !strings.HasPrefix(args[0], "-") {
		// `rosrun ssmde ssmde __name:=x _param:=v` (ROS 1 arguments, no command) starts the ROS 1 node.
		args = append([]string{"node1"}, args...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ssmde: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel()})))
	if err := cmd.run(args[1:], stdout, stderr); err != nil {
		if errors.Is(err, errUsage) {
			return 2
		}
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "ssmde %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func logLevel() slog.Level {
	switch strings.ToLower(os.Getenv("SSMDE_LOG")) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// newFlagSet returns a flag set that reports errors instead of exiting, with a usage line.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ssmde "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ssmde %s %s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses flags before, between and after the positional arguments (`ssmde eval
// drive.mcap --quiet` as well as `ssmde eval --quiet drive.mcap`; after "--" everything is
// positional), leaves the positional ones in fs.Args(), and maps flag errors onto errUsage /
// flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return flag.ErrHelp
			}
			return errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	// Leave the positional arguments in fs.Args() (a parse of "--" and them sets nothing else).
	return fs.Parse(append([]string{"--"}, positional...))
}
