package vfs_test

import (
	"io"
	"strings"
	"testing"

	"github.com/luaftpd/luaftpd/vfs/vfstest"
)

// FuzzLocalNames throws names at every writing and reading call of a Local
// beside a folder that must not change (the jail checks it) and whose path
// must never show in an error. go test runs the seeds; go test -fuzz
// searches further.
func FuzzLocalNames(f *testing.F) {
	for _, name := range append(vfstest.EscapeNames, vfstest.OddNames...) {
		f.Add(name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		j := linkJail(t)
		ctx := t.Context()
		var errs []error
		keep := func(err error) { errs = append(errs, err) }
		_, err := j.Stat(ctx, name)
		keep(err)
		if r, err := j.Open(ctx, name); err == nil {
			r.Close()
		} else {
			keep(err)
		}
		if up, err := j.Create(ctx, name); err == nil {
			io.WriteString(up, "fuzz")
			keep(up.Commit())
		} else {
			keep(err)
		}
		if w, err := j.OpenWrite(ctx, name, -1); err == nil {
			io.WriteString(w, "fuzz")
			w.Close()
		} else {
			keep(err)
		}
		keep(j.Mkdir(ctx, name))
		keep(j.Rename(ctx, "/dir/file", name))
		keep(j.Chmod(ctx, name, 0o777))
		keep(j.Remove(ctx, name))
		keep(j.RemoveDir(ctx, name))
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), j.base) {
				t.Errorf("error shows the host path: %v", err)
			}
		}
	})
}
