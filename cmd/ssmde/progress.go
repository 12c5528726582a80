package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress returns a progress bar with an ETA on stderr. When stderr is not a terminal (CI,
// logs) it prints nothing, so logs stay readable; quiet forces that.
func newProgress(total int, description string, stderr io.Writer, quiet bool) *progressbar.ProgressBar {
	visible := !quiet
	if f, ok := stderr.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		visible = false
	}
	if !visible {
		return progressbar.DefaultSilent(int64(total), description)
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("items"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000),
	)
}
