package core

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// localServer logs in to startLocalServer's vfs.Local on a temporary folder,
// where uploads go through the same file code as in production.
func localServer(t *testing.T) (*ftpConn, string) {
	t.Helper()
	ts, dir := startLocalServer(t)
	return ts.loginAlice(t), dir
}

func readDisk(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "<missing>"
	}
	return string(b)
}

// bothReads runs test with recvLoop reading a socket detached from the
// first byte (where it can) and reading through the poller.
func bothReads(t *testing.T, test func(t *testing.T)) {
	t.Run("detached", func(t *testing.T) {
		detachAfter = 0
		t.Cleanup(func() { detachAfter = recvDetachAfter })
		test(t)
	})
	t.Run("poller", func(t *testing.T) {
		detachUploads = false
		t.Cleanup(func() { detachUploads = true })
		test(t)
	})
}

func TestUploadsToLocalFiles(t *testing.T) { bothReads(t, uploadsToLocalFiles) }

// Uploads to local files, every kind: larger than the loop's buffer and
// low-water mark, resumed, appended, empty, TYPE A.
func uploadsToLocalFiles(t *testing.T) {
	c, dir := localServer(t)
	big := binaryData(3*recvBufSize + 12345)
	c.store("big", big)
	if got := readDisk(t, dir, "big"); got != big {
		t.Fatalf("STOR of %d bytes stored %d, or different ones", len(big), len(got))
	}

	c.cmd(350, "REST 1000")
	c.store("big", "tail")
	if got := readDisk(t, dir, "big"); got != big[:1000]+"tail" {
		t.Fatalf("REST 1000 + STOR left %d bytes", len(got))
	}

	dc := c.pasv()
	c.cmd(150, "APPE big")
	io.WriteString(dc, "+more")
	dc.Close()
	c.expect(226)
	if got := readDisk(t, dir, "big"); got != big[:1000]+"tail+more" {
		t.Fatalf("APPE left %d bytes ending %q", len(got), got[max(0, len(got)-10):])
	}

	c.store("empty", "")
	if got := readDisk(t, dir, "empty"); got != "" {
		t.Fatalf("empty STOR left %q", got)
	}

	c.cmd(200, "TYPE A")
	c.store("text", "one\r\ntwo\r\n")
	c.cmd(200, "TYPE I")
	if got := readDisk(t, dir, "text"); got != "one\ntwo\n" {
		t.Fatalf("TYPE A STOR left %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("folder holds %d entries, want big, empty and text (no upload file left)", len(entries))
	}
}

// A small upload reads through the poller to the end; a large one detaches
// its socket once it has moved recvDetachAfter bytes, and is stored whole.
func TestUploadDetachesOnlyWhenLarge(t *testing.T) {
	c, dir := localServer(t)
	before := uploadsDetached.Load()
	small := binaryData(recvBufSize + 1)
	c.store("small", small)
	if n := uploadsDetached.Load() - before; n != 0 {
		t.Fatalf("a %d-byte upload detached its socket (%d)", len(small), n)
	}
	if got := readDisk(t, dir, "small"); got != small {
		t.Fatalf("small STOR stored %d bytes, or different ones", len(got))
	}
	big := binaryData(recvDetachAfter + recvBufSize + 777)
	c.store("big", big)
	if n := uploadsDetached.Load() - before; n != 1 {
		t.Fatalf("a %d-byte upload detached %d times, want once", len(big), n)
	}
	if got := readDisk(t, dir, "big"); got != big {
		t.Fatalf("big STOR stored %d bytes, or different ones", len(got))
	}
	if n := detached.Load(); n != 0 {
		t.Fatalf("%d uploads still counted as detached after the 226", n)
	}
}

func TestAbortUploadToLocalKeepsOldFile(t *testing.T) {
	bothReads(t, abortUploadToLocalKeepsOldFile)
}

func abortUploadToLocalKeepsOldFile(t *testing.T) {
	c, dir := localServer(t)
	c.store("f", "the good old file")
	dc := c.pasv()
	c.cmd(150, "STOR f")
	if _, err := io.WriteString(dc, strings.Repeat("new ", recvLowat)); err != nil {
		t.Fatal(err)
	}
	c.cmd(426, "ABOR")
	c.expect(226)
	if got := readDisk(t, dir, "f"); got != "the good old file" {
		t.Fatalf("aborted STOR left %d bytes", len(got))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("folder holds %d entries after ABOR, want the old file only", len(entries))
	}
	c.cmd(200, "NOOP")
}

func TestUploadBelowLowWaterMark(t *testing.T) { bothReads(t, uploadBelowLowWaterMark) }

// A client that sends less than the low-water mark and waits still has its
// bytes taken (and counted by STAT) without sending more or closing.
func uploadBelowLowWaterMark(t *testing.T) {
	c, dir := localServer(t)
	dc := c.pasv()
	c.cmd(150, "STOR slow")
	io.WriteString(dc, "first ")
	deadline := time.Now().Add(5 * time.Second)
	for {
		msg := c.cmd(213, "STAT")
		if strings.Contains(msg, "Status: 6 bytes transferred.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("STAT still says %q: bytes below the low-water mark not taken", msg)
		}
	}
	io.WriteString(dc, "second")
	dc.Close()
	c.expect(226)
	if got := readDisk(t, dir, "slow"); got != "first second" {
		t.Fatalf("slow STOR left %q", got)
	}
}

func TestStalledUploadAfterSomeData(t *testing.T) { bothReads(t, stalledUploadAfterSomeData) }

// The stall bound holds even though the loop's reads time out far sooner:
// a client that sends a little and then nothing gets 426.
func stalledUploadAfterSomeData(t *testing.T) {
	old := dataStallTimeout
	dataStallTimeout = 300 * time.Millisecond
	t.Cleanup(func() { dataStallTimeout = old })
	c, dir := localServer(t)
	c.store("f", "old")
	dc := c.pasv()
	c.cmd(150, "STOR f")
	io.WriteString(dc, "some")
	start := time.Now()
	c.expect(426)
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("426 after %v, before the stall timeout", d)
	}
	if got := readDisk(t, dir, "f"); got != "old" {
		t.Fatalf("stalled STOR left %q", got)
	}
}

func TestQuitDuringUpload(t *testing.T) { bothReads(t, quitDuringUpload) }

// QUIT while an upload runs and the client keeps its data connection open
// ends the upload (426), discards it, and closes the session.
func quitDuringUpload(t *testing.T) {
	c, dir := localServer(t)
	c.store("f", "old")
	dc := c.pasv()
	c.cmd(150, "STOR f")
	io.WriteString(dc, "some")
	c.cmd(426, "QUIT")
	c.expect(221)
	if got := readDisk(t, dir, "f"); got != "old" {
		t.Fatalf("STOR cut by QUIT left %q", got)
	}
}

// An abort that lands after its transfer ended does not block the next one.
func TestLateAbortDoesNotBlockNextTransfer(t *testing.T) {
	var d dataState
	if !d.start() || d.aborted() {
		t.Fatal("first transfer did not start clean")
	}
	d.end()
	d.abort() // the cancelled request's AfterFunc, late
	if d.running() {
		t.Fatal("a late abort marks a transfer running")
	}
	if !d.start() {
		t.Fatal("a late abort blocks the next transfer")
	}
	if d.aborted() {
		t.Fatal("the next transfer starts aborted")
	}
	if d.start() {
		t.Fatal("two transfers at once")
	}
}
