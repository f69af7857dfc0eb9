package core

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/luaftpd/luaftpd/core/ftptest"
)

// recordWriter seals a client's records itself, with the keys of the
// session (from the client's key log), so that a test can send what
// crypto/tls's client never sends on its own: empty records, padding,
// alerts the server drops, a change_cipher_spec after the handshake,
// KeyUpdate, and records grouped or split as the test likes. Once it has
// written, the client's tls.Conn must only read: its own write sequence no
// longer matches. AES-GCM suites only, TLS 1.2 or 1.3.
type recordWriter struct {
	raw    net.Conn
	tls13  bool
	hash   func() hash.Hash
	keyLen int
	secret []byte // TLS 1.3: the client's traffic secret
	aead   cipher.AEAD
	iv     []byte // TLS 1.3: 12 bytes; TLS 1.2: the 4-byte salt
	seq    uint64
}

// TLS record content types.
const (
	recCCS       = 20
	recAlert     = 21
	recHandshake = 22
	recData      = 23
)

// helloConn keeps the first bytes the client reads: the ServerHello, whose
// random TLS 1.2's key expansion needs.
type helloConn struct {
	net.Conn
	got []byte
}

func (h *helloConn) Read(b []byte) (int, error) {
	n, err := h.Conn.Read(b)
	if len(h.got) < 64 {
		h.got = append(h.got, b[:n]...)
	}
	return n, err
}

// newRecordWriter takes the client's keys of tc from keyLog (tc's
// Config.KeyLogWriter) and writes on raw, tc's socket; hello is what the
// client read first.
func newRecordWriter(t *testing.T, tc *tls.Conn, raw net.Conn, keyLog, hello []byte) *recordWriter {
	t.Helper()
	st := tc.ConnectionState()
	w := &recordWriter{raw: raw, tls13: st.Version == tls.VersionTLS13}
	switch st.CipherSuite {
	case tls.TLS_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		w.hash, w.keyLen = sha256.New, 16
	case tls.TLS_AES_256_GCM_SHA384:
		w.hash, w.keyLen = sha512.New384, 32
	default:
		t.Skipf("cipher suite %s: the test seals AES-GCM records only", tls.CipherSuiteName(st.CipherSuite))
	}
	label := "CLIENT_TRAFFIC_SECRET_0"
	if !w.tls13 {
		label = "CLIENT_RANDOM"
	}
	for line := range strings.SplitSeq(string(keyLog), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != label {
			continue
		}
		secret, err := hex.DecodeString(f[2])
		if err != nil {
			t.Fatal(err)
		}
		if w.tls13 {
			w.setSecret(t, secret)
			return w
		}
		if len(hello) < 43 || hello[0] != recHandshake || hello[5] != 2 {
			t.Fatalf("no ServerHello first: % x", hello)
		}
		clientRandom, _ := hex.DecodeString(f[1])
		seed := append(append([]byte("key expansion"), hello[11:43]...), clientRandom...)
		keys := w.prf(secret, seed, 2*w.keyLen+8)
		w.aead = newGCM(t, keys[:w.keyLen])
		w.iv = keys[2*w.keyLen : 2*w.keyLen+4]
		w.seq = 1 // the client's Finished was record 0
		return w
	}
	t.Fatalf("no %s in the key log:\n%s", label, keyLog)
	return nil
}

// prf is TLS 1.2's P_hash, n bytes of it.
func (w *recordWriter) prf(secret, seed []byte, n int) []byte {
	var out []byte
	a := seed
	for len(out) < n {
		m := hmac.New(w.hash, secret)
		m.Write(a)
		a = m.Sum(nil)
		m.Reset()
		m.Write(a)
		m.Write(seed)
		out = m.Sum(out)
	}
	return out[:n]
}

