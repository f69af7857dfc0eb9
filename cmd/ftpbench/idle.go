package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// warmups is how many login+QUIT sessions run before the baseline, so
// one-time costs (lazy initialisation, first TLS keys) are not charged to
// the idle sessions.
const warmups = 8

// measureIdle opens -sessions logged-in sessions, waits -settle, and
// returns the growth of the server's summed Pss per session, in KiB. Pss
// splits shared pages between the processes sharing them, so summing it over
// a forking server's processes counts each page once.
func measureIdle(o *options) (float64, error) {
	if o.proc == "" && o.pids == "" {
		return 0, fmt.Errorf("idle needs -proc NAME or -pids LIST")
	}
	for i := 0; i < warmups; i++ {
		if err := loginOnce(o); err != nil {
			return 0, fmt.Errorf("warm-up: %w", err)
		}
	}
	time.Sleep(o.settle)
	before, nBefore, err := serverPss(o)
	if err != nil {
		return 0, err
	}
	sessions, err := openIdle(o)
	defer func() {
		for _, c := range sessions {
			c.quit()
		}
	}()
	if err != nil {
		return 0, err
	}
	time.Sleep(o.settle)
	after, nAfter, err := settledPss(o)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "%s: idle: %d sessions: Pss %d KiB in %d processes -> %d KiB in %d processes\n",
		o.label, len(sessions), before, nBefore, after, nAfter)
	return float64(after-before) / float64(len(sessions)), nil
}

// openIdle logs -sessions sessions in, a few at a time, and leaves them open.
func openIdle(o *options) ([]*client, error) {
	out := make([]*client, o.sessions)
	errs := make([]error, o.sessions)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ { // parallel, as some servers delay each login
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = idleSession(o)
			}
		}()
	}
	for i := range out {
		next <- i
	}
	close(next)
	wg.Wait()
	var open []*client
	var firstErr error
	for i, c := range out {
		if c != nil {
			open = append(open, c)
		} else if firstErr == nil {
			firstErr = fmt.Errorf("session %d: %w", i, errs[i])
		}
	}
	return open, firstErr
}

func idleSession(o *options) (*client, error) {
	c, err := dialFTP(o.addr, o.tlsConfig(), o.timeout)
	if err != nil {
		return nil, err
	}
	if err := c.login(o.user, o.pass); err != nil {
		c.close()
		return nil, err
	}
	c.conn.SetDeadline(time.Time{})
	return c, nil
}

// settledPss samples until two readings agree within 0.5% (at most 10).
func settledPss(o *options) (int64, int, error) {
	prev, n, err := serverPss(o)
	for i := 0; i < 10 && err == nil; i++ {
		time.Sleep(200 * time.Millisecond)
		var cur int64
		cur, n, err = serverPss(o)
		if diff := cur - prev; diff*200 < prev && -diff*200 < prev {
			return cur, n, err
		}
		prev = cur
	}
	return prev, n, err
}

// serverPss sums Pss (KiB) over the server's processes and their descendants.
func serverPss(o *options) (int64, int, error) {
	pids, err := serverPids(o)
	if err != nil {
		return 0, 0, err
	}
	if len(pids) == 0 {
		return 0, 0, fmt.Errorf("no server process found")
	}
	var sum int64
	for _, pid := range pids {
		kib, err := pssOf(pid)
		if err != nil {
			continue // the process ended between listing and reading
		}
		sum += kib
	}
	return sum, len(pids), nil
}

func pssOf(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parsePss(f)
}

// parsePss reads the "Pss:" line of smaps_rollup, in KiB.
func parsePss(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "Pss:" && f[2] == "kB" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no Pss line")
}

// procInfo is what ftpbench needs from /proc/PID/stat.
type procInfo struct {
	pid, ppid int
	comm      string
	ticks     int64 // CPU time: utime+stime+cutime+cstime, in clock ticks
}

// serverPids lists the processes named -proc or listed in -pids, and every
// descendant of those (forking servers run one or two processes per session).
func serverPids(o *options) ([]int, error) {
	procs, err := listProcs()
	if err != nil {
		return nil, err
	}
	return serverProcs(o, procs), nil
}

func serverProcs(o *options, procs []procInfo) []int {
	roots := map[int]bool{}
	for _, s := range strings.Split(o.pids, ",") {
		if pid, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			roots[pid] = true
		}
	}
	for _, p := range procs {
		if o.proc != "" && p.comm == o.proc {
			roots[p.pid] = true
		}
	}
	return withDescendants(procs, roots)
}

func withDescendants(procs []procInfo, roots map[int]bool) []int {
	in := map[int]bool{}
	for pid := range roots {
		in[pid] = true
	}
	for grew := true; grew; {
		grew = false
		for _, p := range procs {
			if !in[p.pid] && in[p.ppid] {
				in[p.pid] = true
				grew = true
			}
		}
	}
	var out []int
	for _, p := range procs {
		if in[p.pid] {
			out = append(out, p.pid)
		}
	}
	return out
}

// clockTicks is USER_HZ, 100 on every Linux port that matters here.
const clockTicks = 100

// serverCPU sums the CPU seconds the server's processes (and the children
// they have reaped) have used so far.
func serverCPU(o *options) (float64, error) {
	procs, err := listProcs()
	if err != nil {
		return 0, err
	}
	pids := serverProcs(o, procs)
	if len(pids) == 0 {
		return 0, fmt.Errorf("no server process found")
	}
	var ticks int64
	for _, p := range procs {
		if slices.Contains(pids, p.pid) {
			ticks += p.ticks
		}
	}
	return float64(ticks) / clockTicks, nil
}

func listProcs() ([]procInfo, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []procInfo
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		if p, err := parseStat(string(b)); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// parseStat reads pid, comm and ppid from /proc/PID/stat. comm is in
// parentheses and may itself hold spaces and parentheses, so the fields
// after it are found from the last ')'.
func parseStat(s string) (procInfo, error) {
	open := strings.IndexByte(s, '(')
	end := strings.LastIndexByte(s, ')')
	if open < 1 || end < open {
		return procInfo{}, fmt.Errorf("bad stat %q", s)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return procInfo{}, fmt.Errorf("bad stat pid %q", s)
	}
	rest := strings.Fields(s[end+1:]) // rest[0] is field 3, the state
	if len(rest) < 15 {
		return procInfo{}, fmt.Errorf("bad stat %q", s)
	}
	ppid, err := strconv.Atoi(rest[1])
	if err != nil {
		return procInfo{}, fmt.Errorf("bad stat ppid %q", s)
	}
	var ticks int64
	for _, f := range rest[11:15] { // utime, stime, cutime, cstime
		t, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return procInfo{}, fmt.Errorf("bad stat times %q", s)
		}
		ticks += t
	}
	return procInfo{pid: pid, ppid: ppid, comm: s[open+1 : end], ticks: ticks}, nil
}
