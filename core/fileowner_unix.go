//go:build unix

package core

import (
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of old, so that a users file that
// root edits for a server running as another user (-run-as) stays readable
// by that server. Only root may give a file away; for anyone else the new
// file is theirs, as any edit of theirs would make it, and the failure is
// ignored.
func keepOwner(f *os.File, old os.FileInfo) {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		f.Chown(int(st.Uid), int(st.Gid))
	}
}
