//go:build !unix

package main

import (
	"fmt"
	"runtime"
)

// errRunAsUnsupported is why -run-as is refused at start on systems
// without Unix users and groups to switch to.
var errRunAsUnsupported = fmt.Errorf("not supported on %s: luaftpd cannot change its user there; start it as the user that should serve the files", runtime.GOOS)

// runAsSupported refuses -run-as: this system has no setuid.
func runAsSupported() error { return errRunAsUnsupported }

// dropPrivileges cannot switch users here; validateRunAs refuses -run-as
// before it could be called.
func dropPrivileges(name string) error { return errRunAsUnsupported }

// checkAccess is only called after dropPrivileges succeeded, which it
// never does here.
func checkAccess(dir string) error { return errRunAsUnsupported }
