//go:build linux

package core

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// The data path is chosen by these benchmarks (see copyData): each moves
// one file over loopback between this process (the server side, measured)
// and a client in a separate process, so the server's CPU time per GiB
// (getrusage of this process) counts only the server's work.
//
//	go test -run '^$' -bench 'DataPath' -benchtime 3x ./core/
//
// Set LUAFTPD_BENCH_MB to change the file size (default 256) and
// LUAFTPD_BENCH_CLIENT_KB the client's read and write size (default 256;
// curl reads 16 KiB at a time).
//
// Figures of 2026-11-21, 2 cores, 1 GiB on tmpfs, Go 1.26, medians of 3
// (MB/s, server CPU s/GiB). Quiet machine:
//
//	client reads 256 KiB  RETR loop-32k 2778, 0.36   sendfile 3640, 0.24
//	                      STOR loop-32k  818, 1.37   splice   1142, 0.97
//	client reads 16 KiB   RETR loop-32k 1980, 0.19   sendfile 1259, 0.12
//
// Busy machine (load 9-13), medians of 5:
//
//	client reads 256 KiB  RETR loop-32k 1036, 0.26   sendfile 1424, 0.21
//	                      STOR loop-32k  740, 1.04   splice    770, 0.87
//	client reads 16 KiB   RETR loop-32k 1782, 0.25   sendfile 1324, 0.15
//	                      STOR loop-32k  615, 1.12   splice    748, 0.86
//
// sendfile under TCP_CORK was no better than sendfile alone. Downloads
// have since moved to a loop of 256 KiB to 4 MiB (see sendChunkMin).
//
// Uploads, 2026-11-21 evening, 512 MiB overwritten in place on tmpfs (so
// no run pays for fresh pages, see BenchmarkDataPathSTOR), medians of 5
// alternated runs of 4 (MB/s, server CPU s/GiB):
//
//	client writes 64 KiB   splice 2477, 0.30   loop-1m 3667, 0.25   lowat-1m-256k 3893, 0.22
//	client writes 256 KiB  splice 3579, 0.24   loop-1m 3623, 0.26   lowat-1m-256k 4493, 0.21
//
// (lowat-B-L: a loop over a B buffer with SO_RCVLOWAT L; 512k-256k and
// 1m-512k were within a few per cent of 1m-256k, 256k-128k behind.) A plain
// loop is no better than splice; with SO_RCVLOWAT the loop wakes once per
// 256 KiB instead of once per segment burst, and beats splice on both
// counts. So an upload from a plain connection runs recvLoop.
//
// Later the same evening, busier, medians of 4: copyData is recvLoop
// reading the socket by blocking reads outside the runtime's poller
// (detachConn), which spares the runtime a wakeup per arriving segment
// (9 000 epoll_pwait and 4 800 context switches fewer per GiB):
//
//	client writes 64 KiB   splice 2016, 0.32   lowat-1m-256k 2566, 0.27   copyData 3356, 0.24
//	client writes 256 KiB  splice 2860, 0.22   lowat-1m-256k 3960, 0.22   copyData 3883, 0.22

const dataPathClientEnv = "LUAFTPD_DATAPATH_CLIENT"

func benchSize() int64 {
	if mb, err := strconv.Atoi(os.Getenv("LUAFTPD_BENCH_MB")); err == nil && mb > 0 {
		return int64(mb) << 20
	}
	return 256 << 20
}

// TestDataPathClient is the client process of the benchmarks; it does
// nothing in a normal test run.
func TestDataPathClient(t *testing.T) {
	spec := os.Getenv(dataPathClientEnv)
	if spec == "" {
		t.Skip("client process of the data path benchmarks")
	}
	f := strings.Split(spec, " ")
	size, _ := strconv.ParseInt(f[2], 10, 64)
	conn, err := net.Dial("tcp", f[1])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	bufSize := 256 << 10
	if kb, err := strconv.Atoi(os.Getenv("LUAFTPD_BENCH_CLIENT_KB")); err == nil && kb > 0 {
		bufSize = kb << 10
	}
	buf := make([]byte, bufSize)
	if f[0] == "read" {
		for {
			if _, err := conn.Read(buf); err != nil {
				return
			}
		}
	}
	for size > 0 {
		n := min(size, int64(len(buf)))
		if _, err := conn.Write(buf[:n]); err != nil {
			t.Fatal(err)
		}
		size -= n
	}
}

