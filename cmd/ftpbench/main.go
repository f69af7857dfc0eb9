package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// options holds the command line.
type options struct {
	addr, user, pass string
	useTLS           bool
	mode             string
	file             string
	src              string
	size             int64
	repeat           int
	clients          int
	duration         time.Duration
	rounds           int
	roundSize        int64
	sessions         int
	proc             string
	pids             string
	settle           time.Duration
	curl             bool
	curlExtra        string
	label            string
	metric           string
	out              string
	in               string
	timeout          time.Duration
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "ftpbench:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "ftpbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ftpbench", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:2121", "server control address")
	fs.StringVar(&o.user, "user", "bench", "login name")
	fs.StringVar(&o.pass, "pass", "bench", "password")
	fs.BoolVar(&o.useTLS, "tls", false, "explicit FTPS: AUTH TLS, PROT P (certificate not verified)")
	fs.StringVar(&o.mode, "mode", "retr", "retr, stor, login, rounds, idle or table")
	fs.StringVar(&o.file, "file", "big.bin", "remote file name for retr and stor")
	fs.StringVar(&o.src, "src", "", "local file curl uploads in stor mode")
	size := fs.String("size", "1G", "stor: bytes to upload; retr: bytes expected (K, M, G are powers of 1024)")
	fs.IntVar(&o.repeat, "repeat", 1, "how many times to measure (each result is printed)")
	fs.IntVar(&o.clients, "clients", 0, "concurrent clients (default 8 for login, 50 for rounds)")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "login: how long to run")
	fs.IntVar(&o.rounds, "rounds", 20, "rounds: STOR+RETR+DELE rounds per client")
	rsize := fs.String("round-size", "1M", "rounds: file size")
	fs.IntVar(&o.sessions, "sessions", 500, "idle: logged-in sessions to hold open")
	fs.StringVar(&o.proc, "proc", "", "idle, retr, stor: server process name (/proc/PID/comm), every match counts")
	fs.StringVar(&o.pids, "pids", "", "idle, retr, stor: comma-separated server PIDs (with their descendants)")
	fs.DurationVar(&o.settle, "settle", 2*time.Second, "idle: wait before reading memory")
	fs.BoolVar(&o.curl, "curl", false, "retr/stor: transfer with curl and report its speed")
	fs.StringVar(&o.curlExtra, "curl-args", "", "extra curl arguments, space-separated")
	fs.StringVar(&o.label, "label", "server", "column name for this server in -out")
	fs.StringVar(&o.metric, "metric", "", "row name in -out (default derived from the mode)")
	fs.StringVar(&o.out, "out", "", "append results as TSV rows: label, metric, value")
	fs.StringVar(&o.in, "in", "", "table: the TSV file to summarise (medians)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-command I/O timeout")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var err error
	if o.size, err = parseSize(*size); err != nil {
		return nil, err
	}
	if o.roundSize, err = parseSize(*rsize); err != nil {
		return nil, err
	}
	if o.clients == 0 {
		o.clients = map[string]int{"rounds": 50}[o.mode]
		if o.clients == 0 {
			o.clients = 8
		}
	}
	if o.repeat < 1 || o.repeat > 100 {
		return nil, fmt.Errorf("-repeat must be 1..100")
	}
	return o, nil
}

// tlsConfig is shared by the control and data connections so the data
// connection resumes the control connection's session, as servers demand.
func (o *options) tlsConfig() *tls.Config {
	if !o.useTLS {
		return nil
	}
	return &tls.Config{
		InsecureSkipVerify: true,
		ServerName:         "ftpbench", // one cache key for every port
		ClientSessionCache: tls.NewLRUClientSessionCache(64),
	}
}

// result is one figure; an empty metric means the mode's own (metricName).
type result struct {
	metric string
	value  float64
}

func run(o *options) error {
	if o.mode == "table" {
		return printTable(o.in, os.Stdout)
	}
	measure, ok := map[string]func(*options) ([]result, error){
		"retr":   measureRetr,
		"stor":   measureStor,
		"login":  one(measureLogin),
		"rounds": one(measureRounds),
		"idle":   one(measureIdle),
	}[o.mode]
	if !ok {
		return fmt.Errorf("unknown -mode %q", o.mode)
	}
	var failed error
	for i := 0; i < o.repeat; i++ {
		rs, err := measure(o)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %s: run %d: %v\n", o.label, o.metricName(), i+1, err)
			failed = err
			record(o, o.metricName(), "fail")
			continue
		}
		for _, r := range rs {
			if r.metric == "" {
				r.metric = o.metricName()
			}
			fmt.Printf("%s\t%s\t%.2f\n", o.label, r.metric, r.value)
			record(o, r.metric, fmt.Sprintf("%.3f", r.value))
		}
	}
	return failed
}

// one adapts a measurement with a single figure.
func one(f func(*options) (float64, error)) func(*options) ([]result, error) {
	return func(o *options) ([]result, error) {
		v, err := f(o)
		return []result{{value: v}}, err
	}
}

// metricName is the row name of this measurement in the summary table.
func (o *options) metricName() string {
	if o.metric != "" {
		return o.metric
	}
	sec := "plain"
	if o.useTLS {
		sec = "explicit TLS"
	}
	tool := "ftpbench"
	if o.curl {
		tool = "curl"
	}
	switch o.mode {
	case "retr", "stor":
		return fmt.Sprintf("%s %s %s (%s), MB/s", strings.ToUpper(o.mode), formatSize(o.size), sec, tool)
	case "retr-cpu", "stor-cpu":
		return fmt.Sprintf("%s %s: server CPU, s per GiB", strings.ToUpper(o.mode[:4]), sec)
	case "login":
		return fmt.Sprintf("login+QUIT %s, %d clients, sessions/s", sec, o.clients)
	case "rounds":
		return fmt.Sprintf("%d clients × (STOR+RETR+DELE of %s) %s, rounds/s", o.clients, formatSize(o.roundSize), sec)
	case "idle":
		return fmt.Sprintf("memory per idle logged-in session (%d sessions), KiB", o.sessions)
	}
	return o.mode
}

// record appends one result row to -out, if set.
func record(o *options, metric, value string) {
	if o.out == "" {
		return
	}
	f, err := os.OpenFile(o.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ftpbench:", err)
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\t%s\t%s\n", o.label, metric, value)
}