// newGCM is AES-GCM with key.
func newGCM(t *testing.T, key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// expandLabel is TLS 1.3's HKDF-Expand-Label with an empty context.
func (w *recordWriter) expandLabel(t *testing.T, secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := append([]byte{byte(n >> 8), byte(n), byte(len(full))}, full...)
	out, err := hkdf.Expand(w.hash, secret, string(append(info, 0)), n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setSecret makes secret the TLS 1.3 traffic secret the next records are
// sealed with, from sequence number 0.
func (w *recordWriter) setSecret(t *testing.T, secret []byte) {
	w.aead = newGCM(t, w.expandLabel(t, secret, "key", w.keyLen))
	w.secret, w.iv, w.seq = secret, w.expandLabel(t, secret, "iv", 12), 0
}

// seal returns one protected record of type typ holding content and, in
// TLS 1.3, pad bytes of zero padding.
func (w *recordWriter) seal(typ byte, content []byte, pad int) []byte {
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], w.seq)
	w.seq++
	if !w.tls13 {
		n := 8 + len(content) + w.aead.Overhead()
		out := append([]byte{typ, 3, 3, byte(n >> 8), byte(n)}, seq[:]...)
		aad := append(seq[:], typ, 3, 3, byte(len(content)>>8), byte(len(content)))
		return w.aead.Seal(out, append(append([]byte(nil), w.iv...), seq[:]...), content, aad)
	}
	inner := append(append(append([]byte(nil), content...), typ), make([]byte, pad)...)
	n := len(inner) + w.aead.Overhead()
	hdr := []byte{recData, 3, 3, byte(n >> 8), byte(n)}
	nonce := append([]byte(nil), w.iv...)
	for i := range 8 {
		nonce[4+i] ^= seq[i]
	}
	return w.aead.Seal(append([]byte(nil), hdr...), nonce, inner, hdr)
}

// data is a record of application data.
func (w *recordWriter) data(s string) []byte { return w.seal(recData, []byte(s), 0) }

// keyUpdate returns the records of a TLS 1.3 KeyUpdate (the message cut
// into parts records when parts is 2) and moves to the next traffic
// secret.
func (w *recordWriter) keyUpdate(t *testing.T, requested bool, parts int) []byte {
	msg := []byte{24, 0, 0, 1, 0}
	if requested {
		msg[4] = 1
	}
	var out []byte
	if parts == 2 {
		out = append(w.seal(recHandshake, msg[:2], 0), w.seal(recHandshake, msg[2:], 0)...)
	} else {
		out = w.seal(recHandshake, msg, 0)
	}
	w.setSecret(t, w.expandLabel(t, w.secret, "traffic upd", w.hash().Size()))
	return out
}

// ccs is a TLS 1.3 change_cipher_spec record, sent in the clear.
var ccs = []byte{recCCS, 3, 3, 0, 1, 1}

// injConn is a control connection whose replies are read through the
// client's tls.Conn and whose records the test seals itself (w).
type injConn struct {
	*ftpConn
	w  *recordWriter
	ts *testServer
}

// dialInjector logs in over AUTH TLS with ccfg's TLS version (a full
// handshake, AES-GCM), writing every record after the handshake with a
// recordWriter.
func dialInjector(t *testing.T, ts *testServer, ccfg *tls.Config) *injConn {
	t.Helper()
	c := ts.dial(t)
	c.cmd(234, "AUTH TLS")
	var keyLog bytes.Buffer
	ccfg = ccfg.Clone()
	ccfg.KeyLogWriter, ccfg.ClientSessionCache = &keyLog, nil
	ccfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
	raw := c.NC
	hc := &helloConn{Conn: raw}
	tc := tls.Client(hc, ccfg)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	ic := &injConn{
		ftpConn: &ftpConn{&ftptest.Conn{Conn: textproto.NewConn(tc), T: t, NC: tc}},
		w:       newRecordWriter(t, tc, raw, keyLog.Bytes(), hc.got),
		ts:      ts,
	}
	ic.send(ic.w.data("USER " + testUser + "\r\n"))
	ic.expect(331)
	ic.send(ic.w.data("PASS " + testPass + "\r\n"))
	ic.expect(230)
	return ic
}

// send writes b on the socket at once; the exchange that follows must end
// within five seconds.
func (ic *injConn) send(b []byte) {
	ic.T.Helper()
	ic.w.raw.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := ic.w.raw.Write(b); err != nil {
		ic.T.Fatal(err)
	}
}

// sendParts writes each part on its own, a little apart, so that each
// reaches the server alone; with bytes, one byte at a time.
func (ic *injConn) sendParts(parts [][]byte, bytes bool) {
	ic.T.Helper()
	for _, p := range parts {
		if !bytes {
			ic.send(p)
			time.Sleep(2 * time.Millisecond)
			continue
		}
		for i := range p {
			ic.send(p[i : i+1])
		}
	}
}

// sendUrgent writes b with its last byte as TCP urgent data.
func (ic *injConn) sendUrgent(b []byte) {
	ic.T.Helper()
	rc, err := ic.w.raw.(*net.TCPConn).SyscallConn()
	if err != nil {
		ic.T.Fatal(err)
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), b, unix.MSG_OOB, nil)
		return serr != unix.EAGAIN
	}); err != nil || serr != nil {
		ic.T.Fatal(err, serr)
	}
}

