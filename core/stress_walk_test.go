package core

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hangDump logs the goroutines once, at the first hang a walker sees.
var hangDump sync.Once

// replyWait bounds the wait for one reply: the stress server's data timeout
// is a second (a binary's, 30 s), so a reply later than this is a hang.
var replyWait = 30 * time.Second

// content is one state a tracked file may be in: absent, or these bytes.
type content struct {
	absent bool
	data   []byte
}

// walker is one client of the stress test: it runs a seeded random walk of
// commands, keeps what its uploads must have left in its own folder, and
// reports every malformed reply, hang or unexpected close.
type walker struct {
	t      *testing.T
	addr   string
	tlsCfg *tls.Config
	stats  *stressStats
	rng    *rand.Rand
	dir    string // the walker's own folder, under the served root
	root   string // the served root on disk
	// want maps a tracked name in dir to the states it may be in; a nil
	// list means unknown (an append or a resume touched it).
	want map[string][]content

	raw    net.Conn // the TCP control connection
	conn   net.Conn // raw, or TLS over it
	br     *bufio.Reader
	isTLS  bool
	protP  bool
	ascii  bool
	epsvAl bool
	// restPending: a REST or RANG was accepted and no transfer has used it
	// yet.
	// staleActive: the server holds an active address whose listener the
	// walker closed (see clearStale).
	staleActive bool
	restPending bool
	last        string // the last command sent, for reports
	lastReply   string // the first line of the last reply read
	mark        string // the 1xx reply of the running transfer
	failed      bool
	// history is the walker's last events (lines sent, replies read,
	// connections, data moved), logged with its first error so that a
	// failure shows the commands that led to it.
	history []string
	histAt  int
}

// historyLen is how many events a walker keeps for its error report.
const historyLen = 80

// note records one event in the walker's history.
func (w *walker) note(format string, args ...any) {
	ev := fmt.Sprintf(format, args...)
	if len(ev) > 200 {
		ev = ev[:200] + "..."
	}
	if len(w.history) < historyLen {
		w.history = append(w.history, ev)
		return
	}
	w.history[w.histAt] = ev
	w.histAt = (w.histAt + 1) % historyLen
}

// recent is the walker's history, oldest first.
func (w *walker) recent() string {
	h := append(slices.Clone(w.history[w.histAt:]), w.history[:w.histAt]...)
	return strings.Join(h, "\n")
}

var trackedNames = []string{"f0", "f1", "f2", "g 3", "ünï"}

// run walks until deadline or maxOps operations, then checks its folder.
func (w *walker) run(deadline time.Time, maxOps int) {
	for i := 0; i < maxOps && time.Now().Before(deadline) && !w.failed; i++ {
		if w.conn == nil && !w.connect() {
			break
		}
		w.step()
	}
	if w.conn != nil {
		if !w.failed && w.rng.IntN(2) == 0 {
			w.send("QUIT")
			w.finals(1)
		}
		w.drop()
	}
}

func (w *walker) errorf(format string, args ...any) {
	if !w.failed {
		w.t.Logf("%s: its last events, oldest first:\n%s", w.dir, w.recent())
	}
	w.failed = true
	w.t.Errorf("%s (last command %q): %s", w.dir, w.last, fmt.Sprintf(format, args...))
}

// connect opens a session, maybe over TLS, and logs in.
func (w *walker) connect() bool {
	nc, err := net.DialTimeout("tcp", w.addr, 5*time.Second)
	if err != nil {
		w.errorf("dial: %v", err)
		return false
	}
	w.raw, w.conn, w.br = nc, nc, bufio.NewReader(nc)
	w.note("connect %s", nc.LocalAddr())
	w.isTLS, w.protP, w.ascii, w.epsvAl, w.restPending, w.staleActive = false, false, false, false, false, false
	w.stats.sessions.Add(1)
	if c, ok := w.reply(); !ok || c != 220 {
		if ok {
			w.errorf("greeting %d", c)
		}
		return false
	}
	if w.rng.IntN(3) == 0 && !w.authTLS() {
		return w.conn != nil || !w.failed
	}
	if !w.login() {
		return w.conn != nil || !w.failed
	}
	w.cmd("MKD " + w.dir)
	return true
}

