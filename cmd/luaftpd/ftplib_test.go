package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ftplibScript is a Python ftplib session: it prints what it saw, one fact
// a line, and fails (exit 1 with a traceback) on any error reply.
const ftplibScript = `
import ftplib, io, ssl, sys

host, port, user, password, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
tls = mode.startswith("tls")
if tls:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ftp = ftplib.FTP_TLS(context=ctx, timeout=30)
else:
    ftp = ftplib.FTP(timeout=30)
ftp.connect(host, port)
ftp.login(user, password)
if tls:
    ftp.prot_p()

data = bytes(range(256)) * 4096 + b"tail"
ftp.storbinary("STOR py.bin", io.BytesIO(data))
got = io.BytesIO()
ftp.retrbinary("RETR py.bin", got.write)
print("RETR same", got.getvalue() == data)
print("SIZE", ftp.size("py.bin"))
print("NLST", " ".join(sorted(ftp.nlst())))
facts = {name: f for name, f in ftp.mlsd(facts=["type", "size"]) if f.get("type") in ("file", "dir")}
print("MLSD", " ".join("%s:%s:%s" % (n, facts[n]["type"], facts[n].get("size", "-")) for n in sorted(facts)))
feat = ftp.sendcmd("FEAT")
print("FEAT", " ".join(f for f in ("UTF8", "MLST", "EPSV", "REST STREAM", "SIZE", "MDTM") if f in feat))
print("OPTS", ftp.sendcmd("OPTS UTF8 ON")[:3])
ftp.storbinary("STOR h\u00e9llo \u2603.txt", io.BytesIO(b"snow"))
print("UTF8", [n for n in ftp.nlst() if n.startswith("h")] == ["h\u00e9llo \u2603.txt"])
print("MLST", ftp.sendcmd("MLST py.bin").splitlines()[0][:3])
print("MKD", ftp.mkd("sub"))
ftp.cwd("sub")
print("PWD", ftp.pwd())
ftp.quit()
`

// TestPythonFtplib runs ftplibScript (listings, facts, UTF-8 names, MKD)
// plain and over explicit TLS.
func TestPythonFtplib(t *testing.T) {
	python := needTool(t, "python3")
	// One user per mode, each in a folder of its own under -root. The data
	// modes are TestClientMatrix's: here PASV, plain and over TLS.
	s := startServer(t, "-user", "plain:pw1:plain", "-user", "tls:pw2:tls", "-tls-self-signed")
	script := writeAt(t, t.TempDir(), "session.py", []byte(ftplibScript))
	for _, mode := range []struct{ user, password string }{{"plain", "pw1"}, {"tls", "pw2"}} {
		t.Run(mode.user, func(t *testing.T) {
			writeAt(t, s.root, mode.user+"/seed.txt", []byte("seed\n"))
			r := runTool(t, nil, python, script, "127.0.0.1", s.port(), mode.user, mode.password, mode.user)
			if r.code != 0 {
				t.Fatalf("python exited %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			want := strings.Join([]string{
				"RETR same True",
				"SIZE 1048580",
				"NLST py.bin seed.txt",
				"MLSD py.bin:file:1048580 seed.txt:file:5",
				"FEAT UTF8 MLST EPSV REST STREAM SIZE MDTM",
				"OPTS 200",
				"UTF8 True",
				"MLST 250",
				"MKD /sub",
				"PWD /sub",
			}, "\n") + "\n"
			if r.stdout != want {
				t.Errorf("python saw:\n%s\nwant:\n%s", r.stdout, want)
			}
			sameFile(t, filepath.Join(s.root, mode.user, "py.bin"), pyData())
			sameFile(t, filepath.Join(s.root, mode.user, "h\u00e9llo \u2603.txt"), []byte("snow"))
			if st, err := os.Stat(filepath.Join(s.root, mode.user, "sub")); err != nil || !st.IsDir() {
				t.Errorf("MKD sub: %v", err)
			}
		})
	}
}

// pyData is the file ftplibScript uploads.
func pyData() []byte {
	var b []byte
	for range 4096 {
		for i := range 256 {
			b = append(b, byte(i))
		}
	}
	return append(b, "tail"...)
}
