//go:build !linux

package store

import "os"

// fdatasync falls back to fsync where there is no fdatasync system call.
func fdatasync(f *os.File) error { return f.Sync() }
