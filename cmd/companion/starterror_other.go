//go:build !windows

package main

// showStartupError: elsewhere standard error, written by main, is enough.
func showStartupError(error) {}
