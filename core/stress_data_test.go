package core

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// dataChan is a data channel a walker prepared: a passive address to dial,
// or an active listener the server dials.
type dataChan struct {
	w     *walker
	pasv  string       // passive address
	ln    net.Listener // active
	conn  net.Conn
	dials bool // the server dials (active)
}

// prepare runs one of PASV, EPSV, PORT and EPRT (now and then EPSV ALL);
// ch is nil when the server refused or the session ended.
func (w *walker) prepare() (ch *dataChan, ok bool) {
	switch n := w.rng.IntN(20); {
	case n == 0:
		c, ok := w.cmd("EPSV ALL")
		if ok && c == 200 {
			w.epsvAl = true
		}
		return nil, ok
	case n < 8:
		return w.passive("EPSV")
	case n < 13:
		return w.passive("PASV")
	default:
		return w.active(n < 17)
	}
}

// passive sends PASV or EPSV and parses the address it announces.
func (w *walker) passive(verb string) (*dataChan, bool) {
	if !w.send(verb) {
		return nil, false
	}
	line, ok := w.finalLine()
	if !ok || line == "" {
		return nil, ok
	}
	var addr string
	if verb == "EPSV" && strings.HasPrefix(line, "229 ") {
		i, j := strings.Index(line, "(|||"), strings.LastIndex(line, "|)")
		if i < 0 || j < i {
			w.errorf("bad EPSV reply %q", line)
			return nil, false
		}
		addr = net.JoinHostPort("127.0.0.1", line[i+4:j])
	} else if verb == "PASV" && strings.HasPrefix(line, "227 ") {
		i, j := strings.Index(line, "("), strings.Index(line, ")")
		f := strings.Split(line[i+1:max(j, i+1)], ",")
		if i < 0 || len(f) != 6 {
			w.errorf("bad PASV reply %q", line)
			return nil, false
		}
		p1, _ := strconv.Atoi(f[4])
		p2, _ := strconv.Atoi(f[5])
		addr = net.JoinHostPort(strings.Join(f[:4], "."), strconv.Itoa(p1*256+p2))
	} else {
		return nil, true
	}
	return &dataChan{w: w, pasv: addr}, true
}

// clearStale drops, with ABOR, an active address the server still holds
// after the walker closed its listener. All clients of the test share one
// address, so a later transfer that found no new channel would dial that
// port, which another walker's listener or the server's own passive
// listener of another session may have taken meanwhile, and join two
// sessions' transfers (one stores what the other sends, or both wait).
func (w *walker) clearStale() bool {
	if !w.staleActive {
		return true
	}
	w.staleActive = false
	_, ok := w.cmd("ABOR")
	return ok
}

// active listens on loopback and sends PORT or EPRT.
func (w *walker) active(port bool) (*dataChan, bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.errorf("listen: %v", err)
		return nil, false
	}
	p := ln.Addr().(*net.TCPAddr).Port
	line := fmt.Sprintf("EPRT |1|127.0.0.1|%d|", p)
	if port {
		line = fmt.Sprintf("PORT 127,0,0,1,%d,%d", p/256, p%256)
	}
	c, ok := w.cmd(line)
	if !ok || c != 200 {
		ln.Close()
		return nil, ok
	}
	return &dataChan{w: w, ln: ln, dials: true}, true
}

// finalLine reads up to a final reply and returns its (last) line.
func (w *walker) finalLine() (string, bool) {
	for {
		w.raw.SetReadDeadline(time.Now().Add(replyWait))
		line, err := w.br.ReadString('\n')
		if err != nil {
			w.errorf("reading a reply: %v", err)
			return "", false
		}
		w.note("< %s", strings.TrimRight(line, "\r\n"))
		if code, ok := replyCode(line); ok && line[3] == ' ' {
			if code == 421 {
				w.expectClosed(code)
				return "", false
			}
			if code >= 200 {
				return strings.TrimRight(line, "\r\n"), true
			}
		}
	}
}

// open connects the channel: dials the passive address or accepts the
// server's connection, under TLS when PROT P is on.
func (d *dataChan) open() (net.Conn, bool) {
	var err error
	if d.dials {
		d.ln.(*net.TCPListener).SetDeadline(time.Now().Add(replyWait))
		d.conn, err = d.ln.Accept()
	} else {
		d.conn, err = net.DialTimeout("tcp", d.pasv, 5*time.Second)
	}
	if err != nil {
		d.w.errorf("data connection: %v", err)
		return nil, false
	}
	d.conn.SetDeadline(time.Now().Add(replyWait))
	if d.w.protP {
		d.conn = tls.Client(d.conn, d.w.tlsCfg)
	}
	return d.conn, true
}

func (d *dataChan) close() {
	if d.conn != nil {
		d.conn.Close()
	}
	if d.ln != nil {
		d.ln.Close()
	}
}

