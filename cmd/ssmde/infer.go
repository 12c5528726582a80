package main

import "io"

func runInfer(args []string, stdout, stderr io.Writer) error { return nil }
