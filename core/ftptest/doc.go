// Package ftptest drives an FTP server under test from the client side, as
// net/http/httptest does for HTTP: it serves a server on a loopback port
// for the length of a test and gives a control connection whose helpers
// send commands and check exact reply codes and texts, open passive data
// connections, and transfer data.
//
// It does not import package core, so core's own tests use it as well as
// those of hooks and examples; a *core.Server satisfies [Server].
package ftptest
