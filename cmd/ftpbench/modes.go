package main

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// measureRetr downloads -file once and returns MB/s (10^6 bytes per second),
// timed from the data connection request to the final 226.
func measureRetr(o *options) (float64, error) {
	if o.curl {
		return curlRetr(o)
	}
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return 0, err
	}
	defer c.close()
	if err := c.login(o.user, o.pass); err != nil {
		return 0, err
	}
	buf := make([]byte, bufSize)
	start := time.Now()
	n, err := c.retr(o.file, buf)
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	if n != o.size {
		return 0, fmt.Errorf("RETR %s: got %d bytes, want %d", o.file, n, o.size)
	}
	c.quit()
	return mbps(n, elapsed), nil
}

// measureStor uploads -size bytes to -file once and returns MB/s, timed from
// the data connection request to the final 226 (the server has the file).
func measureStor(o *options) (float64, error) {
	if o.curl {
		if err := deleteRemote(o, o.file); err != nil {
			return 0, err
		}
		return curlStor(o)
	}
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return 0, err
	}
	defer c.close()
	if err := c.login(o.user, o.pass); err != nil {
		return 0, err
	}
	buf := payload(bufSize)
	c.cmd(2, "DELE %s", o.file) // a new file each time; a missing one is fine
	start := time.Now()
	if err := c.stor(o.file, o.size, buf); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	c.quit()
	return mbps(o.size, elapsed), nil
}

// deleteRemote removes name if it exists, so an upload writes a new file
// rather than paying for truncating an old one.
func deleteRemote(o *options, name string) error {
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.login(o.user, o.pass); err != nil {
		return err
	}
	c.cmd(2, "DELE %s", name)
	return c.quit()
}

func mbps(n int64, d time.Duration) float64 {
	return float64(n) / 1e6 / d.Seconds()
}

// measureLogin runs -clients loops of connect, greeting, USER, PASS, QUIT
// for -duration and returns completed sessions per second.
func measureLogin(o *options) (float64, error) {
	var done, failed atomic.Int64
	var firstErr error
	var once sync.Once
	stop := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < o.clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if err := loginOnce(o); err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		return 0, fmt.Errorf("%d of %d sessions failed, first: %w", f, f+done.Load(), firstErr)
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
}

func loginOnce(o *options) error {
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return err
	}
	defer c.close()
	if _, err := c.cmd(3, "USER %s", o.user); err != nil {
		return err
	}
	if _, err := c.cmd(2, "PASS %s", o.pass); err != nil {
		return err
	}
	return c.quit()
}

// measureRounds logs -clients sessions in, then has each run -rounds rounds
// of STOR, RETR (size checked) and DELE of its own -round-size file. The
// clock starts once every session is logged in; the result is rounds/s.
func measureRounds(o *options) (float64, error) {
	clients := make([]*client, 0, o.clients)
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	for i := 0; i < o.clients; i++ {
		c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
		if err != nil {
			return 0, err
		}
		clients = append(clients, c)
		if err := c.login(o.user, o.pass); err != nil {
			return 0, err
		}
	}
	data := payload(int(o.roundSize))
	errs := make([]error, len(clients))
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = clientRounds(c, i, o.rounds, data)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	for _, c := range clients {
		c.quit()
	}
	return float64(o.clients*o.rounds) / elapsed.Seconds(), nil
}

func clientRounds(c *client, id, rounds int, data []byte) error {
	buf := make([]byte, 64<<10)
	for r := 0; r < rounds; r++ {
		name := fmt.Sprintf("round-%d-%d.bin", id, r)
		if err := c.stor(name, int64(len(data)), data); err != nil {
			return err
		}
		n, err := c.retr(name, buf)
		if err != nil {
			return err
		}
		if n != int64(len(data)) {
			return fmt.Errorf("RETR %s: got %d bytes, want %d", name, n, len(data))
		}
		if _, err := c.cmd(2, "DELE %s", name); err != nil {
			return err
		}
	}
	return nil
}
