package core

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// startLocalServer serves a fresh folder through vfs.Local and returns
// the server and the folder.
func startLocalServer(t *testing.T, configure ...func(*Server)) (*testServer, string) {
	t.Helper()
	dir := t.TempDir()
	local, err := vfs.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { local.Close() })
	ts := startServer(t, append([]func(*Server){func(s *Server) { s.FS = local }}, configure...)...)
	return ts, dir
}

// diskEntries lists dir, hidden upload files included.
func diskEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// storeTo uploads data with verb (after REST offset when offset > 0) and
// returns the final reply's code.
func storeTo(c *ftpConn, verb, name, data string, offset int) int {
	dc := c.pasv()
	if offset > 0 {
		c.cmd(350, "REST %d", offset)
	}
	code, _ := c.send("%s %s", verb, name)
	if code != 150 {
		dc.Close()
		return code
	}
	io.WriteString(dc, data)
	dc.Close()
	code, _ = c.read()
	return code
}

// STOR, APPE and REST+STOR of one file from two sessions at once: every
// reply is a clean one, a file written by STOR alone is one upload whole
// (the last one wins), and no upload file is left behind.
func TestConcurrentWritersSameFile(t *testing.T) {
	ts, dir := startLocalServer(t)
	a, b := strings.Repeat("A", 300<<10), strings.Repeat("B", 200<<10)
	var wg sync.WaitGroup
	for i, data := range []string{a, b} {
		wg.Go(func() {
			c := ts.loginAlice(t)
			for n := range 30 {
				verb, offset := "STOR", 0
				switch (n + i) % 5 {
				case 3:
					verb = "APPE"
				case 4:
					offset = 1000
				}
				code := storeTo(c, verb, "shared", data, offset)
				if code != 226 && code != 554 {
					t.Errorf("%s: %d", verb, code)
					return
				}
			}
			c.cmd(221, "QUIT")
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// Now STOR alone races: each read sees one whole upload.
	for i, data := range []string{a, b} {
		wg.Go(func() {
			c := ts.loginAlice(t)
			for range 20 {
				if code := storeTo(c, "STOR", "whole", data, 0); code != 226 {
					t.Errorf("STOR: %d", code)
					return
				}
				got := c.retrieve("RETR whole")
				if got != a && got != b {
					t.Errorf("walker %d read %d bytes, neither upload", i, len(got))
					return
				}
			}
		})
	}
	wg.Wait()
	if got := diskEntries(t, dir); !slices.Equal(got, []string{"shared", "whole"}) {
		t.Fatalf("on disk: %q", got)
	}
}

// RNFR/RNTO from one session while another deletes the same file: every
// reply is a clean one (250, 350 or 550), and at the end the file is in one
// place at most.
func TestRenameRacesDelete(t *testing.T) {
	ts, dir := startLocalServer(t)
	var wg sync.WaitGroup
	renamer, deleter := ts.loginAlice(t), ts.loginAlice(t)
	wg.Go(func() {
		for range 200 {
			deleter.raw("DELE a\r\nDELE b\r\n")
			for range 2 {
				if code, msg := deleter.read(); code != 250 && code != 550 {
					t.Errorf("DELE: %d %s", code, msg)
				}
			}
		}
	})
	for i := range 200 {
		if i%10 == 0 {
			storeTo(renamer, "STOR", "a", "x", 0)
		}
		renamer.raw("RNFR a\r\nRNTO b\r\nRNFR b\r\nRNTO a\r\n")
		for range 4 {
			code, msg := renamer.read()
			if code != 350 && code != 250 && code != 550 && code != 553 && code != 503 {
				t.Fatalf("rename: %d %s", code, msg)
			}
		}
	}
	wg.Wait()
	if got := diskEntries(t, dir); len(got) > 1 {
		t.Fatalf("on disk: %q", got)
	}
}

// A client that hangs up right after sending RETR, STOR or LIST (while the
// server writes 150) ends its session; the passive listener, the upload
// file and the goroutines go with it.
func TestHangupDuringMark(t *testing.T) {
	ts, dir := startLocalServer(t)
	os.WriteFile(filepath.Join(dir, "f"), []byte("data"), 0o644)
	c := ts.loginAlice(t)
	c.cmd(221, "QUIT")
	c.expectClosed()
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
	before := openFDs()
	var dcs []net.Conn
	for _, cmd := range []string{"RETR f", "STOR g", "LIST", "APPE h"} {
		for _, dial := range []bool{false, true} {
			c := ts.loginAlice(t)
			msg := c.cmd(229, "EPSV")
			if dial {
				port := msg[strings.Index(msg, "(|||")+4 : strings.LastIndex(msg, "|)")]
				if dc, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
					dcs = append(dcs, dc)
				}
			}
			c.raw(cmd + "\r\n")
			c.NC.(*net.TCPConn).SetLinger(0) // a reset: the 150 finds no one
			c.NC.Close()
		}
	}
	waitFor(t, func() bool { return ts.sessionCount() == 0 })
	for _, dc := range dcs {
		dc.Close()
	}
	waitFDs(t, before)
	// APPE creates its file in place, so h may be there, empty.
	names := slices.DeleteFunc(diskEntries(t, dir), func(n string) bool { return n == "f" || n == "h" })
	if len(names) > 0 {
		t.Fatalf("on disk: %q", diskEntries(t, dir))
	}
}

// Shutdown while many uploads run, with a deadline that ends them: no
// upload file is left, and no target holds part of an upload (each holds
// its old content, or is absent).
func TestShutdownDuringUploads(t *testing.T) {
	ts, dir := startLocalServer(t)
	const n = 16
	for i := range n {
		if i%2 == 0 {
			os.WriteFile(filepath.Join(dir, fmt.Sprint("up", i)), []byte("old"), 0o644)
		}
	}
	for i := range n {
		c := ts.loginAlice(t)
		dc := c.pasv()
		c.cmd(150, "STOR up%d", i)
		if _, err := io.WriteString(dc, strings.Repeat("z", 100<<10)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, name := range diskEntries(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(b) != "old" {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	if got := len(diskEntries(t, dir)); got != n/2 {
		t.Errorf("%d files on disk, want %d", got, n/2)
	}
}

// ten thousand NOOPs in one write get their ten thousand replies in order;
// a hundred thousand pipelined NOOPs do not grow the server's heap with
// the pipeline.
func TestPipelinedNOOPs(t *testing.T) {
	ts := startServer(t)
	runs := []int{10000, 100000}
	if raceEnabled {
		runs = runs[:1] // the heap is not measured under the race detector
	}
	for _, n := range runs {
		c := ts.dial(t)
		c.NC.SetDeadline(time.Now().Add(60 * time.Second))
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var peak uint64
		done := make(chan struct{})
		go func() {
			defer close(done)
			batch := min(n, 10000) // the first run: all in one write
			for i := 0; i < n; i += batch {
				if _, err := io.WriteString(c.NC, strings.Repeat("NOOP\r\n", batch)); err != nil {
					t.Errorf("write: %v", err)
					return
				}
			}
		}()
		for i := range n {
			code, msg := c.read()
			if code != 200 || msg != "NOOP ok." {
				t.Fatalf("reply %d: %d %q", i, code, msg)
			}
			if i%10000 == 0 {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		<-done
		c.cmd(221, "QUIT")
		growth := int64(peak) - int64(before.HeapAlloc)
		t.Logf("%d NOOPs: heap grew at most %d KiB", n, growth>>10)
		if !raceEnabled && growth > 16<<20 {
			t.Errorf("%d NOOPs: heap grew by %d KiB", n, growth>>10)
		}
	}
}

// ABOR during MLSD or LIST of a folder of 20 000 entries, its client not
// reading: 426 and 226 at once, and the session goes on.
func TestABORDuringHugeListing(t *testing.T) {
	ts := startServer(t)
	ts.mkdir(t, "/many")
	// Names long enough, and the client's receive buffer small enough,
	// that no listing fits in the sockets' buffers: each is still being
	// written when ABOR arrives (with 100-byte names the server could
	// finish into its send buffer first, and answer 226 alone).
	long := strings.Repeat("n", 250)
	for i := range 20000 {
		ts.putFile(t, fmt.Sprintf("/many/%s%d", long, i), "")
	}
	c := ts.loginAlice(t)
	for _, cmd := range []string{"MLSD many", "LIST many", "NLST many"} {
		dc := c.pasv()
		dc.(*net.TCPConn).SetReadBuffer(4 << 10)
		c.cmd(150, "%s", cmd)
		start := time.Now()
		c.raw("ABOR\r\n")
		c.expect(426)
		c.expect(226)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: ABOR took %v", cmd, d)
		}
		dc.Close()
		c.cmd(200, "NOOP")
	}
}

// During a shutdown a running transfer may finish, but the lines queued
// behind it do not run (a new transfer among them least of all): the
// client gets 421 after the transfer's reply.
func TestShutdownRunsNoQueuedCommand(t *testing.T) {
	ts := startServer(t)
	ts.putFile(t, "/f", "data")
	c := ts.loginAlice(t)
	dc := startUpload(t, c)
	done := make(chan error, 1)
	go func() { done <- ts.Shutdown(context.Background()) }()
	waitFor(t, func() bool { return ts.inShutdown.Load() })
	c.raw("NOOP\r\nEPSV\r\nRETR f\r\n")
	waitFor(t, func() bool { return ts.queuedLines() == 3 }) // queued while the upload runs
	dc.Close()
	c.expect(226)
	c.expect(421)
	c.expectClosed()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
