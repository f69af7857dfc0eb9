// Package vfs is the filesystem luaftpd serves.
//
// FS is a small, context-first interface with os semantics over slash-separated
// absolute names ("/", "/a/b.txt") that are always inside the backend's root.
// Every backend refuses the same bad names (ErrBadName: relative, "..", NUL,
// overlong) and reports errors as *fs.PathError values that carry the FS name,
// never a host path. Optional capabilities (rename, writes in place, chmod,
// times, free space, sub-trees, link texts) are separate interfaces a backend
// may lack; the engine answers 502 or 550 when one is missing.
//
// Local serves a folder on disk through os.Root, so no name, ".." or symlink
// ever leads outside it; its listings describe a symlink as the link (and
// Readlink reads its text), so that no client walks through one. Its Open
// returns an *os.File (for sendfile) and its uploads and in-place writes are
// io.ReaderFrom (for splice). Create writes to a hidden temporary file beside
// the target and renames it into place on Commit, so a failed upload never
// replaces a good file; CommitExclusive (ExclusiveUpload, for STOU) never
// replaces anything. Mem keeps everything in memory for tests and answers
// like Local (a test runs both side by side). ReadOnly refuses every write
// with fs.ErrPermission. MkdirAll works over any FS. The vfstest package
// holds the conformance suite every backend passes.
package vfs