// parked waits until the session is parked.
func (ic *injConn) parked() {
	ic.T.Helper()
	ic.ts.waitParked(ic.T.(*testing.T), 1)
}

// Records that crypto/tls reads and drops inside one Read (empty records,
// padding only, a user_canceled warning alert, in TLS 1.3 a
// change_cipher_spec), and a TLS 1.3 client's KeyUpdate, whole or in two
// records, asking for the server's or not: the lines around them are all
// answered, whether the records come in one segment, one by one or byte by
// byte, and the session parks after each group. A session that parked with
// a line left in its tls.Conn would never answer it; a tls.Conn reading
// ahead of the record it returns data of would hold the line after the
// alert (Read's look-ahead for close_notify drops the alert and reads on).
func TestTLSParkedDroppedRecords(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t)
			ccfg := clientTLS(t, cfg, v)
			for _, mode := range []string{"together", "apart", "bytes"} {
				t.Run(mode, func(t *testing.T) {
					ic := dialInjector(t, ts, ccfg)
					droppedRecords(t, ic, mode)
				})
			}
		})
	}
}

// recordGroup is records a test sends together, and the replies they get.
type recordGroup struct {
	name  string
	parts func() [][]byte
	codes []int
}

// droppedRecords sends TestTLSParkedDroppedRecords's groups in mode.
func droppedRecords(t *testing.T, ic *injConn, mode string) {
	w := ic.w
	userCanceled := func() []byte { return w.seal(recAlert, []byte{1, 90}, 0) }
	groups := []recordGroup{
		{"empty", func() [][]byte { return [][]byte{w.data(""), w.data("NOOP\r\n")} }, []int{200}},
		{"user_canceled", func() [][]byte {
			return [][]byte{w.data("NOOP\r\n"), userCanceled(), w.data("SYST\r\n")}
		}, []int{200, 215}},
		{"many", func() [][]byte {
			p := [][]byte{w.data("NO")}
			for range 5 {
				p = append(p, w.data(""), userCanceled())
			}
			return append(p, w.data("OP\r\nPWD\r\n"))
		}, []int{200, 257}},
	}
	if w.tls13 {
		groups = append(groups, []recordGroup{
			{"padding", func() [][]byte {
				return [][]byte{w.seal(recData, nil, 3000), w.seal(recData, []byte("PWD\r\n"), 5000)}
			}, []int{257}},
			{"ccs", func() [][]byte { return [][]byte{w.data("NOOP\r\n"), ccs, w.data("NOOP\r\n")} }, []int{200, 200}},
			{"key_update", func() [][]byte {
				return [][]byte{w.keyUpdate(t, false, 1), w.data("NOOP\r\n")}
			}, []int{200}},
			{"key_update_requested", func() [][]byte {
				return [][]byte{w.data("PWD\r\n"), w.keyUpdate(t, true, 1), w.data("NOOP\r\n")}
			}, []int{257, 200}},
			{"key_update_split", func() [][]byte {
				return [][]byte{w.keyUpdate(t, true, 2), w.data("SYST\r\n")}
			}, []int{215}},
		}...)
	}
	for _, g := range groups {
		parts := g.parts()
		if mode == "together" {
			ic.send(bytes.Join(parts, nil))
		} else {
			ic.sendParts(parts, mode == "bytes")
		}
		for _, want := range g.codes {
			if code, msg := ic.read(); code != want {
				t.Fatalf("%s: got %d %q, want %d", g.name, code, msg, want)
			}
		}
		ic.parked()
	}
	if w.tls13 {
		// A key update alone: the session reads on for the line after it.
		ic.send(w.keyUpdate(t, true, 1))
		time.Sleep(10 * time.Millisecond)
		ic.send(w.data("NOOP\r\n"))
		ic.expect(200)
		ic.parked()
	}
	// A line and close_notify together: the line is answered, then the
	// session ends.
	ic.send(append(w.data("PWD\r\n"), w.seal(recAlert, []byte{1, 0}, 0)...))
	ic.expect(257)
	ic.expectClosed()
	waitFor(t, func() bool { return ic.ts.sessionCount() == 0 })
}

