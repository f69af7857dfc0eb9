package vfs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/luaftpd/luaftpd/vfs"
)

// TestLocalMemAgree runs the same random operations on a Local and a Mem
// and checks they answer alike, so tests written against Mem hold for the
// disk. The seed is fixed: a failure replays.
func TestLocalMemAgree(t *testing.T) {
	seeds := uint64(16)
	if n, err := strconv.ParseUint(os.Getenv("VFS_DIFF_SEEDS"), 10, 64); err == nil {
		seeds = n // a longer hunt, on demand
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			local, mem := newJail(t), vfs.NewMem()
			rng := rand.New(rand.NewPCG(seed, 1))
			for i := range 300 {
				op := randomOp(rng)
				got, want := op(t.Context(), local), op(t.Context(), mem)
				if got != want {
					t.Fatalf("step %d: Local %s, Mem %s", i, got, want)
				}
				if testing.Verbose() {
					t.Log(got)
				}
			}
		})
	}
}

var diffNames = []string{"/", "/a", "/b", "/a/b", "/a/c", "/b/a", "/a/b/c"}

// randomOp picks an operation and its arguments; the operation returns a
// description of its outcome to compare.
func randomOp(rng *rand.Rand) func(context.Context, vfs.FS) string {
	n1 := diffNames[rng.IntN(len(diffNames))]
	n2 := diffNames[rng.IntN(len(diffNames))]
	data := strings.Repeat(string(rune('a'+rng.IntN(26))), rng.IntN(6))
	offset := int64(rng.IntN(8)) - 1
	end := rng.IntN(3)
	mode := fs.FileMode(0o600 + rng.IntN(2)*0o155)
	ops := []func(context.Context, vfs.FS) string{
		func(ctx context.Context, f vfs.FS) string { return "mkdir " + n1 + kind(f.Mkdir(ctx, n1)) },
		func(ctx context.Context, f vfs.FS) string { return "remove " + n1 + kind(f.Remove(ctx, n1)) },
		func(ctx context.Context, f vfs.FS) string { return "rmdir " + n1 + kind(f.RemoveDir(ctx, n1)) },
		func(ctx context.Context, f vfs.FS) string {
			return "rename " + n1 + " " + n2 + kind(f.(vfs.Renamer).Rename(ctx, n1, n2))
		},
		func(ctx context.Context, f vfs.FS) string { return "put " + n1 + putKind(ctx, f, n1, data, end) },
		func(ctx context.Context, f vfs.FS) string {
			return fmt.Sprintf("openwrite %s %d%s", n1, offset, writeKind(ctx, f, n1, offset, data))
		},
		func(ctx context.Context, f vfs.FS) string { return "stat " + n1 + statKind(ctx, f, n1) },
		func(ctx context.Context, f vfs.FS) string { return "get " + n1 + getKind(ctx, f, n1) },
		func(ctx context.Context, f vfs.FS) string { return "list " + n1 + listKind(ctx, f, n1) },
		func(ctx context.Context, f vfs.FS) string {
			return "chmod " + n1 + kind(f.(vfs.Chmoder).Chmod(ctx, n1, mode))
		},
	}
	return ops[rng.IntN(len(ops))]
}

// kind names the error class FS promises, or "ok".
func kind(err error) string {
	for _, k := range []struct {
		err  error
		name string
	}{
		{vfs.ErrNotEmpty, "notempty"}, {vfs.ErrIsDir, "isdir"}, {vfs.ErrNotDir, "notdir"},
		{fs.ErrNotExist, "notexist"}, {fs.ErrExist, "exist"}, {fs.ErrInvalid, "invalid"},
		{fs.ErrPermission, "permission"},
	} {
		if errors.Is(err, k.err) {
			return ": " + k.name
		}
	}
	if err != nil {
		return ": other " + err.Error()
	}
	return ": ok"
}

// putKind uploads data and then commits (0), aborts (1) or commits
// exclusively (2).
func putKind(ctx context.Context, f vfs.FS, name, data string, end int) string {
	up, err := f.Create(ctx, name)
	if err != nil {
		return kind(err)
	}
	io.WriteString(up, data)
	switch end {
	case 0:
		return " commit" + kind(up.Commit())
	case 1:
		return " abort" + kind(up.Abort())
	}
	return " exclusive" + kind(up.(vfs.ExclusiveUpload).CommitExclusive())
}

func writeKind(ctx context.Context, f vfs.FS, name string, offset int64, data string) string {
	w, err := f.(vfs.WriterAt).OpenWrite(ctx, name, offset)
	if err != nil {
		return kind(err)
	}
	io.WriteString(w, data)
	return kind(w.Close())
}

func statKind(ctx context.Context, f vfs.FS, name string) string {
	fi, err := f.Stat(ctx, name)
	if err != nil {
		return kind(err)
	}
	if fi.IsDir() {
		return fmt.Sprintf(": dir %v", ownerBits(fi))
	}
	return fmt.Sprintf(": file %d %v", fi.Size(), ownerBits(fi))
}

func getKind(ctx context.Context, f vfs.FS, name string) string {
	r, err := f.Open(ctx, name)
	if err != nil {
		return kind(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return fmt.Sprintf(": %q%s", data, kind(err))
}

func listKind(ctx context.Context, f vfs.FS, name string) string {
	infos, err := f.ReadDir(ctx, name)
	if err != nil {
		return kind(err)
	}
	var b strings.Builder
	for _, fi := range infos {
		fmt.Fprintf(&b, " %s/%v", fi.Name(), fi.IsDir())
	}
	return ":" + b.String()
}

// ownerBits keeps the owner's permission bits, the only ones no umask
// changes on Local.
func ownerBits(fi fs.FileInfo) fs.FileMode { return fi.Mode().Perm() & 0o700 }
