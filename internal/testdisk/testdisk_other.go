//go:build !linux

package testdisk

import "testing"

// Mount skips the test: mounting a tmpfs is Linux only.
func Mount(t testing.TB, size int64) string {
	t.Skip("testdisk: a tmpfs of its own needs Linux")
	return ""
}

// Fill is not reached where Mount skips.
func Fill(t testing.TB, dir string, leave int64) (unfill func()) {
	t.Skip("testdisk: Linux only")
	return func() {}
}
