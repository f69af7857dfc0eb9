package main

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// measureRetr downloads -file once and returns MB/s (10^6 bytes per second),
// timed from the data connection request to the final 226, and, when the
// server's processes are known (-proc, -pids), its CPU seconds per GiB.
func measureRetr(o *options) ([]result, error) {
	if o.curl {
		v, err := curlRetr(o)
		return []result{{value: v}}, err
	}
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := c.login(o.user, o.pass); err != nil {
		return nil, err
	}
	buf := make([]byte, bufSize)
	var n int64
	rs, err := timed(o, "retr-cpu", func() (int64, error) {
		var err error
		n, err = c.retr(o.file, buf)
		return n, err
	})
	if err == nil && n != o.size {
		err = fmt.Errorf("RETR %s: got %d bytes, want %d", o.file, n, o.size)
	}
	c.quit()
	return rs, err
}

// measureStor uploads -size bytes to a new -file once and returns MB/s,
// timed from the data connection request to the final 226 (the server has
// the file), and the server's CPU seconds per GiB as measureRetr does.
func measureStor(o *options) ([]result, error) {
	if o.curl {
		if err := deleteRemote(o, o.file); err != nil {
			return nil, err
		}
		v, err := curlStor(o)
		return []result{{value: v}}, err
	}
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return nil, err
	}
	defer c.close()
	if err := c.login(o.user, o.pass); err != nil {
		return nil, err
	}
	buf := payload(bufSize)
	c.cmd(2, "DELE %s", o.file) // a new file each time; a missing one is fine
	rs, err := timed(o, "stor-cpu", func() (int64, error) {
		return o.size, c.stor(o.file, o.size, buf)
	})
	c.quit()
	return rs, err
}

// timed runs one transfer and returns its MB/s and, with the server's
// processes known, the server's CPU seconds per GiB moved. The CPU is read
// while the session is still open, so a forking server's session process is
// still there to be counted.
func timed(o *options, cpuMode string, transfer func() (int64, error)) ([]result, error) {
	withCPU := o.proc != "" || o.pids != ""
	var cpu0 float64
	if withCPU {
		var err error
		if cpu0, err = serverCPU(o); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	n, err := transfer()
	elapsed := time.Since(start)
	if err != nil {
		return nil, err
	}
	rs := []result{{value: mbps(n, elapsed)}}
	if withCPU {
		cpu1, err := serverCPU(o)
		if err != nil {
			return nil, err
		}
		cpuOpts := *o
		cpuOpts.mode = cpuMode
		rs = append(rs, result{cpuOpts.metricName(), (cpu1 - cpu0) / (float64(n) / (1 << 30))})
	}
	return rs, nil
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
