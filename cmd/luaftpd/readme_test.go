package main

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

// TestReadmeMatches keeps README.md honest: every serve flag is in its
// table, and its test command is the one CI runs.
func TestReadmeMatches(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	fs := newFlagSet(&options{}, io.Discard)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(string(readme), "`-"+f.Name+"`") {
			t.Errorf("README.md does not document -%s", f.Name)
		}
	})
	const testLine = "go test -race ./..."
	if !strings.Contains(string(readme), "\n"+testLine+"\n") {
		t.Errorf("README.md lacks the test command %q", testLine)
	}
	if !strings.Contains(string(ci), "\n"+testLine+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", testLine)
	}
}
