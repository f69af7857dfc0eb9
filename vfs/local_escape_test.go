package vfs_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
	"github.com/luaftpd/luaftpd/vfs/vfstest"
)

// linkJail is a jail whose root holds symlinks that leave it and symlinks
// that stay inside:
//
//	/dir/file            "inside"
//	/out-abs  -> base/outside          (absolute, leaves)
//	/out-rel  -> ../outside            (relative, leaves)
//	/out-file -> ../outside/passwd     (a file outside)
//	/out-new  -> ../outside/new        (dangling, would create outside)
//	/out-hop  -> dir/../../outside     (leaves through an inside folder)
//	/chain    -> out-rel               (a link to a leaving link)
//	/in-dir   -> dir                   (stays)
//	/in-file  -> dir/file              (stays)
func linkJail(t *testing.T) *jail {
	j := newJail(t)
	must(t, os.Mkdir(filepath.Join(j.root, "dir"), 0o755))
	must(t, os.WriteFile(filepath.Join(j.root, "dir", "file"), []byte("inside"), 0o644))
	links := map[string]string{
		"out-abs":  j.outside,
		"out-rel":  "../outside",
		"out-file": "../outside/passwd",
		"out-new":  "../outside/new",
		"out-hop":  "dir/../../outside",
		"chain":    "out-rel",
		"in-dir":   "dir",
		"in-file":  "dir/file",
	}
	for name, target := range links {
		must(t, os.Symlink(target, filepath.Join(j.root, name)))
	}
	return j
}

var leavingLinks = []string{"/out-abs", "/out-rel", "/out-hop", "/chain"}

// through lists names that reach outside by way of a leaving link.
func through() []string {
	names := []string{"/out-file", "/out-new"}
	for _, l := range leavingLinks {
		names = append(names, l, l+"/passwd", l+"/dir", l+"/dir/file", l+"/new")
	}
	return names
}

// TestLocalLinksOut runs every operation through every leaving link: each
// must fail with fs.ErrPermission or fs.ErrNotExist, or (Remove, Rename
// onto a link) act on the link itself. The jail's cleanup checks that
// nothing outside changed.
func TestLocalLinksOut(t *testing.T) {
	j := linkJail(t)
	ctx := t.Context()
	var errs []error
	check := func(what, name string, err error) {
		t.Helper()
		errs = append(errs, err)
		if !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, vfs.ErrNotDir) {
			t.Errorf("%s(%s): error %v, want a refusal", what, name, err)
		}
	}
	for _, name := range through() {
		_, err := j.Stat(ctx, name)
		check("Stat", name, err)
		f, err := j.Open(ctx, name)
		if err == nil {
			data, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("Open(%s) read %q", name, data)
		}
		check("Open", name, err)
		_, err = j.ReadDir(ctx, name)
		check("ReadDir", name, err)
		// Beside a link's own name is inside the root; below it is not.
		if strings.Contains(name[1:], "/") {
			up, err := j.Create(ctx, name+"-x")
			if err == nil {
				up.Write([]byte("escaped"))
				err = up.Commit()
			}
			check("Create", name+"-x", err)
		}
		for _, off := range []int64{-1, 0} {
			w, err := j.OpenWrite(ctx, name, off)
			if err == nil {
				w.Write([]byte("escaped"))
				w.Close()
			}
			check("OpenWrite", name, err)
		}
		check("Mkdir", name+"/sub", j.Mkdir(ctx, name+"/sub"))
		check("Chmod", name, j.Chmod(ctx, name, 0o777))
		check("Chtimes", name, j.Chtimes(ctx, name, time0))
		_, err = j.Avail(ctx, name)
		check("Avail", name, err)
		_, err = j.Sub(ctx, name)
		check("Sub", name, err)
		check("Rename into", name, j.Rename(ctx, "/dir/file", name+"/stolen"))
		if strings.Contains(name[1:], "/") {
			_, err = j.Lstat(ctx, name)
			check("Lstat", name, err)
		}
		if strings.Contains(name[1:], "/") {
			check("Remove", name, j.Remove(ctx, name))
			check("RemoveDir", name, j.RemoveDir(ctx, name))
			check("Rename from", name, j.Rename(ctx, name, "/stolen"))
		}
	}
	wantNoHostPath(t, j, errs)
	if got := readDisk(t, j.root, "dir/file"); got != "inside" {
		t.Fatalf("/dir/file = %q", got)
	}
}