// authTLS runs AUTH TLS and the handshake.
func (w *walker) authTLS() bool {
	w.send("AUTH TLS")
	c, ok := w.final()
	if !ok || c != 234 {
		if ok && !w.isTLS {
			w.errorf("AUTH TLS: %d", c)
		}
		return ok
	}
	tc := tls.Client(w.raw, w.tlsCfg)
	w.raw.SetDeadline(time.Now().Add(replyWait))
	if err := tc.Handshake(); err != nil {
		w.errorf("TLS handshake: %v", err)
		return false
	}
	w.conn, w.br, w.isTLS = tc, bufio.NewReader(tc), true
	w.note("TLS handshake done")
	w.stats.tlsSessions.Add(1)
	return true
}

// login logs in; a 530 to USER means the session is logged in already.
func (w *walker) login() bool {
	c, ok := w.cmd("USER " + testUser)
	if !ok || c == 530 {
		return ok
	}
	c, ok = w.cmd("PASS " + testPass)
	if ok && c != 230 {
		w.errorf("PASS: %d", c)
	}
	return ok && c == 230
}

// drop closes the control connection.
func (w *walker) drop() {
	if w.conn != nil {
		w.note("drop the control connection")
		w.conn.Close()
		w.raw.Close()
	}
	w.conn, w.raw, w.br = nil, nil, nil
}

// step runs one random operation.
func (w *walker) step() {
	switch n := w.rng.IntN(100); {
	case n < 45:
		w.randomCommand()
	case n < 70:
		w.transfer()
	case n < 78:
		w.pipeline()
	case n < 83:
		w.prepareUnused()
	case n < 86:
		w.reinit()
	case n < 89:
		w.stats.drops.Add(1)
		w.drop()
	case n < 92 && !w.isTLS:
		w.authTLS()
	case n < 95:
		w.rename()
	default:
		w.deleteTracked()
	}
}

// send writes one command line.
func (w *walker) send(line string) bool {
	w.last = line
	w.note("> %s", line)
	w.stats.commands.Add(1)
	w.raw.SetWriteDeadline(time.Now().Add(replyWait))
	if _, err := io.WriteString(w.conn, line+"\r\n"); err != nil {
		w.errorf("write: %v", err)
		return false
	}
	return true
}

// cmd sends a line and reads up to its final reply.
func (w *walker) cmd(line string) (int, bool) {
	if !w.send(line) {
		return 0, false
	}
	return w.final()
}

// final reads replies up to a final one (2xx-5xx). A 421 ends the session.
func (w *walker) final() (int, bool) {
	for {
		c, ok := w.reply()
		if !ok {
			return 0, false
		}
		if c >= 200 {
			return c, true
		}
	}
}

// finals reads n final replies and returns their codes.
func (w *walker) finals(n int) ([]int, bool) {
	var codes []int
	for range n {
		c, ok := w.final()
		if !ok {
			return codes, false
		}
		codes = append(codes, c)
	}
	return codes, true
}

// reply reads one reply and checks its form: three digits, a space or a
// dash, CRLF, and for a multi-line reply a last line with the same code. A
// 421 or a 221 is followed by the end of the connection, which is checked
// too; the walker then has no connection.
func (w *walker) reply() (int, bool) {
	if w.conn == nil {
		return 0, false
	}
	w.raw.SetReadDeadline(time.Now().Add(replyWait))
	line, err := w.readLine()
	if err != nil {
		return 0, false
	}
	code, ok := replyCode(line)
	if !ok {
		w.errorf("malformed reply line %q", line)
		return 0, false
	}
	w.lastReply = line
	w.note("< %s", line)
	if line[3] == '-' {
		for n := 0; ; n++ {
			next, err := w.readLine()
			if err != nil {
				return 0, false
			}
			if strings.HasPrefix(next, line[:3]+" ") {
				break
			}
			if n > 100000 {
				w.errorf("multi-line reply without an end")
				return 0, false
			}
		}
	}
	if code == 421 || code == 221 {
		w.expectClosed(code)
		return code, false
	}
	return code, true
}

// replyCode parses "ddd " or "ddd-" at the start of a reply.
func replyCode(line string) (int, bool) {
	if len(line) < 4 || (line[3] != ' ' && line[3] != '-') {
		return 0, false
	}
	code, err := strconv.Atoi(line[:3])
	if err != nil || code < 100 || code > 599 || line[0] == '+' {
		return 0, false
	}
	return code, true
}