// benchDir is tmpfs when there is one, so the disk does not set the pace.
func benchDir(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		d, err := os.MkdirTemp("/dev/shm", "luaftpd-bench")
		if err == nil {
			b.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return b.TempDir()
}

func benchSource(b *testing.B, size int64) *os.File {
	f, err := os.Create(benchDir(b) + "/src")
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for w := int64(0); w < size; w += int64(len(chunk)) {
		f.Write(chunk)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// runDataPath runs one transfer per iteration with the client doing mode
// ("read": the server sends, "write": the server receives) and reports
// throughput and the server's CPU seconds per GiB.
func runDataPath(b *testing.B, mode string, size int64, serve func(conn *net.TCPConn) error) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	b.SetBytes(size)
	b.ResetTimer()
	b.StopTimer()
	var cpu, wall float64
	for range b.N {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDataPathClient$", "-test.count=1")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", dataPathClientEnv, mode, ln.Addr(), size))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		conn, err := ln.AcceptTCP()
		if err != nil {
			b.Fatal(err)
		}
		c0, t0 := cpuSeconds(), time.Now()
		b.StartTimer()
		if err := serve(conn); err != nil {
			b.Fatal(err)
		}
		conn.Close()
		b.StopTimer()
		cpu += cpuSeconds() - c0
		wall += time.Since(t0).Seconds()
		cmd.Wait()
	}
	gib := float64(size) * float64(b.N) / (1 << 30)
	b.ReportMetric(cpu/gib, "cpu-s/GiB")
	b.ReportMetric(cpu/wall, "cpu/wall")
}