var time0 = time.Unix(0, 0)

// wantNoHostPath fails if any error text shows where the jail lives.
func wantNoHostPath(t *testing.T, j *jail, errs []error) {
	t.Helper()
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), j.base) {
			t.Errorf("error text shows the host path: %v", err)
		}
	}
}

func readDisk(t *testing.T, root, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	must(t, err)
	return string(data)
}

// TestLocalLinksOutCreate: uploading over a leaving link must not write
// through it; replacing the link itself would be fine, refusing too.
func TestLocalLinksOutCreate(t *testing.T) {
	j := linkJail(t)
	for _, name := range []string{"/out-file", "/out-new", "/out-abs", "/chain"} {
		up, err := j.Create(t.Context(), name)
		if err != nil {
			wantIs(t, "Create "+name, err, fs.ErrPermission, fs.ErrNotExist)
			continue
		}
		up.Write([]byte("escaped"))
		if err := up.Commit(); err == nil {
			fi, err := os.Lstat(filepath.Join(j.root, name))
			must(t, err)
			if !fi.Mode().IsRegular() {
				t.Errorf("Create(%s) committed, but the name is %v", name, fi.Mode())
			}
		}
	}
}

// TestLocalLinksOutOwnName: removing or renaming a leaving link acts on
// the link, never on what it points to.
func TestLocalLinksOutOwnName(t *testing.T) {
	j := linkJail(t)
	ctx := t.Context()
	must(t, j.Remove(ctx, "/out-file"))
	wantIs(t, "RemoveDir of a link", j.RemoveDir(ctx, "/out-rel"), vfs.ErrNotDir)
	must(t, j.Rename(ctx, "/out-abs", "/renamed"))
	if _, err := os.Lstat(filepath.Join(j.root, "renamed")); err != nil {
		t.Fatal(err)
	}
	vfstest.Put(t, j, "/payload", []byte("payload"))
	must(t, j.Rename(ctx, "/payload", "/out-new"))
	if got := readDisk(t, j.root, "out-new"); got != "payload" {
		t.Fatalf("/out-new = %q", got)
	}
}

// TestLocalLstatOfLinks: Lstat describes a link itself, whether it leaves
// the root, stays inside or dangles, and never what it points to.
func TestLocalLstatOfLinks(t *testing.T) {
	j := linkJail(t)
	for _, name := range append([]string{"/out-file", "/out-new", "/in-dir", "/in-file"}, leavingLinks...) {
		fi, err := j.Lstat(t.Context(), name)
		must(t, err)
		if fi.Mode()&fs.ModeSymlink == 0 || fi.Name() != name[1:] {
			t.Errorf("Lstat(%s) = %s %v, want the link", name, fi.Name(), fi.Mode())
		}
	}
}

// TestLocalLinksOutListing: ReadDir shows every link as a link, whether
// it leaves or stays inside, and never follows one.
func TestLocalLinksOutListing(t *testing.T) {
	j := linkJail(t)
	infos, err := j.ReadDir(t.Context(), "/")
	must(t, err)
	modes := map[string]fs.FileMode{}
	for _, fi := range infos {
		modes[fi.Name()] = fi.Mode()
	}
	for _, name := range []string{"out-abs", "out-rel", "out-file", "out-new", "out-hop", "chain", "in-dir", "in-file"} {
		if modes[name]&fs.ModeSymlink == 0 {
			t.Errorf("%s listed as %v, want a symlink", name, modes[name])
		}
	}
	if !modes["dir"].IsDir() {
		t.Errorf("dir listed as %v", modes["dir"])
	}
}

