// Package vfs is the filesystem luaftpd serves.
//
// FS is a small, context-first interface with os semantics over slash-separated
// absolute names ("/", "/a/b.txt") that are always inside the backend's root.
// Optional capabilities (rename, writes in place, chmod, times, free space,
// sub-trees) are separate interfaces a backend may lack; the engine answers
// 502 or 550 when one is missing. Local serves a folder on disk through os.Root,
// so no name, ".." or symlink ever leads outside it; Mem keeps everything in
// memory for tests. vfstest holds the conformance suite every backend passes.
package vfs
