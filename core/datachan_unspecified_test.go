package core

import (
	"net"
	"testing"
)

// TestActiveUnspecifiedAddress: an active address of all zeros (lftp 4.9
// sends "EPRT |2|::|port|" on IPv6) means the client's own address, that of
// the control connection, in its family only.
func TestActiveUnspecifiedAddress(t *testing.T) {
	v6 := newDataTestSession(nil)
	v6.remoteIP, v6.localIP = net.ParseIP("::1"), net.ParseIP("::1")
	tests := []struct {
		s    *Session
		fn   handler
		arg  string
		code int
		addr string // where the data connection would go
	}{
		{v6, (*Session).cmdEPRT, "|2|::|6275|", 200, "[::1]:6275"},
		{v6, (*Session).cmdEPRT, "|1|0.0.0.0|6275|", 522, ""},
		{v6, (*Session).cmdPORT, "0,0,0,0,4,1", 501, ""},
		{newDataTestSession(nil), (*Session).cmdPORT, "0,0,0,0,4,1", 200, "127.0.0.1:1025"},
		{newDataTestSession(nil), (*Session).cmdEPRT, "|1|0.0.0.0|6275|", 200, "127.0.0.1:6275"},
		{newDataTestSession(nil), (*Session).cmdEPRT, "|2|::|6275|", 522, ""},
	}
	for _, tc := range tests {
		rep := call(tc.s, tc.fn, tc.arg)
		if rep.Code != tc.code {
			t.Errorf("%q: %d %s, want %d", tc.arg, rep.Code, rep.Message(), tc.code)
			continue
		}
		if tc.addr == "" {
			continue
		}
		if got := tc.s.data.active; got == nil || got.String() != tc.addr {
			t.Errorf("%q: active address %v, want %s", tc.arg, got, tc.addr)
		}
	}
}
