//go:build unix

package main

import "syscall"

// disableCoreDumps stops the kernel writing this process's memory, which
// holds decrypted records and keys, to a core file on a crash.
func disableCoreDumps() {
	_ = syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{Cur: 0, Max: 0})
}
