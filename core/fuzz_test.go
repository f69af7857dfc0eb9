package core

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// fuzzLines are seeds for FuzzSession: the command forms clients send,
// the malformed ones they should not, and paths that try to leave the
// root.
var fuzzLines = []string{
	"NOOP", "PWD", "CWD /ro", "CWD ../outside", "CWD out", "LIST -la", "NLST out", "MLSD abs",
	"RETR outfile", "SIZE ../outside/secret.txt", "MDTM abs/sub/deep", "STAT -la out",
	"MLST /../outside", "HASH out/secret.txt", "XCRC \"outfile\" 0 5", "XMD5 out/secret.txt 0 3",
	"RANG 0 99999999999999999999", "RANG 5 1", "REST -1", "REST 18446744073709551616",
	"ALLO 10 R 5", "ALLO x", "MFMT 20200101000000 out/secret.txt", "MFMT 99999999999999 x",
	"SITE CHMOD 777 out/secret.txt", "SITE CHMOD 4777", "SITE HELP", "OPTS MLST type;size;",
	"OPTS HASH MD5", "OPTS UTF8 ON", "LANG fr", "HELP SITE", "FEAT", "TYPE L 8", "STRU R",
	"MODE B", "PORT 127,0,0,1,0,21", "EPRT |2|::1|21|", "EPSV ALL", "PASV", "EPSV 2",
	"PBSZ 0", "PROT P", "CCC", "ABOR", "DELE dangle", "RMD out", "MKD out/x", "RNFR outfile",
	"RNTO out/renamed", "STOU", "APPE out/secret.txt", "STOR abs/writable.file", "CDUP",
	"XCWD ..", "XPWD", "SMNT /", "AVBL out", "CLNT x", "HOST localhost", "ACCT x",
	"user alice", "\xff\xf4\xff\xf2ABOR", "\xf2NOOP", "LIST *[", "NLST /ro/*.txt", "NLST -R /",
	"STAT /ro/[", "LIST out/../../outside", "CWD \x00", "MKD a\tb", "RETR \xff\xfe",
	"PASV\nLIST", "REST 5\nRETR /ro/text.txt", "RNFR /ro/text.txt\nRNTO ../outside/x",
	"EPSV\nSTOR x", "TYPE A\nSIZE /ro/text.txt", "REIN\nUSER alice\nPASS secret",
}

// FuzzSession runs lines of fuzzed input as commands of a logged-in session
// on a real server, over a vfs.Local whose root has links to a sibling
// folder: every line must get well-formed replies ending in one final
// reply, within a bound, and the sibling must stay as it was.
func FuzzSession(f *testing.F) {
	for _, l := range fuzzLines {
		f.Add(l)
	}
	env := newStressEnv(f)
	local, err := vfs.NewLocal(env.root)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { local.Close() })
	ts := startServer(f, func(s *Server) {
		s.FS = local
		s.DataTimeout = 20 * time.Millisecond
		s.LoginFailDelay = -1
		s.MaxLoginFailures = 1000
		s.Logger = slog.New(slog.DiscardHandler)
	})
	f.Fuzz(func(t *testing.T, input string) {
		lines := strings.Split(input, "\n")
		if len(lines) > 8 {
			lines = lines[:8]
		}
		c := ts.loginAlice(t)
		fz := &fuzzClient{t: t, nc: c.NC, br: bufio.NewReader(c.NC)}
		for _, l := range lines {
			if !fz.run(l) {
				break
			}
		}
		if got := treeSum(t, env.outside); got != env.outsideSum {
			t.Fatalf("the folder outside the root changed")
		}
	})
}

// fuzzClient sends one line at a time and checks the replies' form.
type fuzzClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

// run sends line and reads up to its final reply; false means the session
// ended (QUIT, AUTH, a 421) and the input stops here.
func (fz *fuzzClient) run(line string) bool {
	fz.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(fz.nc, line+"\r\n"); err != nil {
		fz.t.Fatalf("%q: write: %v", line, err)
	}
	for {
		code, err := fz.reply()
		if err != nil {
			fz.t.Fatalf("%q: %v", line, err)
		}
		switch {
		case code == 221 || code == 421 || code == 234:
			return false
		case code >= 200:
			return true
		}
	}
}

func (fz *fuzzClient) reply() (int, error) {
	first, err := fz.line()
	if err != nil {
		return 0, err
	}
	code, ok := replyCode(first)
	if !ok {
		return 0, errors.New("malformed reply " + first)
	}
	for first[3] == '-' {
		next, err := fz.line()
		if err != nil {
			return 0, err
		}
		if strings.HasPrefix(next, first[:3]+" ") {
			break
		}
	}
	return code, nil
}

func (fz *fuzzClient) line() (string, error) {
	l, err := fz.br.ReadString('\n')
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "", errors.New("no reply: the server hangs")
	case err != nil:
		return "", err
	case !strings.HasSuffix(l, "\r\n") || strings.Count(l, "\r") != 1:
		return "", errors.New("reply line not ended by CRLF alone: " + l)
	}
	return strings.TrimSuffix(l, "\r\n"), nil
}

// FuzzPaths checks what a command's argument resolves to, for every kind of
// path argument: an absolute, clean path that never climbs above the root,
// and a parse that never panics.
func FuzzPaths(f *testing.F) {
	for _, l := range fuzzLines {
		f.Add("/a/b", l)
	}
	f.Add("/", "../../..")
	f.Add("/x", "-la -R ../..")
	f.Fuzz(func(t *testing.T, cwd, text string) {
		cwd = cleanPath(cwd)
		s := &Session{cwd: cwd}
		verb, arg := splitCommand(text)
		if strings.ContainsAny(verb, " \t") {
			t.Fatalf("verb %q holds a space", verb)
		}
		for k := pathNone; k <= pathQuoted; k++ {
			p := s.pathOf(k, arg)
			if p == "" {
				continue
			}
			if p[0] != '/' || path.Clean(p) != p {
				t.Fatalf("kind %d, cwd %q, arg %q: path %q", k, cwd, arg, p)
			}
		}
		if got := skipOptions(arg); !strings.HasSuffix(arg, got) {
			t.Fatalf("skipOptions(%q) = %q", arg, got)
		}
		name, rest := hashArg(arg)
		if rest != "" {
			if start, end, ok := parseRange(rest); ok && (start < 0 || end < 0) {
				t.Fatalf("parseRange(%q) = %d, %d", rest, start, end)
			}
		}
		if len(name) > len(arg) {
			t.Fatalf("hashArg(%q) name %q", arg, name)
		}
	})
}
