//go:build !(linux || darwin || freebsd)

package vfs

import "os"

const openSafe = 0

// relabel keeps f as it is: without dup, its Name stays the host path.
func relabel(f *os.File, name string) (*os.File, error) { return f, nil }

func statfsAvail(f *os.File) (uint64, error) { return 0, ErrNotSupported }
