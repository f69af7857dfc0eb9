package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// lookupIDs returns the numeric user and group of a system user.
func lookupIDs(name string) (u *user.User, uid, gid int, err error) {
	if u, err = user.Lookup(name); err != nil {
		return nil, 0, 0, err
	}
	if uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, 0, 0, fmt.Errorf("user %s: uid %q is not a number", name, u.Uid)
	}
	if gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, 0, 0, fmt.Errorf("user %s: gid %q is not a number", name, u.Gid)
	}
	return u, uid, gid, nil
}

// makeDir creates the folder dir and any missing parents. With -run-as,
// the folders it creates go to that user, who will serve them once root's
// rights are dropped; folders that already exist are left as they are.
func makeDir(dir, runAs string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if runAs == "" || len(missing) == 0 {
		return nil
	}
	_, uid, gid, err := lookupIDs(runAs)
	if err != nil {
		return err
	}
	for _, d := range missing {
		if err := os.Chown(d, uid, gid); err != nil {
			return err
		}
	}
	return nil
}
