package main

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
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

// dropPrivileges switches the whole process to the system user name: its
// supplementary groups, then its group, then its uid (Go applies each to
// every thread). It is called after the listeners are bound, so a port
// below 1024 can be served by an unprivileged user.
func dropPrivileges(name string) error {
	u, uid, gid, err := lookupIDs(name)
	if err != nil {
		return err
	}
	if os.Geteuid() == uid {
		return nil // already that user: nothing to drop
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("-run-as %s needs luaftpd to start as root", name)
	}
	if err := syscall.Setgroups(supplementaryGroups(u, gid)); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	return nil
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

// supplementaryGroups lists the numeric groups of u, at least its primary
// group, so none of root's groups survive the drop.
func supplementaryGroups(u *user.User, gid int) []int {
	groups := []int{gid}
	ids, _ := u.GroupIds()
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil && g != gid {
			groups = append(groups, g)
		}
	}
	return groups
}

// checkAccess reports whether the process (after the drop) can list, read
// and write the folder dir; access(2) checks the real ids, which the drop
// set too.
func checkAccess(dir string) error {
	if err := unix.Access(dir, unix.R_OK|unix.W_OK|unix.X_OK); err != nil {
		return fmt.Errorf("cannot read and write %s as uid %d: %w", dir, os.Getuid(), err)
	}
	return nil
}
