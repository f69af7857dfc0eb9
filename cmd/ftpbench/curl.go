package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// curlRetr downloads -file with curl into /dev/null and returns curl's own
// average speed in MB/s. curl times the whole session, login included.
func curlRetr(o *options) (float64, error) {
	args := append(o.curlArgs(), "-o", "/dev/null",
		"-w", "%{speed_download} %{size_download}", o.url(o.file))
	speed, size, err := runCurl(args)
	if err != nil {
		return 0, err
	}
	if size != o.size {
		return 0, fmt.Errorf("curl RETR %s: got %d bytes, want %d", o.file, size, o.size)
	}
	return speed / 1e6, nil
}

// curlStor uploads the local file -src to -file with curl.
func curlStor(o *options) (float64, error) {
	if o.src == "" {
		return 0, fmt.Errorf("stor with -curl needs -src FILE")
	}
	args := append(o.curlArgs(), "-T", o.src,
		"-w", "%{speed_upload} %{size_upload}", o.url(o.file))
	speed, size, err := runCurl(args)
	if err != nil {
		return 0, err
	}
	if size != o.size {
		return 0, fmt.Errorf("curl STOR %s: sent %d bytes, want %d", o.file, size, o.size)
	}
	return speed / 1e6, nil
}

func (o *options) curlArgs() []string {
	args := []string{"-sS", "--max-time", strconv.Itoa(int(transferTTL.Seconds())),
		"--user", o.user + ":" + o.pass}
	if o.useTLS {
		args = append(args, "--ssl-reqd", "-k")
	}
	return append(args, strings.Fields(o.curlExtra)...)
}

func (o *options) url(name string) string {
	return "ftp://" + o.addr + "/" + name
}

// runCurl runs curl and parses the "-w" output "SPEED SIZE".
func runCurl(args []string) (float64, int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), transferTTL)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return 0, 0, fmt.Errorf("curl: %v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return 0, 0, fmt.Errorf("curl: %w", err)
	}
	return parseCurlOutput(string(out))
}

// parseCurlOutput reads "SPEED SIZE" as curl's -w prints them; curl 7.88
// prints integers, newer versions may print a fraction.
func parseCurlOutput(s string) (float64, int64, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return 0, 0, fmt.Errorf("curl: unexpected output %q", s)
	}
	speed, err1 := strconv.ParseFloat(f[0], 64)
	size, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || speed <= 0 {
		return 0, 0, fmt.Errorf("curl: unexpected output %q", s)
	}
	return speed, int64(size), nil
}
