package store

import (
	"os"
	"syscall"
)

// fdatasync is the system call the floor measures; SQLite's commit is
// compared against it.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