// loopCopy is copyData's loop with buffer size n, writing straight to the
// Write methods so no ReadFrom or WriteTo shortcut applies.
func loopCopy(dst io.Writer, src io.Reader, n int) error {
	buf := make([]byte, n)
	for {
		nr, err := src.Read(buf)
		if nr > 0 {
			if _, werr := dst.Write(buf[:nr]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func setCork(conn *net.TCPConn, on bool) {
	rc, _ := conn.SyscallConn()
	v := 0
	if on {
		v = 1
	}
	rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, v) })
}

func BenchmarkDataPathRETR(b *testing.B) {
	size := benchSize()
	src := benchSource(b, size)
	rewind := func() { src.Seek(0, io.SeekStart) }
	paths := map[string]func(*net.TCPConn) error{
		"loop-32k":  func(c *net.TCPConn) error { rewind(); return loopCopy(c, src, 32<<10) },
		"loop-128k": func(c *net.TCPConn) error { rewind(); return loopCopy(c, src, 128<<10) },
		"loop-256k": func(c *net.TCPConn) error { rewind(); return loopCopy(c, src, 256<<10) },
		"loop-1m":   func(c *net.TCPConn) error { rewind(); return loopCopy(c, src, 1<<20) },
		"loop-4m":   func(c *net.TCPConn) error { rewind(); return loopCopy(c, src, 4<<20) },
		"copyData": func(c *net.TCPConn) error {
			rewind()
			_, err := newDataTestSession(nil).copyData(c, src, c, false)
			return err
		},
		"sendfile": func(c *net.TCPConn) error { rewind(); _, err := io.Copy(c, src); return err },
		"sendfile-cork": func(c *net.TCPConn) error {
			rewind()
			setCork(c, true)
			_, err := io.Copy(c, src)
			setCork(c, false)
			return err
		},
	}
	for _, name := range []string{"loop-32k", "loop-128k", "loop-256k", "loop-1m", "loop-4m", "copyData", "sendfile", "sendfile-cork"} {
		b.Run(name, func(b *testing.B) { runDataPath(b, "read", size, paths[name]) })
	}
}

func BenchmarkDataPathSTOR(b *testing.B) {
	size := benchSize()
	dst, err := os.Create(benchDir(b) + "/dst")
	if err != nil {
		b.Fatal(err)
	}
	defer dst.Close()
	// By default every run overwrites the same pages of the file, so the
	// figures are the data path's alone: on a VM that hands freed memory
	// back to its host, a fresh page can cost more than the copy into it,
	// and that cost swings from run to run. LUAFTPD_BENCH_FRESH=1 truncates
	// the file before each run, as a new upload does.
	fresh := os.Getenv("LUAFTPD_BENCH_FRESH") != ""
	if !fresh {
		fill := make([]byte, 1<<20)
		for w := int64(0); w < size; w += int64(len(fill)) {
			dst.Write(fill)
		}
	}
	reset := func() {
		if fresh {
			dst.Truncate(0)
		}
		dst.Seek(0, io.SeekStart)
	}
	paths := map[string]func(*net.TCPConn) error{
		"loop-32k":        func(c *net.TCPConn) error { reset(); return loopCopy(dst, c, 32<<10) },
		"loop-256k":       func(c *net.TCPConn) error { reset(); return loopCopy(dst, c, 256<<10) },
		"loop-1m":         func(c *net.TCPConn) error { reset(); return loopCopy(dst, c, 1<<20) },
		"lowat-256k-128k": lowatCopy(reset, dst, 256<<10, 128<<10),
		"lowat-512k-256k": lowatCopy(reset, dst, 512<<10, 256<<10),
		"lowat-1m-256k":   lowatCopy(reset, dst, 1<<20, 256<<10),
		"lowat-1m-512k":   lowatCopy(reset, dst, 1<<20, 512<<10),
		"copyData": func(c *net.TCPConn) error {
			reset()
			_, err := newDataTestSession(nil).copyData(dst, c, c, true)
			return err
		},
		"splice": func(c *net.TCPConn) error { reset(); _, err := dst.ReadFrom(c); return err },
		"splice-lowat": func(c *net.TCPConn) error {
			reset()
			setLowat(c, 128<<10)
			_, err := dst.ReadFrom(c)
			return err
		},
	}
	names := []string{"loop-32k", "loop-256k", "loop-1m", "lowat-256k-128k", "lowat-512k-256k", "lowat-1m-256k", "lowat-1m-512k", "copyData", "splice", "splice-lowat"}
	for _, name := range names {
		b.Run(name, func(b *testing.B) { runDataPath(b, "write", size, paths[name]) })
	}
}

func lowatCopy(reset func(), dst io.Writer, buf, lowat int) func(*net.TCPConn) error {
	return func(c *net.TCPConn) error {
		reset()
		setLowat(c, lowat)
		return loopCopy(dst, c, buf)
	}
}

func setLowat(conn *net.TCPConn, n int) {
	rc, _ := conn.SyscallConn()
	rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, n) })
}

// benchServer serves a vfs.Local on tmpfs (when there is one) and returns
// a logged-in control connection.
func benchServer(b *testing.B) (*testServer, *ftpConn, string) {
	dir := benchDir(b)
	local, err := vfs.NewLocal(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { local.Close() })
	ts := startServer(b, func(s *Server) { s.FS = local })
	return ts, ts.loginAlice(b), dir
}

// BenchmarkServerRETR is RETR through the whole server, client included.
func BenchmarkServerRETR(b *testing.B) {
	const size = 64 << 20
	_, c, dir := benchServer(b)
	if err := os.WriteFile(dir+"/f", make([]byte, size), 0o644); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	b.SetBytes(size)
	for b.Loop() {
		dc := c.pasv()
		c.cmd(150, "RETR f")
		var n int64
		for {
			k, err := dc.Read(buf)
			n += int64(k)
			if err != nil {
				break
			}
		}
		dc.Close()
		c.expect(226)
		if n != size {
			b.Fatalf("RETR moved %d bytes", n)
		}
	}
}

// BenchmarkServerSTOR is STOR through the whole server, client included.
func BenchmarkServerSTOR(b *testing.B) {
	const size = 64 << 20
	_, c, _ := benchServer(b)
	buf := make([]byte, 256<<10)
	b.SetBytes(size)
	for b.Loop() {
		dc := c.pasv()
		c.cmd(150, "STOR f")
		for n := 0; n < size; n += len(buf) {
			if _, err := dc.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		dc.Close()
		c.expect(226)
	}
}
