package main

// Real clients walking a tree that holds symbolic links, one of them to
// its own parent folder: each must see the links as links (never walk
// through one, which loops forever through the parent), copy every file
// once, and make no local link that leads where the listing gave no
// target (a host path, or out of the root).

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// walkBound is how long a walk of the small tree may take: it is a few
// listings, while a client caught in the loop runs until its own limits.
const walkBound = 20 * time.Second

// linkTree fills root/top with two files and links: to a file, to the
// parent folder, and three a listing shows without a target (absolute,
// out of the root, broken).
func linkTree(t *testing.T, root string) {
	t.Helper()
	writeAt(t, root, "top/a.txt", []byte("hello"))
	writeAt(t, root, "top/sub/b.txt", []byte("deep"))
	for name, text := range map[string]string{
		"top/sub/up": "..", "top/alink": "a.txt", "top/etc": "/etc",
		"top/out": "../../outside", "top/broken": "missing",
	} {
		if err := os.Symlink(text, filepath.Join(root, filepath.FromSlash(name))); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
}

// localTree describes every name under dir: "file CONTENT", "dir" or
// "link TEXT".
func localTree(t *testing.T, dir string) []string {
	t.Helper()
	var got []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			text, err := os.Readlink(p)
			got = append(got, rel+" link "+text)
			return err
		case fi.IsDir():
			got = append(got, rel+" dir")
		default:
			data, err := os.ReadFile(p)
			got = append(got, rel+" file "+string(data))
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// timed runs f and fails the test if it took longer than walkBound.
func timed(t *testing.T, what string, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if d := time.Since(start); d > walkBound {
		t.Errorf("%s took %v, over %v", what, d, walkBound)
	}
}

// TestLftpLinks mirrors and finds a tree with a link to its parent folder.
// Through MLSD (lftp's choice when FEAT offers MLST) a link is
// type=OS.unix=symlink without a target, which lftp's mirror skips;
// through LIST it reads "name -> text" and makes the same link locally,
// and skips the links listed without a target.
func TestLftpLinks(t *testing.T) {
	needTool(t, "lftp")
	s := startServer(t, "-user", alice)
	linkTree(t, s.root)
	open := fmt.Sprintf("open -u alice,secret -p %s 127.0.0.1; ", s.port())
	files := []string{"a.txt file hello", "sub dir", "sub/b.txt file deep"}
	for _, tc := range []struct {
		name, settings string
		want           []string
	}{
		{"mlsd", "", files},
		{"list", "set ftp:use-mlsd no; ", append([]string{"alink link a.txt", "sub/up link .."}, files...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local := filepath.Join(t.TempDir(), "top")
			timed(t, "lftp mirror", func() {
				lftp(t, lftpPlain+tc.settings+open+"mirror /top "+local)
			})
			checkMirror(t, local, tc.want)
			var found string
			timed(t, "lftp find", func() { found = lftp(t, lftpPlain+tc.settings+open+"find /top") })
			want := "/top/\n/top/a.txt\n/top/alink\n/top/broken\n/top/etc\n/top/out\n/top/sub/\n/top/sub/b.txt\n/top/sub/up\n"
			if found != want {
				t.Errorf("find /top:\n%s\nwant:\n%s", found, want)
			}
		})
	}
}

// TestWgetLinks mirrors the tree with Wget, which reads LIST. By default
// (--retr-symlinks) it fetches what a link to a file holds and skips a
// link to a folder; with --retr-symlinks=no it makes each link locally,
// from the listing's "name -> text", and none where the listing gave no
// target.
func TestWgetLinks(t *testing.T) {
	needTool(t, "wget")
	s := startServer(t, "-user", alice)
	linkTree(t, s.root)
	files := []string{"a.txt file hello", "sub dir", "sub/b.txt file deep"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"retr-symlinks", nil, append([]string{"alink file hello"}, files...)},
		{"make-links", []string{"--retr-symlinks=no"}, append([]string{"alink link a.txt", "sub/up link .."}, files...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local := t.TempDir()
			args := slices.Concat([]string{"--mirror", "--remove-listing", "-nH", "--cut-dirs=1", "-P", local},
				tc.args, []string{s.url("alice:secret", "/top/")})
			timed(t, "wget --mirror", func() { wget(t, args...) })
			checkMirror(t, local, tc.want)
		})
	}
}

// checkMirror fails t unless the folder local holds, as localTree
// describes it, want in any order.
func checkMirror(t *testing.T, local string, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	if got := localTree(t, local); !slices.Equal(got, want) {
		t.Errorf("mirror made:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