// readLine reads one CRLF-terminated line; a bare CR or LF inside, or a
// close or timeout, is reported (a close only when no 421 said so).
func (w *walker) readLine() (string, error) {
	line, err := w.br.ReadString('\n')
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		w.errorf("no reply within %v: the server hangs", replyWait)
		hangDump.Do(func() {
			var buf bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&buf, 2)
			w.t.Logf("goroutines at the first hang:\n%s", buf.String())
		})
		return "", err
	case err != nil:
		w.errorf("connection closed without a 421: %v (read %q)", err, line)
		return "", err
	case !strings.HasSuffix(line, "\r\n") || strings.Count(line, "\r") != 1:
		w.errorf("reply line not ended by CRLF alone: %q", line)
		return "", errors.New("bad line")
	}
	return strings.TrimSuffix(line, "\r\n"), nil
}

// expectClosed checks that the server closes the connection after code.
func (w *walker) expectClosed(code int) {
	w.raw.SetReadDeadline(time.Now().Add(replyWait))
	if extra, err := w.br.ReadString('\n'); err == nil {
		w.errorf("%d followed by %q", code, extra)
	} else if errors.Is(err, os.ErrDeadlineExceeded) {
		w.errorf("connection still open %v after %d", replyWait, code)
	}
	w.drop()
}

// randomCommand sends one verb of the command table, or an unknown one,
// with a random argument.
func (w *walker) randomCommand() {
	verb := w.randomVerb()
	line := verb
	if a := w.randomArg(verb); a != "-" {
		line += " " + a
	}
	switch strings.ToUpper(verb) {
	case "QUIT", "AUTH", "REIN", "LIST", "NLST", "MLSD", "RETR", "STOR", "STOU", "APPE", "PASV", "EPSV", "PORT", "EPRT":
		// Handled by their own operations, where the walker can follow;
		// in lower case too, which the server takes as well: a "rein"
		// left TYPE A in the model, and a "retr" could use a stale
		// active address (see clearStale).
		line = "NOOP " + line
	}
	c, ok := w.cmd(line)
	if !ok {
		return
	}
	arg := strings.ToUpper(strings.TrimSpace(line[len(verb):]))
	switch verb = strings.ToUpper(verb); {
	case verb == "PROT" && c == 200:
		w.protP = arg == "P"
	case verb == "TYPE" && c == 200:
		w.ascii = strings.HasPrefix(arg, "A")
	case (verb == "REST" || verb == "RANG") && c == 350:
		w.restPending = true // a RANG moves the offset too (unknown, as a REST's)
	case (verb == "USER" || verb == "PASS") && c != 230:
		// Log in again so the walk goes on.
		w.login()
	}
}

func (w *walker) randomVerb() string {
	switch w.rng.IntN(20) {
	case 0:
		return "XYZZY"
	case 1:
		return strings.ToLower(w.pick(allVerbs()))
	case 2:
		return "\xff\xfeBAD"
	}
	return w.pick(allVerbs())
}

// allVerbs is the command table's verbs, sorted; built once, since every
// walker goroutine asks for it.
var allVerbs = sync.OnceValue(func() []string {
	var list []string
	for v := range commands {
		list = append(list, v)
	}
	sort.Strings(list)
	return list
})

func (w *walker) pick(list []string) string { return list[w.rng.IntN(len(list))] }

