package vfstest

import (
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

var escapeCases = []testCase{
	{"EscapeNames", testEscapeNames},
	{"OddNamesStayInside", testOddNames},
}

// EscapeNames are names that try to leave the root or that no backend
// takes. Every operation on them must fail with fs.ErrPermission or
// fs.ErrNotExist. Backends' own tests use them too.
var EscapeNames = []string{
	"",
	"..",
	"/..",
	"/../",
	"/../x",
	"/../../etc/passwd",
	"/../../../../../../../../etc/passwd",
	"/a/../../x",
	"/inside/../../x",
	"/./../x",
	"//../x",
	"/inside/..",
	"../../x",
	"x",
	"etc/passwd",
	"\x00",
	"/\x00",
	"/a\x00b",
	"/inside\x00/../../x",
	"/" + strings.Repeat("a", 256),
	"/inside/" + strings.Repeat("b", 1000),
	"/" + strings.Repeat("inside/", 600),
	"/" + strings.Repeat("../", 2000) + "etc/passwd",
}

// OddNames look like escapes but are plain names inside the root: a
// backend may accept them, but then they must be found inside.
var OddNames = []string{
	"/%2e%2e",
	"/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
	"/..%2f..%2fetc%2fpasswd",
	"/..\\..\\etc\\passwd",
	"/...",
	"/.. ",
	"/ ..",
	"/~",
	"/~root",
	"/.",
	"/inside/./x",
	"/inside//y",
	"/" + strings.Repeat("c", 255),
}

// op is one FS call on a name; it returns the error.
type op struct {
	name string
	do   func(t *testing.T, fsys vfs.FS, name string) error
}

var ops = []op{
	{"Stat", func(t *testing.T, fsys vfs.FS, n string) error { _, err := fsys.Stat(t.Context(), n); return err }},
	{"ReadDir", func(t *testing.T, fsys vfs.FS, n string) error { _, err := fsys.ReadDir(t.Context(), n); return err }},
	{"OpenDir", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(o vfs.DirOpener) error {
			d, err := o.OpenDir(t.Context(), n)
			if err == nil {
				d.Close()
			}
			return err
		})
	}},
	{"Open", func(t *testing.T, fsys vfs.FS, n string) error {
		f, err := fsys.Open(t.Context(), n)
		if err == nil {
			f.Close()
		}
		return err
	}},
	{"Create", func(t *testing.T, fsys vfs.FS, n string) error {
		up, err := fsys.Create(t.Context(), n)
		if err != nil {
			return err
		}
		if _, err := up.Write([]byte("escaped")); err != nil {
			up.Abort()
			return err
		}
		return up.Commit()
	}},
	{"Mkdir", func(t *testing.T, fsys vfs.FS, n string) error { return fsys.Mkdir(t.Context(), n) }},
	{"Remove", func(t *testing.T, fsys vfs.FS, n string) error { return fsys.Remove(t.Context(), n) }},
	{"RemoveDir", func(t *testing.T, fsys vfs.FS, n string) error { return fsys.RemoveDir(t.Context(), n) }},
	{"RenameFrom", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(r vfs.Renamer) error { return r.Rename(t.Context(), n, "/moved") })
	}},
	{"RenameTo", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(r vfs.Renamer) error { return r.Rename(t.Context(), "/inside/victim", n) })
	}},
	{"OpenWrite", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(w vfs.WriterAt) error {
			wc, err := w.OpenWrite(t.Context(), n, -1)
			if err != nil {
				return err
			}
			wc.Write([]byte("escaped"))
			return wc.Close()
		})
	}},
	{"Chmod", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(c vfs.Chmoder) error { return c.Chmod(t.Context(), n, 0o777) })
	}},
	{"Chtimes", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(c vfs.Chtimeser) error { return c.Chtimes(t.Context(), n, time.Unix(0, 0)) })
	}},
	{"Avail", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(a vfs.Availer) error { _, err := a.Avail(t.Context(), n); return err })
	}},
	{"Lstat", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(l vfs.Lstater) error { _, err := l.Lstat(t.Context(), n); return err })
	}},
	{"Sub", func(t *testing.T, fsys vfs.FS, n string) error {
		return optional(fsys, func(s vfs.Subber) error {
			sub, err := s.Sub(t.Context(), n)
			if err != nil {
				return err
			}
			if c, ok := sub.(io.Closer); ok {
				defer c.Close()
			}
			_, err = sub.Stat(t.Context(), "/")
			return err
		})
	}},
}

// errSkipped marks an operation the backend does not have.
var errSkipped = errors.New("skipped")

func optional[T any](fsys vfs.FS, f func(T) error) error {
	x, ok := fsys.(T)
	if !ok {
		return errSkipped
	}
	return f(x)
}

// setupInside gives every case the same small tree to attack from.
func setupInside(t *testing.T, fsys vfs.FS) {
	Mkdir(t, fsys, "/inside")
	Put(t, fsys, "/inside/victim", []byte("victim"))
}

func testEscapeNames(t *testing.T, fsys vfs.FS) {
	setupInside(t, fsys)
	for _, name := range EscapeNames {
		for _, o := range ops {
			err := o.do(t, fsys, name)
			if errors.Is(err, errSkipped) {
				continue
			}
			if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s(%q): error %v, want fs.ErrPermission or fs.ErrNotExist", o.name, clip([]byte(name)), err)
			}
		}
	}
	wantNames(t, fsys, "/", "inside")
	wantNames(t, fsys, "/inside", "victim")
	wantContent(t, fsys, "/inside/victim", []byte("victim"))
}

// testOddNames runs every operation on names that only look like escapes;
// whatever succeeds must be visible inside the root under the cleaned name.
func testOddNames(t *testing.T, fsys vfs.FS) {
	for _, name := range OddNames {
		for _, o := range ops {
			setupFresh(t, fsys)
			err := o.do(t, fsys, name)
			if err != nil || o.name == "Remove" || o.name == "RemoveDir" || o.name == "RenameFrom" {
				continue
			}
			if _, err := fsys.Stat(t.Context(), path.Clean(name)); err != nil {
				t.Errorf("%s(%q) succeeded but the result is not inside: %v", o.name, clip([]byte(name)), err)
			}
		}
	}
}

// setupFresh makes sure /inside/victim exists, whatever the last
// operation did to it.
func setupFresh(t *testing.T, fsys vfs.FS) {
	if _, err := fsys.Stat(t.Context(), "/inside"); err != nil {
		Mkdir(t, fsys, "/inside")
	}
	if _, err := fsys.Stat(t.Context(), "/inside/victim"); err != nil {
		Put(t, fsys, "/inside/victim", []byte("victim"))
	}
}
