package vfs_test

import (
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
	"github.com/luaftpd/luaftpd/vfs/vfstest"
)

func TestMem(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) vfs.FS { return vfs.NewMem() })
}

func TestMemSub(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) vfs.FS {
		sub, err := vfs.NewMem().Sub(t.Context(), "/")
		if err != nil {
			t.Fatal(err)
		}
		return sub
	})
}

// TestMemBare runs the suite on an FS with no optional interface, so the
// skips are exercised too.
func TestMemBare(t *testing.T) {
	vfstest.Run(t, func(t *testing.T) vfs.FS { return bare{vfs.NewMem()} })
}