// TestLocalLinksInside: links that stay inside work for every operation.
func TestLocalLinksInside(t *testing.T) {
	j := linkJail(t)
	ctx := t.Context()
	if got := vfstest.Get(t, j, "/in-file"); string(got) != "inside" {
		t.Fatalf("/in-file = %q", got)
	}
	if got := vfstest.Get(t, j, "/in-dir/file"); string(got) != "inside" {
		t.Fatalf("/in-dir/file = %q", got)
	}
	vfstest.Put(t, j, "/in-dir/new", []byte("new"))
	if got := readDisk(t, j.root, "dir/new"); got != "new" {
		t.Fatalf("dir/new = %q", got)
	}
	sub, err := j.Sub(ctx, "/in-dir")
	must(t, err)
	defer sub.(io.Closer).Close()
	if got := vfstest.Get(t, sub, "/new"); string(got) != "new" {
		t.Fatalf("sub /new = %q", got)
	}
	fi, err := j.Stat(ctx, "/in-dir")
	if err != nil || !fi.IsDir() {
		t.Fatalf("Stat(/in-dir) = %v, %v", fi, err)
	}
}

// TestLocalSubOfInsideLinkStaysInSub: a sub reached through a link is as
// strict as any other: its own links that leave it fail.
func TestLocalSubOfInsideLinkStaysInSub(t *testing.T) {
	j := linkJail(t)
	must(t, os.Symlink("../out-file", filepath.Join(j.root, "dir", "up")))
	sub, err := j.Sub(t.Context(), "/in-dir")
	must(t, err)
	defer sub.(io.Closer).Close()
	_, err = sub.Open(t.Context(), "/up")
	wantIs(t, "sub Open of a link leaving the sub", err, fs.ErrPermission)
}

// TestLocalEscapeErrorsHideHost checks the escape table's errors never
// show the host path.
func TestLocalEscapeErrorsHideHost(t *testing.T) {
	j := newJail(t)
	ctx := t.Context()
	var errs []error
	for _, name := range vfstest.EscapeNames {
		_, err := j.Stat(ctx, name)
		errs = append(errs, err)
		_, err = j.Open(ctx, name)
		errs = append(errs, err)
		_, err = j.Create(ctx, name)
		errs = append(errs, err)
	}
	errs = append(errs, j.Remove(ctx, "/missing"), j.RemoveDir(ctx, "/"), j.Rename(ctx, "/a", "/b"))
	wantNoHostPath(t, j, errs)
}

// TestLocalAbsoluteLinkInside documents an os.Root rule: a symlink with an
// absolute target is refused even when the target is inside the root.
func TestLocalAbsoluteLinkInside(t *testing.T) {
	j := linkJail(t)
	must(t, os.Symlink(filepath.Join(j.root, "dir"), filepath.Join(j.root, "abs-in")))
	_, err := j.Stat(t.Context(), "/abs-in/file")
	wantIs(t, "Stat through an absolute link", err, fs.ErrPermission)
	infos, err := j.ReadDir(t.Context(), "/")
	must(t, err)
	for _, fi := range infos {
		if fi.Name() == "abs-in" && fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("abs-in listed as %v, want the link itself", fi.Mode())
		}
	}
}

// TestLocalLinkSuite runs the conformance suite's symlink cases on a jail
// whose cleanup checks that nothing outside it changed.
func TestLocalLinkSuite(t *testing.T) {
	vfstest.RunLinks(t, func(t *testing.T) vfstest.LinkFS {
		j := newJail(t)
		return vfstest.LinkFS{
			FS: j,
			Symlink: func(target, name string) error {
				return os.Symlink(target, filepath.Join(j.root, filepath.FromSlash(name)))
			},
			Outside: "../outside",
		}
	})
}
