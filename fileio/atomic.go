package fileio

import (
	"os"
	"path/filepath"
)

// Files are written whole or not at all: into a temporary file beside the target, renamed over it
// when complete, so a reader (or a crash, or a kill) never leaves half a file under the real name.

// Atomic is a file being written under a temporary name; Commit gives it its name, Discard removes it.
type Atomic struct {
	*os.File
	path string
	done bool
}

// CreateAtomic starts writing path.
func CreateAtomic(path string) (*Atomic, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial*")
	if err != nil {
		return nil, err
	}
	return &Atomic{File: f, path: path}, nil
}

// CreatePartial starts writing path under the visible name path + ".partial" (replacing one left
// by an earlier run): for long recordings, so that one cut short by a kill or a crash is found
// beside where it should have been, and read up to where it stopped.
func CreatePartial(path string) (*Atomic, error) {
	f, err := os.Create(path + PartialSuffix)
	if err != nil {
		return nil, err
	}
	return &Atomic{File: f, path: path}, nil
}

// PartialSuffix names a file being written by CreatePartial.
const PartialSuffix = ".partial"

// Commit closes the file and renames it to its path (mode 0644).
func (a *Atomic) Commit() error {
	if a.done {
		return nil
	}
	a.done = true
	err := a.File.Chmod(0o644)
	if cerr := a.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.File.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.File.Name())
	}
	return err
}

// Discard closes and removes the temporary file (a no-op after Commit).
func (a *Atomic) Discard() {
	if a.done {
		return
	}
	a.done = true
	a.File.Close()
	os.Remove(a.File.Name())
}

// WriteFileAtomic writes data to path whole or not at all.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	a, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		a.Discard()
		return err
	}
	if err := a.Commit(); err != nil {
		return err
	}
	if perm != 0o644 {
		return os.Chmod(path, perm)
	}
	return nil
}