// ABOR and STAT over TLS during an upload, ABOR sent as TCP urgent data
// (the record's last byte urgent, as a client sends ABOR with MSG_OOB
// through its TLS layer) or as an ordinary record; the session parks after
// each.
func TestTLSAbortDuringTransfer(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t)
			ic := dialInjector(t, ts, clientTLS(t, cfg, v))
			for _, urgent := range []bool{true, false} {
				ic.parked()
				abortUpload(t, ic, urgent)
			}
			ic.parked()
		})
	}
}

// abortUpload starts an upload, asks STAT until it counts the bytes sent,
// and aborts it.
func abortUpload(t *testing.T, ic *injConn, urgent bool) {
	w := ic.w
	ic.send(w.data("EPSV\r\n"))
	dc := ic.dialEPSV(ic.expect(229))
	ic.send(w.data("STOR big\r\n"))
	ic.expect(150)
	if _, err := dc.Write([]byte("some bytes")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		ic.send(w.data("STAT\r\n"))
		if msg := ic.expect(213); msg == "Status: 10 bytes transferred." {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("STAT during transfer: %q", msg)
		}
	}
	if urgent {
		ic.sendUrgent(w.data("ABOR\r\n"))
	} else {
		ic.send(w.data("ABOR\r\n"))
	}
	ic.expect(426)
	if msg := ic.expect(226); msg != "ABOR successful." {
		t.Errorf("after 426: %q", msg)
	}
	dc.Close()
	ic.send(w.data("NOOP\r\n"))
	ic.expect(200)
}

// dialEPSV dials the port of an EPSV reply's text.
func (ic *injConn) dialEPSV(msg string) net.Conn {
	ic.T.Helper()
	i, j := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)")
	if i < 0 || j < i {
		ic.T.Fatalf("bad EPSV reply %q", msg)
	}
	port, err := strconv.Atoi(msg[i+4 : j])
	if err != nil {
		ic.T.Fatal(err)
	}
	dc, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 5*time.Second)
	if err != nil {
		ic.T.Fatal(err)
	}
	ic.T.Cleanup(func() { dc.Close() })
	return dc
}

// Bytes that are no TLS record where one belongs end the session at once:
// the record layer refuses the header, without the recordConn waiting for
// a body it announced. A record cut short waits for the idle timeout, which
// is answered over TLS.
func TestTLSBadRecords(t *testing.T) {
	ts, cfg := startTLSServer(t, func(s *Server) { s.IdleTimeout = 2 * time.Second })
	implicit := serveImplicit(t, ts)
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ccfg := clientTLS(t, cfg, v)
			badRecords(t, ts, ccfg)
		})
	}
	// Before the handshake, on the implicit listener.
	for _, b := range []string{"\x16\x03\x01\xff\xff", "GET / HTTP/1.0\r\n\r\n", "\x80\x2e\x01\x03\x01"} {
		nc, err := net.Dial("tcp", implicit)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(time.Second))
		if _, err := nc.Write([]byte(b)); err != nil {
			t.Fatal(err)
		}
		// closed, or reset with the rest of the request unread
		if _, err := io.ReadAll(nc); err != nil && !errors.Is(err, unix.ECONNRESET) {
			t.Errorf("%q before the handshake: %v, want the connection closed", b, err)
		}
		nc.Close()
	}
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
}

