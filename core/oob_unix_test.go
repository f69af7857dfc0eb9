//go:build unix

package core

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sendUrgent writes b as TCP urgent data, as Python's ftplib sends ABOR:
// the last byte becomes the urgent byte.
func (c *ftpConn) sendUrgent(b string) {
	c.T.Helper()
	rc, err := c.NC.(*net.TCPConn).SyscallConn()
	if err != nil {
		c.T.Fatal(err)
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), []byte(b), unix.MSG_OOB, nil)
		return serr != unix.EAGAIN
	}); err != nil || serr != nil {
		c.T.Fatal(err, serr)
	}
}

// ABOR sent as urgent data (ftplib's abort) and the Synch sent the Telnet
// way with its IAC urgent (lftp's) both stop a transfer at once.
func TestABORAsUrgentData(t *testing.T) {
	ts := startServer(t)
	for _, send := range []func(c *ftpConn){
		func(c *ftpConn) { c.sendUrgent("ABOR\r\n") },
		func(c *ftpConn) { c.sendUrgent("\xff\xf4\xff"); c.raw("\xf2ABOR\r\n") },
	} {
		c := ts.loginAlice(t)
		startUpload(t, c)
		c.NC.SetDeadline(time.Now().Add(5 * time.Second))
		send(c)
		c.expect(426)
		if msg := c.expect(226); msg != "ABOR successful." {
			t.Errorf("after 426: %q", msg)
		}
		c.cmd(200, "NOOP")
	}
}
