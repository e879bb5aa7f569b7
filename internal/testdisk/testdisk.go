// Package testdisk gives tests a small disk of their own that they can
// fill, so that a full disk (ENOSPC) is tested for real rather than
// imitated.
package testdisk