// fate is how a walker ends a transfer.
type fate int

const (
	fateComplete fate = iota
	fateAbort         // ABOR mid-way
	fateDropData      // close the data connection early
	fateNever         // never connect
	fateDropCtrl      // close the control connection mid-way
)

// fateNames name the fates in a walker's history.
var fateNames = []string{"complete", "abort", "drop data", "never connect", "drop control"}

func (w *walker) pickFate() fate {
	switch n := w.rng.IntN(20); {
	case n < 11:
		return fateComplete
	case n < 14:
		return fateAbort
	case n < 16 || n < 17 && external():
		return fateDropData
	case n < 17:
		return fateNever
	}
	return fateDropCtrl
}

// transfer runs one download, listing or upload with a random fate.
func (w *walker) transfer() {
	w.stats.transfers.Add(1)
	if w.rng.IntN(5) == 0 {
		typ := "TYPE A"
		if w.ascii {
			typ = "TYPE I"
		}
		if c, ok := w.cmd(typ); !ok {
			return
		} else if c == 200 {
			w.ascii = typ == "TYPE A"
		}
	}
	var offset int64 = -1
	if w.restPending {
		// A REST or RANG is pending until a transfer starts (one the
		// server refuses leaves it pending): the offset is unknown.
		offset = 1 << 40
	}
	rg, ok := w.sendRANG()
	if !ok {
		return
	}
	if rg != nil {
		offset = -1 // RANG clears a pending REST
	}
	if w.rng.IntN(8) == 0 {
		n := int64(w.rng.IntN(2000))
		if c, ok := w.cmd("REST " + strconv.FormatInt(n, 10)); !ok {
			return
		} else if c == 350 {
			offset, rg = n, nil  // REST clears a RANG
			w.restPending = true // until a transfer starts
		}
	}
	switch n := w.rng.IntN(10); {
	case n < 3:
		w.download(offset, rg)
	case n < 5:
		w.listing()
	default:
		w.upload(offset, rg)
	}
}

// sendRANG now and then sends a RANG (draft-bryan-ftp-range) and returns
// the range the server took, its end past END as in every byteRange. ok
// is false when the session ended.
func (w *walker) sendRANG() (rg *byteRange, ok bool) {
	if w.rng.IntN(8) != 0 {
		return nil, true
	}
	start := int64(w.rng.IntN(2000))
	end := start + int64(w.rng.IntN(3000))
	c, ok := w.cmd(fmt.Sprintf("RANG %d %d", start, end))
	switch {
	case !ok:
		return nil, false
	case c == 350 && w.ascii:
		w.errorf("RANG in TYPE A: %d", c)
	case c == 350:
		w.restPending = true // until a transfer starts, as a REST
		return &byteRange{start, end + 1}, true
	}
	// Refused: 551 in TYPE A, 530 when the walk left the session logged
	// out.
	return nil, true
}

// roFiles are the files under /ro and their content, read at the start.
var roFiles = []string{"/ro/text.txt", "/ro/binary.bin", "/ro/crlf.txt", "/ro/empty"}

// download runs RETR, from offset (-1 for none) or of the range rg (nil
// for none).
func (w *walker) download(offset int64, rg *byteRange) {
	name := w.pick(roFiles)
	switch w.rng.IntN(6) {
	case 0:
		name = w.pick(escapeArgs)
	case 1:
		name = path.Join(w.dir, w.pick(trackedNames))
	}
	want := []byte(nil)
	if strings.HasPrefix(name, "/ro/") {
		b, err := os.ReadFile(w.root + name)
		if err != nil {
			w.errorf("%v", err)
			return
		}
		switch {
		case rg != nil && rg.end > int64(len(b)):
			// 554: checked below
		case rg != nil:
			want = b[rg.start:rg.end]
		case offset > int64(len(b)):
			want = nil
		default:
			want = b[max(offset, 0):]
			if w.ascii {
				want = bytes.ReplaceAll(want, []byte("\n"), []byte("\r\n"))
			}
		}
	}
	code, _, _ := w.runTransfer("RETR "+name, nil, want)
	if rg != nil && want == nil && code == 226 && strings.HasPrefix(name, "/ro/") {
		w.errorf("RETR of range %d-%d past the end of %s: 226", rg.start, rg.end-1, name)
	}
}

func (w *walker) listing() {
	verb := w.pick([]string{"LIST", "NLST", "MLSD", "LIST -la", "NLST -R"})
	arg := w.pick(append(append([]string{"", w.dir}, readArgs...), escapeArgs...))
	w.runTransfer(strings.TrimSpace(verb+" "+arg), nil, nil)
}