// The arguments of the walk. Mutating verbs only ever name scratch names,
// the walker's own folder and paths that try to leave the root, so that
// /ro stays as it was and can be checked at the end.
var (
	escapeArgs = []string{
		"../outside/secret.txt", "/../outside/writable.file", "../../outside", "out/secret.txt",
		"out/sub/victim", "abs/writable.file", "outfile", "out", "abs/sub", "dangle", "loop", "loop/x",
		"out/../out/sub", "..\\outside\\secret.txt", "/../outside/another victim", "out/newfile",
		"abs/sub/deep", "./out/./sub/", "out/sub/../../root", "//..//outside//secret.txt",
	}
	scratchArgs = []string{
		"x", "tmp dir", "scratch/y", "ÿ\xff\xfe", strings.Repeat("n", 300), "*", "f?", "~", "a\x00b",
		"%s%n%x", "-la", "-", "\"quoted\"", "new\tname", "x/", "scratch",
	}
	readArgs = []string{"/ro/text.txt", "ro/binary.bin", "/ro", "/", ".", "..", "/ro/empty", "-la /ro", "-R", "/ro/*"}
	verbArgs = map[string][]string{
		"REST": {"0", "5", "-1", "99999999999999999999", "x", "1e3", "+5", " 7"},
		"ALLO": {"100", "abc", "10 R 5", "-5", "99999999999999999999"},
		"MFMT": {"20200101000000 x", "99999999999999 x", "2020 x", "20200101000000", "20200101000000 out/secret.txt", "20201301250000.123 x"},
		"RANG": {"0 10", "10 0", "-1 5", "0 99999999999999999999", "1", "a b", "0 1 2"},
		"TYPE": {"A", "I", "L 8", "E", "X", "A N", "A T", "a", "L 7"},
		"STRU": {"F", "R", "P", "x"},
		"MODE": {"S", "B", "C", "z"},
		"SITE": {"CHMOD 777 x", "CHMOD 999 x", "CHMOD", "CHMOD 0644", "HELP", "X", "CHMOD 777 out/secret.txt", "CHMOD 000 /ro"},
		"OPTS": {"UTF8 ON", "UTF8 OFF", "MLST type;size;", "MLST nonsense;;", "HASH SHA-1", "HASH nope", "HASH", "X"},
		"LANG": {"en", "fr", "*", "EN-us", "1234567890123"},
		"HOST": {"localhost", "", "[::1]"},
		"PBSZ": {"0", "1", "x", "99999999999999999999"},
		"PROT": {"P", "C", "S", "E", "x"},
		"HELP": {"", "RETR", "SITE", "nope"},
		"STAT": {"", "/ro", "-la /ro", "out", "/ro/text.txt"},
		"XCRC": {"\"/ro/text.txt\" 0 5", "\"/ro/text.txt\" 5", "\"/ro/text.txt", "/ro/text.txt", "\"out/secret.txt\" 0 1"},
		"HASH": {"/ro/binary.bin", "/ro", "out/secret.txt", "outfile"},
		"CLNT": {"lftp", "x"},
		"USER": {testUser, "nobody", "anonymous"},
		"PASS": {testPass, "wrong"},
	}
	readVerbs = map[string]bool{
		"CWD": true, "XCWD": true, "SIZE": true, "MDTM": true, "MLST": true, "HASH": true, "XCRC": true,
		"XMD5": true, "XSHA1": true, "XSHA": true, "XSHA256": true, "AVBL": true, "STAT": true, "CDUP": true,
	}
)

// randomArg is an argument for verb: "-" for none, good or bad, overlong
// or not UTF-8, or one that tries to leave the root.
func (w *walker) randomArg(verb string) string {
	switch n := w.rng.IntN(20); {
	case n == 0:
		return "-"
	case n == 1:
		return strings.Repeat("A", 4000+w.rng.IntN(3000)) // past the line limit, or near it
	case n < 6:
		return w.pick(escapeArgs)
	case n < 10:
		return w.pick(scratchArgs)
	case n < 14 && readVerbs[verb]:
		return w.pick(readArgs)
	}
	if args, ok := verbArgs[verb]; ok {
		return w.pick(args)
	}
	return w.pick(scratchArgs)
}

// pipeline sends several commands in one write and reads their replies.
func (w *walker) pipeline() {
	safe := []string{"NOOP", "PWD", "SYST", "FEAT", "TYPE I", "MODE S", "STRU F", "SIZE /ro/text.txt",
		"MDTM /ro/binary.bin", "HELP", "STAT", "CWD /ro", "CWD " + w.dir, "MLST /ro", "XYZ", "REST 0",
		"HASH /ro/text.txt", "CDUP", "OPTS UTF8 ON", "SIZE nope", "ABOR", "ALLO 5", "CLNT x"}
	n := 2 + w.rng.IntN(10)
	var b strings.Builder
	lines := make([]string, n)
	for i := range lines {
		lines[i] = w.pick(safe)
		b.WriteString(lines[i])
		b.WriteString("\r\n")
	}
	w.last = "pipeline " + strconv.Quote(b.String())
	w.note("> %s", w.last)
	w.stats.commands.Add(int64(n))
	w.raw.SetWriteDeadline(time.Now().Add(replyWait))
	if _, err := io.WriteString(w.conn, b.String()); err != nil {
		w.errorf("write: %v", err)
		return
	}
	if strings.Contains(b.String(), "REST") {
		w.restPending = true
	}
	if w.rng.IntN(4) == 0 {
		w.stats.drops.Add(1)
		w.drop() // with replies unread
		return
	}
	codes, _ := w.finals(n)
	// Every line has one final reply, in order: a TYPE I took effect if
	// its reply says so (a 530 when logged out; a script's hook may fail
	// it too, when an ABOR behind it cancels it).
	for i, line := range lines[:len(codes)] {
		if line == "TYPE I" && codes[i] == 200 {
			w.ascii = false
		}
	}
}

