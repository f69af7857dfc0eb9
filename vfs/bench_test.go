package vfs_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

var benchSizes = []int{0, 4 << 10, 1 << 20}

// BenchmarkLocalUpload measures Create, Write and Commit on Local against
// the same work done with os.Create in place, which is neither atomic nor
// jailed.
func BenchmarkLocalUpload(b *testing.B) {
	for _, size := range benchSizes {
		data := make([]byte, size)
		b.Run(fmt.Sprintf("local/%d", size), func(b *testing.B) {
			l, err := vfs.NewLocal(b.TempDir())
			must(b, err)
			defer l.Close()
			b.SetBytes(int64(size))
			for b.Loop() {
				up, err := l.Create(b.Context(), "/f")
				must(b, err)
				_, err = up.Write(data)
				must(b, err)
				must(b, up.Commit())
			}
		})
		b.Run(fmt.Sprintf("os/%d", size), func(b *testing.B) {
			name := filepath.Join(b.TempDir(), "f")
			b.SetBytes(int64(size))
			for b.Loop() {
				f, err := os.Create(name)
				must(b, err)
				_, err = f.Write(data)
				must(b, err)
				must(b, f.Close())
			}
		})
	}
}

// BenchmarkLocalOpenRead measures Open and a full read on Local against
// os.Open of the same file.
func BenchmarkLocalOpenRead(b *testing.B) {
	for _, size := range benchSizes {
		dir := b.TempDir()
		must(b, os.WriteFile(filepath.Join(dir, "f"), make([]byte, size), 0o644))
		l, err := vfs.NewLocal(dir)
		must(b, err)
		buf := make([]byte, 64<<10)
		b.Run(fmt.Sprintf("local/%d", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				f, err := l.Open(b.Context(), "/f")
				must(b, err)
				_, err = io.CopyBuffer(io.Discard, onlyRead{f}, buf)
				must(b, err)
				f.Close()
			}
		})
		b.Run(fmt.Sprintf("os/%d", size), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				f, err := os.Open(filepath.Join(dir, "f"))
				must(b, err)
				_, err = io.CopyBuffer(io.Discard, onlyRead{f}, buf)
				must(b, err)
				f.Close()
			}
		})
		l.Close()
	}
}

// onlyRead keeps io.Copy on the plain read loop.
type onlyRead struct{ r io.Reader }

func (o onlyRead) Read(p []byte) (int, error) { return o.r.Read(p) }
