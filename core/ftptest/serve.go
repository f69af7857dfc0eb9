package ftptest

import (
	"errors"
	"net"
	"testing"
)

// Server is a server that serves connections from a listener until it is
// closed, as *core.Server does.
type Server interface {
	Serve(l net.Listener) error
	Close() error
}

// Serve runs srv on 127.0.0.1:0 until the test ends and returns the
// address it listens on. When the test ends srv is closed, and Serve must
// have returned closed (the server's "closed" error), or the test fails.
func Serve(t testing.TB, srv Server, closed error) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, closed) {
			t.Errorf("Serve returned %v, want %v", err, closed)
		}
	})
	return l.Addr().String()
}
