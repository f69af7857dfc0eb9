package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/luaftpd/luaftpd/core"
)

// removeUser is `luaftpd passwd -d FILE USER`: it takes every line of user
// out of the users file at path and replaces the file atomically, with the
// mode it had. The file must read as a users file first, so a wrong path
// (say /etc/passwd) is refused untouched, and a user who is not there is an
// error with nothing written.
func removeUser(path, user string) error {
	real, err := filepath.EvalSymlinks(path) // replace the file, not the link to it
	if err != nil {
		return err
	}
	if err := core.NewUsers().LoadFile(real); err != nil {
		return err
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(real)
	if err != nil {
		return err
	}
	out, removed := dropUserLines(data, user)
	if removed == 0 {
		return fmt.Errorf("user %q is not in %s; nothing changed", user, path)
	}
	return replaceFile(real, out, st)
}

// dropUserLines returns data without the lines "user:..." (every one: the
// last would win when the file is read) and how many there were; comments,
// blank lines and the other users' lines stay byte for byte.
func dropUserLines(data []byte, user string) ([]byte, int) {
	var out bytes.Buffer
	removed := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		text := strings.TrimSpace(line)
		if name, _, ok := strings.Cut(text, ":"); ok && !strings.HasPrefix(text, "#") && name == user {
			removed++
			continue
		}
		out.WriteString(line)
	}
	return out.Bytes(), removed
}

// replaceFile writes data to a temporary file beside path, with the mode
// (and, where the system allows, the owner) of old, the file it replaces,
// syncs it and renames it over path: a reader sees the old file or the
// new one, never half of one.
func replaceFile(path string, data []byte, old os.FileInfo) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename there is nothing left to remove
	if err := writeSynced(f, data, old); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeSynced gives f the mode and owner of old, writes data and syncs it.
func writeSynced(f *os.File, data []byte, old os.FileInfo) error {
	if err := f.Chmod(old.Mode().Perm()); err != nil {
		return err
	}
	keepOwner(f, old)
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}