// prepareUnused opens a passive or active data channel and never uses it.
func (w *walker) prepareUnused() {
	ch, ok := w.prepare()
	if !ok || ch == nil {
		return
	}
	if w.rng.IntN(2) == 0 {
		ch.close()
	} else {
		defer ch.close()
	}
	w.staleActive = ch.dials
	w.cmd("NOOP")
}

// reinit runs REIN and logs in again.
func (w *walker) reinit() {
	c, ok := w.cmd("REIN")
	if !ok {
		return
	}
	if c != 220 {
		w.errorf("REIN: %d", c)
		return
	}
	w.ascii, w.restPending = false, false
	if w.rng.IntN(4) != 0 {
		w.login()
	}
}

// rename renames one tracked file to another with RNFR and RNTO.
func (w *walker) rename() {
	from, to := w.pick(trackedNames), w.pick(trackedNames)
	c, ok := w.cmd("RNFR " + path.Join(w.dir, from))
	if !ok {
		w.unknown(from)
		return
	}
	if c != 350 {
		return
	}
	before := w.want[from]
	c, ok = w.cmd("RNTO " + path.Join(w.dir, to))
	switch {
	case !ok:
		w.unknown(from)
		w.unknown(to)
	case c == 250 && from != to:
		w.want[to] = before
		w.want[from] = []content{{absent: true}}
	}
}

// deleteTracked deletes a tracked file.
func (w *walker) deleteTracked() {
	name := w.pick(trackedNames)
	c, ok := w.cmd("DELE " + path.Join(w.dir, name))
	switch {
	case !ok:
		w.may(name, content{absent: true})
	case c == 250:
		w.want[name] = []content{{absent: true}}
	}
}

// unknown stops checking name until a complete upload sets it again.
func (w *walker) unknown(name string) { w.want[name] = nil }

// may adds a state name may be in, as when a command's outcome is unknown.
func (w *walker) may(name string, c content) {
	if cur, ok := w.want[name]; ok && cur == nil {
		return
	}
	w.want[name] = append(w.states(name), c)
}

// states is what name may be now; a name never touched is absent.
func (w *walker) states(name string) []content {
	if cur, ok := w.want[name]; ok {
		return slices.Clone(cur)
	}
	return []content{{absent: true}}
}

// checkFolder checks every tracked file against what it may be, and that
// no upload left its temporary file behind; it runs once every session
// has ended.
func (w *walker) checkFolder() {
	dir := filepath.Join(w.root, filepath.FromSlash(w.dir))
	for _, name := range trackedNames {
		states := w.states(name)
		if cur, ok := w.want[name]; ok && cur == nil {
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, name))
		if !matchesState(states, got, err) {
			w.t.Errorf("%s/%s: %d bytes (err %v), want one of %s", w.dir, name, len(got), err, describe(states))
		}
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".luaftpd-upload-") {
			w.t.Errorf("%s: an upload left %s behind", w.dir, e.Name())
		}
	}
}

func matchesState(states []content, got []byte, err error) bool {
	for _, s := range states {
		if s.absent && errors.Is(err, os.ErrNotExist) {
			return true
		}
		if !s.absent && err == nil && bytes.Equal(s.data, got) {
			return true
		}
	}
	return false
}

func describe(states []content) string {
	var parts []string
	for _, s := range states {
		if s.absent {
			parts = append(parts, "absent")
		} else {
			parts = append(parts, fmt.Sprintf("%d bytes", len(s.data)))
		}
	}
	return strings.Join(parts, ", ")
}
