package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestParseEPSV(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		port int
		ok   bool
	}{
		{"Entering Extended Passive Mode (|||6446|)", 6446, true},
		{"EPSV ok (!!!50001!)", 50001, true},
		{"Entering Extended Passive Mode (|||0|)", 0, false},
		{"Entering Extended Passive Mode (|||70000|)", 0, false},
		{"Entering Extended Passive Mode (||6446|)", 0, false},
		{"Entering Extended Passive Mode", 0, false},
		{"(|||abc|)", 0, false},
	} {
		port, err := parseEPSV(tc.msg)
		if (err == nil) != tc.ok || port != tc.port {
			t.Errorf("parseEPSV(%q) = %d, %v; want %d, ok=%v", tc.msg, port, err, tc.port, tc.ok)
		}
	}
}

func TestParsePASV(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		host string
		port int
		ok   bool
	}{
		{"Entering Passive Mode (127,0,0,1,195,80).", "127.0.0.1", 50000, true},
		{"Entering Passive Mode 10,1,2,3,0,21", "10.1.2.3", 21, true},
		{"Entering Passive Mode (127,0,0,1,300,1)", "", 0, false},
		{"Entering Passive Mode (127,0,0,1,195)", "", 0, false},
		{"no numbers", "", 0, false},
	} {
		host, port, err := parsePASV(tc.msg)
		if (err == nil) != tc.ok || host != tc.host || port != tc.port {
			t.Errorf("parsePASV(%q) = %q, %d, %v; want %q, %d, ok=%v",
				tc.msg, host, port, err, tc.host, tc.port, tc.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1G", 1 << 30, true}, {"1GiB", 1 << 30, true}, {"512m", 512 << 20, true},
		{"64K", 64 << 10, true}, {"1000", 1000, true}, {"0", 0, true},
		{"", 0, false}, {"G", 0, false}, {"-1", 0, false}, {"1T", 0, false},
		{"99999999G", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for n, want := range map[int64]string{1 << 30: "1 GiB", 1 << 20: "1 MiB", 3 << 10: "3 KiB", 1000: "1000 B"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParsePss(t *testing.T) {
	rollup := "55d4c000-7ffd1000 ---p 00000000 00:00 0 [rollup]\n" +
		"Rss:                5120 kB\nPss:                1234 kB\nPss_Anon:            800 kB\n"
	got, err := parsePss(strings.NewReader(rollup))
	if err != nil || got != 1234 {
		t.Errorf("parsePss = %d, %v; want 1234", got, err)
	}
	if _, err := parsePss(strings.NewReader("Rss: 1 kB\n")); err == nil {
		t.Error("parsePss without a Pss line: want an error")
	}
}

func TestParseStat(t *testing.T) {
	stat := "4242 (pure-ftpd (SERVER)) S 17 4242 4242 0 -1 4194560 " +
		"120 0 0 0 31 12 5 2 20 0 1 0 1234 5000000 300\n"
	p, err := parseStat(stat)
	if err != nil || p != (procInfo{pid: 4242, ppid: 17, comm: "pure-ftpd (SERVER)", ticks: 50}) {
		t.Errorf("parseStat = %+v, %v", p, err)
	}
	for _, bad := range []string{"", "x (a) S 1", "12 (a)", "12 (a) S x 1 1 0 -1 0 0 0 0 0 1 2 3 4",
		"12 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 3", "12 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 3 x"} {
		if _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat(%q): want an error", bad)
		}
	}
}

func TestWithDescendants(t *testing.T) {
	procs := []procInfo{{1, 0, "init", 0}, {10, 1, "vsftpd", 0}, {11, 10, "vsftpd", 0},
		{12, 11, "vsftpd", 0}, {20, 1, "bash", 0}, {21, 20, "sleep", 0}}
	got := withDescendants(procs, map[int]bool{10: true})
	if want := []int{10, 11, 12}; !slices.Equal(got, want) {
		t.Errorf("withDescendants = %v, want %v", got, want)
	}
}

func TestParseCurlOutput(t *testing.T) {
	speed, size, err := parseCurlOutput("1398123456 1073741824")
	if err != nil || speed != 1398123456 || size != 1<<30 {
		t.Errorf("parseCurlOutput = %v, %d, %v", speed, size, err)
	}
	for _, bad := range []string{"", "12", "0 100", "x 1"} {
		if _, _, err := parseCurlOutput(bad); err == nil {
			t.Errorf("parseCurlOutput(%q): want an error", bad)
		}
	}
}

func TestTable(t *testing.T) {
	in := "vsftpd\tRETR, MB/s\t1400\n" +
		"vsftpd\tRETR, MB/s\t1300\n" +
		"vsftpd\tRETR, MB/s\t1500\n" +
		"luaftpd\tRETR, MB/s\t2000\n" +
		"luaftpd\tRETR, MB/s\tfail\n" +
		"vsftpd\tidle, KiB\t460.4\n" +
		"vsftpd\tidle, KiB\t3.25\n" +
		"vsftpd\tCPU, s\t0.256\n" +
		"vsftpd\tCPU, s\t0.25\n" +
		"vsftpd\tCPU, s\t0.3\n" +
		"luaftpd\tidle, KiB\tfail\n"
	res, err := readResults(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	res.writeTable(&b)
	want := "| | vsftpd | luaftpd |\n" +
		"| --- | --- | --- |\n" +
		"| RETR, MB/s | 1400 | 2000 (1 of 2 runs failed) |\n" +
		"| idle, KiB | 232 | fails |\n" +
		"| CPU, s | 0.26 |  |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	if _, err := readResults(strings.NewReader("a\tb\n")); err == nil {
		t.Error("a row with two fields: want an error")
	}
}
