package core

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// BenchmarkLIST measures LIST and MLSD of one big folder through a real
// server and client, on Mem and on Local: time, allocations (-benchmem) and
// how far the heap grew while the listing ran (peak-heap-B, and per entry).
//
// The Local folders take a while to make (a million files): set
// LUAFTPD_BENCH_DIR to keep them there between runs.
func BenchmarkLIST(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, backend := range []string{"mem", "local"} {
			b.Run(fmt.Sprintf("%s/%d", backend, n), func(b *testing.B) {
				ts := startServer(b)
				if backend == "local" {
					ts.Server.FS = benchLocal(b, n)
				} else {
					benchMem(b, ts, n)
				}
				c := ts.loginAlice(b)
				for _, cmd := range []string{"LIST /big", "MLSD /big"} {
					b.Run(cmd[:4], func(b *testing.B) { benchListing(b, c, cmd, n) })
				}
			})
		}
	}
}

// benchListing runs cmd over and over, reading and dropping the listing.
func benchListing(b *testing.B, c *ftpConn, cmd string, n int) {
	runtime.GC()
	base := heapObjects()
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // the heap's high-water mark, without stopping the world
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
			if h := heapObjects(); h > peak.Load() {
				peak.Store(h)
			}
		}
	}()
	var bytes int64
	for b.Loop() {
		dc := c.pasv()
		dc.SetDeadline(time.Now().Add(2 * time.Minute))
		c.cmd(150, "%s", cmd)
		m, err := io.Copy(io.Discard, dc)
		if err != nil {
			b.Fatal(err)
		}
		c.expect(226)
		dc.Close()
		bytes = m
	}
	close(stop)
	<-sampled
	grew := float64(peak.Load()) - float64(base)
	b.ReportMetric(grew, "peak-heap-B")
	b.ReportMetric(grew/float64(n), "peak-heap-B/entry")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
	b.SetBytes(bytes)
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// benchName is the name of a big folder's i-th entry: 16 bytes, as a
// camera's or a logger's files are named.
func benchName(i int) string { return fmt.Sprintf("file-%07d.dat", i) }

func benchMem(b *testing.B, ts *testServer, n int) {
	ts.mkdir(b, "/big")
	for i := range n {
		ts.putFile(b, "/big/"+benchName(i), "x")
	}
}

// benchLocal serves a folder holding big/ with n empty files.
func benchLocal(b *testing.B, n int) *vfs.Local {
	dir := os.Getenv("LUAFTPD_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	dir = filepath.Join(dir, "list"+strconv.Itoa(n))
	big := filepath.Join(dir, "big")
	if _, err := os.Stat(filepath.Join(dir, "complete")); err != nil {
		if err := os.MkdirAll(big, 0o755); err != nil {
			b.Fatal(err)
		}
		for i := range n {
			f, err := os.Create(filepath.Join(big, benchName(i)))
			if err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	l, err := vfs.NewLocal(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}
