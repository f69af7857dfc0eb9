package core

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// The session stress test runs a few seconds by default; -stress.long runs
// it for -stress.duration (10 minutes unless set), with more sessions.
var (
	stressLong     = flag.Bool("stress.long", false, "run the session stress test for minutes")
	stressDuration = flag.Duration("stress.duration", 10*time.Minute, "how long -stress.long runs")
	stressSeed     = flag.Uint64("stress.seed", 0, "the stress test's seed (0: from the clock)")
)

// stressEnv is the served tree of the stress test: root is served, outside
// is its sibling that symlinks in root point to and that must never change.
type stressEnv struct {
	base, root, outside string
	outsideSum          string
}

// newStressEnv builds base/root and base/outside, with links from the root
// to outside (relative and absolute, to the folder and to a file).
func newStressEnv(t testing.TB) *stressEnv {
	base := t.TempDir()
	e := &stressEnv{base: base, root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{e.root, e.outside, filepath.Join(e.outside, "sub"), filepath.Join(e.root, "ro")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		filepath.Join(e.outside, "secret.txt"):     "outside secret\n",
		filepath.Join(e.outside, "sub", "deep"):    "deep secret\r\nline two\n",
		filepath.Join(e.root, "ro", "text.txt"):    strings.Repeat("a line of text\n", 200),
		filepath.Join(e.root, "ro", "binary.bin"):  string(stressData(rand.New(rand.NewPCG(1, 2)), 70000)),
		filepath.Join(e.root, "ro", "crlf.txt"):    strings.Repeat("dos line\r\n", 50),
		filepath.Join(e.root, "ro", "empty"):       "",
		filepath.Join(e.outside, "sub", "victim"):  "must survive",
		filepath.Join(e.outside, "writable.file"):  "must not be written",
		filepath.Join(e.outside, "another victim"): "x",
	}
	for name, data := range files {
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"out":     "../outside",
		"abs":     e.outside,
		"outfile": "../outside/secret.txt",
		"dangle":  "../outside/none",
		"loop":    "loop",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(e.root, name)); err != nil {
			t.Fatal(err)
		}
	}
	e.outsideSum = treeSum(t, e.outside)
	return e
}

// treeSum is a digest of every name, type, mode and content under dir.
func treeSum(t testing.TB, dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", p, fi.Mode(), fi.Size())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// stressData is n pseudo-random bytes, CR and LF included.
func stressData(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// stressStats counts what the walkers did, for the log.
type stressStats struct {
	commands, transfers, aborts, drops, sessions, tlsSessions atomic.Int64
}

func TestStressSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("stress test skipped in -short mode")
	}
	seed := *stressSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -stress.seed=%d)", seed, seed)
	walkers, dur, maxOps := 20, 3*time.Second, 400
	if raceEnabled {
		walkers, dur = 12, 4*time.Second
	}
	if *stressLong {
		walkers, dur, maxOps = 24, *stressDuration, 1<<30
	}
	env := newStressEnv(t)
	var (
		addr     string
		ccfg     *tls.Config
		ts       *testServer
		baseline int
		check    func()
	)
	if external() {
		addr, ccfg, check = startStressBinary(t, env)
	} else {
		local, err := vfs.NewLocal(env.root)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { local.Close() })
		var cfg *tls.Config
		ts, cfg = startTLSServer(t, func(s *Server) {
			s.FS = local
			s.DataTimeout = time.Second
			s.LoginFailDelay = -1
			s.IdleTimeout = time.Minute
			s.Logger = slog.New(slog.DiscardHandler)
		})
		addr, ccfg = ts.Addr, clientTLS(t, cfg, 0)
		baseline = warmBaseline(t, ts)
	}

	var stats stressStats
	var wg sync.WaitGroup
	deadline := time.Now().Add(dur)
	all := make([]*walker, walkers)
	for i := range walkers {
		w := &walker{
			t: t, addr: addr, tlsCfg: ccfg, stats: &stats,
			rng: rand.New(rand.NewPCG(seed, uint64(i))),
			dir: fmt.Sprintf("/s%d", i), root: env.root,
			want: map[string][]content{},
		}
		all[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(deadline, maxOps)
		}()
	}
	wg.Wait()
	t.Logf("%d commands, %d transfers, %d aborts, %d drops, %d sessions (%d TLS) in %v",
		stats.commands.Load(), stats.transfers.Load(), stats.aborts.Load(), stats.drops.Load(),
		stats.sessions.Load(), stats.tlsSessions.Load(), dur)
	if t.Failed() {
		return
	}
	if external() {
		check()
	} else {
		checkNoLeak(t, ts, baseline)
		c := ts.loginAlice(t)
		if got := c.retrieve("RETR /ro/text.txt"); got != strings.Repeat("a line of text\n", 200) {
			t.Errorf("after the stress: RETR gave %d bytes", len(got))
		}
		c.cmd(221, "QUIT")
	}
	for _, w := range all {
		w.checkFolder()
	}
	if got := treeSum(t, env.outside); got != env.outsideSum {
		t.Errorf("the folder outside the root changed")
	}
	checkBaseEntries(t, env)
}

// warmBaseline runs one session, so that what a server starts once (the
// idle poller) is running, and returns the goroutine count once it ended.
func warmBaseline(t *testing.T, ts *testServer) int {
	t.Helper()
	c := ts.loginAlice(t)
	c.cmd(200, "NOOP")
	c.cmd(221, "QUIT")
	c.expectClosed()
	end := time.Now().Add(5 * time.Second)
	for ts.sessionCount() > 0 && time.Now().Before(end) {
		time.Sleep(5 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

// checkNoLeak waits (bounded) for every session to end and the goroutine
// count to come back to baseline; it dumps the goroutines if it does not.
func checkNoLeak(t *testing.T, ts *testServer, baseline int) {
	t.Helper()
	end := time.Now().Add(15 * time.Second)
	for {
		n := ts.sessionCount()
		g := runtime.NumGoroutine()
		if n == 0 && g <= baseline {
			return
		}
		if time.Now().After(end) {
			var buf bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&buf, 1)
			t.Fatalf("after the clients left: %d sessions, %d goroutines (baseline %d)\n%s", n, g, baseline, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkBaseEntries checks that nothing was created next to root and
// outside.
func checkBaseEntries(t *testing.T, env *stressEnv) {
	t.Helper()
	ents, err := os.ReadDir(env.base)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "root" && e.Name() != "outside" {
			t.Errorf("%s appeared next to the root", e.Name())
		}
	}
}