// badRecords sends TestTLSBadRecords's records on sessions of ccfg's
// version.
func badRecords(t *testing.T, ts *testServer, ccfg *tls.Config) {
	overMax := 16384 + 2048 + 1 // a TLS 1.2 ciphertext's bound, plus one
	if ccfg.MaxVersion == tls.VersionTLS13 {
		overMax = 16384 + 256 + 1
	}
	for _, bad := range []struct {
		name string
		b    func(w *recordWriter) []byte
	}{
		{"length_ffff", func(*recordWriter) []byte { return []byte{recData, 3, 3, 0xff, 0xff} }},
		{"length_over_max", func(*recordWriter) []byte { return []byte{recData, 3, 3, byte(overMax >> 8), byte(overMax)} }},
		{"sslv2", func(*recordWriter) []byte { return []byte{0x80, 0x2e, 0x01, 0x03, 0x01} }},
		{"plain_text", func(*recordWriter) []byte { return []byte("NOOP\r\n") }},
		{"zero_length", func(*recordWriter) []byte { return []byte{recData, 3, 3, 0, 0, recData, 3, 3, 0, 0} }},
		{"bad_mac", func(w *recordWriter) []byte { b := w.data("NOOP\r\n"); b[len(b)-1] ^= 1; return b }},
		{"too_many_empty", func(w *recordWriter) []byte {
			var b []byte
			for range 20 {
				b = append(b, w.data("")...)
			}
			return b
		}},
		{"client_hello", func(w *recordWriter) []byte { return w.seal(recHandshake, []byte{1, 0, 0, 0}, 0) }},
	} {
		t.Run(bad.name, func(t *testing.T) {
			ic := dialInjector(t, ts, ccfg)
			ic.parked()
			start := time.Now()
			ic.send(bad.b(ic.w))
			ic.expectClosed()
			waitFor(t, func() bool { return ts.sessionCount() == 0 })
			if d := time.Since(start); d > time.Second {
				t.Errorf("the session ended after %v, not at once", d)
			}
		})
	}
	t.Run("cut_short", func(t *testing.T) {
		ic := dialInjector(t, ts, ccfg)
		rec := ic.w.data("NOOP\r\n")
		ic.send(rec[:len(rec)-3])
		if msg := ic.expect(421); !strings.Contains(msg, "Timeout") {
			t.Errorf("421 text %q", msg)
		}
		ic.expectClosed()
	})
}

// Commands with a part in the TLS session's life: REIN keeps TLS and the
// session parks again; a second AUTH TLS and CCC are refused over TLS;
// QUIT behind other lines in one record ends the session after their
// replies.
func TestTLSParkedSessionCommands(t *testing.T) {
	for _, v := range tlsVersions {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, cfg := startTLSServer(t)
			ccfg := clientTLS(t, cfg, v)
			c := loginTLS(t, ts, ccfg, "P")
			ts.waitParked(t, 1)
			c.cmd(220, "REIN")
			ts.waitParked(t, 1)
			c.cmd(331, "USER %s", testUser)
			c.cmd(230, "PASS %s", testPass)
			if msg := c.cmd(211, "STAT"); !strings.Contains(msg, "Control channel TLS: true") {
				t.Errorf("STAT after REIN: %q", msg)
			}
			ts.waitParked(t, 1)
			c.cmd(503, "AUTH TLS")
			c.cmd(534, "CCC")
			ts.waitParked(t, 1)
			c.cmd(200, "NOOP")
			writeRecord(c, "NOOP\r\nPWD\r\nQUIT\r\nNOOP\r\n", 5*time.Second)
			for _, want := range []int{200, 257, 221} {
				c.expect(want)
			}
			c.expectClosed()
			waitFor(t, func() bool { return ts.sessionCount() == 0 })
		})
	}
}

// A client's KeyUpdate asking for the server's, after the session was idle
// longer than a reply may take to write: the server's KeyUpdate, written
// inside the reader's Read, gets a write deadline of its own, not the
// passed one of the last reply, and the session answers on. With the
// passed deadline the write failed, the tls.Conn kept that error for
// every later write, and the next reply ended the session.
func TestTLSKeyUpdateAfterIdle(t *testing.T) {
	old := writeTimeout
	writeTimeout = 200 * time.Millisecond
	t.Cleanup(func() { writeTimeout = old })
	ts, cfg := startTLSServer(t)
	ic := dialInjector(t, ts, clientTLS(t, cfg, tls.VersionTLS13))
	w := ic.w
	ic.send(w.data("NOOP\r\n"))
	ic.expect(200)
	ic.parked()
	time.Sleep(2 * writeTimeout) // the last reply's write deadline passes
	ic.send(append(w.keyUpdate(t, true, 1), w.data("NOOP\r\n")...))
	ic.expect(200)
	ic.parked()
	ic.send(w.data("PWD\r\n"))
	ic.expect(257)
}
