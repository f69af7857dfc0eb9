package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// results holds the rows of a -out file: values per metric per server, both
// in the order they first appear.
type results struct {
	servers, metrics []string
	values           map[[2]string][]string
}

// readResults parses TSV rows "server, metric, value"; value is a number or "fail".
func readResults(r io.Reader) (*results, error) {
	res := &results{values: map[[2]string][]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want 3 tab-separated fields, got %d", line, len(f))
		}
		if !slices.Contains(res.servers, f[0]) {
			res.servers = append(res.servers, f[0])
		}
		if !slices.Contains(res.metrics, f[1]) {
			res.metrics = append(res.metrics, f[1])
		}
		k := [2]string{f[0], f[1]}
		res.values[k] = append(res.values[k], f[2])
	}
	return res, sc.Err()
}

// cell is the median of the numeric values, "fails" when none succeeded,
// and notes how many runs failed or were missing out of the most any had.
func cell(vals []string) string {
	var nums []float64
	for _, v := range vals {
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			nums = append(nums, x)
		}
	}
	if len(nums) == 0 {
		if len(vals) == 0 {
			return ""
		}
		return "fails"
	}
	s := formatValue(median(nums))
	if bad := len(vals) - len(nums); bad > 0 {
		s += fmt.Sprintf(" (%d of %d runs failed)", bad, len(vals))
	}
	return s
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// formatValue keeps about three significant digits.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// writeTable prints a Markdown table: one row per metric, one column per server.
func (res *results) writeTable(w io.Writer) {
	fmt.Fprintf(w, "| | %s |\n", strings.Join(res.servers, " | "))
	fmt.Fprintf(w, "| --- |%s\n", strings.Repeat(" --- |", len(res.servers)))
	for _, m := range res.metrics {
		cells := make([]string, len(res.servers))
		for i, s := range res.servers {
			cells[i] = cell(res.values[[2]string{s, m}])
		}
		fmt.Fprintf(w, "| %s | %s |\n", m, strings.Join(cells, " | "))
	}
}

func printTable(path string, w io.Writer) error {
	if path == "" {
		return fmt.Errorf("table needs -in FILE")
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := readResults(f)
	if err != nil {
		return err
	}
	res.writeTable(w)
	return nil
}
