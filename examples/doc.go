// Package examples holds example Lua scripts for luaftpd, one folder each,
// for the uses people come for: logins from a users file or an HTTP
// service, brute-force protection, upload filters, path rewriting, new
// commands and SITE verbs, an audit log, read-only accounts. Run one with
// `luaftpd -scripts examples/NAME`; README.md describes them all.
//
// The package has no Go API: its tests load every example into a real
// server and drive it with a real FTP client.
package examples