// upload runs STOR, APPE or STOU, from offset (-1 for none) or into the
// range rg (nil for none).
func (w *walker) upload(offset int64, rg *byteRange) {
	name := w.pick(trackedNames)
	verb := "STOR"
	switch w.rng.IntN(10) {
	case 0:
		verb = "APPE"
	case 1:
		w.runTransfer("STOR "+w.pick(escapeArgs), stressData(w.rng, 100), nil)
		return
	case 2:
		w.runTransfer("STOU "+w.pick(scratchArgs), stressData(w.rng, 100), nil)
		return
	}
	data := stressData(w.rng, w.rng.IntN(1+w.rng.IntN(200_000)))
	stored := data
	if w.ascii {
		stored = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	before := w.states(name)
	full := path.Join(w.dir, name)
	code, sent, started := w.runTransfer(verb+" "+full, data, nil)
	prefix := stored
	if sent >= 0 && sent < len(data) {
		prefix = data[:sent]
		if w.ascii {
			prefix = bytes.ReplaceAll(prefix, []byte("\r\n"), []byte("\n"))
		}
	}
	switch {
	case !started && code != 0:
		// Refused before the transfer: nothing changed.
	case verb == "APPE" || offset >= 0 || rg != nil || sent < 0:
		w.unknown(name)
	case code == 226:
		w.want[name] = []content{{data: prefix}}
	case code == 0:
		// The control connection went: either outcome.
		w.want[name] = before
		w.may(name, content{data: prefix})
	default:
		w.want[name] = before
	}
}

// runTransfer prepares a channel, sends line and plays a random fate. For
// an upload it writes up; for a download with want set, a complete
// transfer must deliver exactly want. It returns the transfer's final code
// (0 when unknown: the control connection was dropped), the bytes of up
// sent, and whether the server started the transfer (150/125).
func (w *walker) runTransfer(line string, up, want []byte) (code, sent int, started bool) {
	if !w.clearStale() {
		return 0, 0, false
	}
	ch, ok := w.prepare()
	if !ok {
		return 0, 0, false
	}
	if ch != nil {
		defer ch.close()
	}
	f := w.pickFate()
	if f == fateNever && ch != nil && ch.dials {
		f = fateDropData
	}
	if ch != nil && !ch.dials && f != fateNever {
		if _, ok := ch.open(); !ok {
			return 0, 0, false
		}
	}
	if !w.send(line) {
		return 0, 0, false
	}
	c, ok := w.reply()
	if !ok {
		return 0, 0, false
	}
	w.mark = w.lastReply
	if c >= 200 {
		w.staleActive = ch != nil && ch.dials
		return c, 0, false
	}
	w.restPending = false
	if ch == nil {
		// A channel prepared earlier and never used serves this one.
		c, ok := w.final()
		if !ok {
			return 0, 0, true
		}
		return c, 0, true
	}
	if ch.dials && f != fateNever {
		if _, ok := ch.open(); !ok {
			return 0, 0, true
		}
	}
	return w.playFate(f, ch, up, want)
}

// playFate moves data as fate has it, then reads the final replies.
func (w *walker) playFate(f fate, ch *dataChan, up, want []byte) (code, sent int, started bool) {
	part := len(up)
	if f != fateComplete && len(up) > 0 {
		part = w.rng.IntN(len(up))
	}
	w.note("data: %s, %d bytes to send, PROT P %v", fateNames[f], len(up), w.protP)
	var got []byte
	switch {
	case f == fateNever:
		if ch.dials {
			ch.ln.Close()
		}
	case up != nil:
		n, err := ch.conn.Write(up[:part])
		sent = n
		if err != nil && f == fateComplete {
			sent = -1
		}
	case f == fateComplete:
		got, _ = io.ReadAll(ch.conn)
		w.note("data: %d bytes came", len(got))
	default:
		buf := make([]byte, w.rng.IntN(5000))
		io.ReadFull(ch.conn, buf)
	}
	switch f {
	case fateDropCtrl:
		w.stats.drops.Add(1)
		w.drop()
		return 0, sent, true
	case fateAbort:
		w.stats.aborts.Add(1)
		if w.rng.IntN(2) == 0 {
			ch.close()
		}
		if !w.send("ABOR") {
			return 0, sent, true
		}
		codes, ok := w.finals(2)
		if !ok {
			return 0, sent, true
		}
		if codes[1] != 226 && codes[1] != 225 {
			w.errorf("ABOR: replies %v", codes)
		}
		return codes[0], sent, true
	}
	if ch.conn != nil {
		ch.conn.Close()
	}
	code, ok := w.final()
	if !ok {
		return 0, sent, true
	}
	if f == fateComplete && want != nil && code == 226 && !bytes.Equal(got, want) {
		w.errorf("%d bytes came, want %d (after %q, ascii %v, PROT P %v)", len(got), len(want), w.mark, w.ascii, w.protP)
	}
	return code, sent, true
}
