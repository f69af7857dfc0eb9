//go:build unix

package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// runAsSupported reports whether -run-as can work here: on every Unix it
// can.
func runAsSupported() error { return nil }

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
