//go:build !windows

package device

// LockData does nothing outside Windows (see instance_windows.go): there a
// second copy of the app on the same data still opens.
func LockData(Paths) (release func(), err error) { return func() {}, nil }
