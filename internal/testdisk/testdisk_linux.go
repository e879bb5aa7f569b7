package testdisk

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new temporary directory and
// returns it; it is unmounted when the test ends. Mounting needs root
// with CAP_SYS_ADMIN: without it the test is skipped, saying so (CI runs
// as root and reports whether it may mount); any other failure to mount
// fails the test.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("testdisk: mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	opts := "size=" + strconv.FormatInt(size, 10) + ",mode=0700"
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		if errors.Is(err, syscall.EPERM) {
			// Root without CAP_SYS_ADMIN, as in some containers.
			t.Skipf("testdisk: mounting a tmpfs is not permitted here (%v)", err)
		}
		t.Fatalf("testdisk: mount tmpfs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("testdisk: unmount %s: %v", dir, err)
		}
	})
	return dir
}

// Free returns the bytes an unprivileged writer may still use on the
// filesystem holding dir.
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatalf("testdisk: statfs %s: %v", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// Fill writes a file into dir until at most leave bytes are free on its
// filesystem and returns a function that removes it again.
func Fill(t testing.TB, dir string, leave int64) (unfill func()) {
	t.Helper()
	name := filepath.Join(dir, "testdisk-filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatalf("testdisk: %v", err)
	}
	chunk := make([]byte, 64<<10)
	for Free(t, dir) > leave {
		n := min(int64(len(chunk)), Free(t, dir)-leave)
		if _, err := f.Write(chunk[:n]); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			t.Fatalf("testdisk: fill %s: %v", name, err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatalf("testdisk: %v", err)
	}
	return func() {
		if err := os.Remove(name); err != nil {
			t.Errorf("testdisk: %v", err)
		}
	}
}
