package main

import (
	"flag"
	"fmt"
	"github.com/luaftpd/luaftpd/scripts"
	"io"
	"os"

	"github.com/luaftpd/luaftpd/hooks"
)

// runCheck is `luaftpd check [-disable-stock LIST] [DIR]`: it compiles and
// loads the scripts of DIR (./scripts if it exists, else the stock scripts
// alone) without serving and prints every error.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("luaftpd check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var disable commaList
	fs.Var(&disable, "disable-stock", "comma-separated `names` of stock scripts not to load")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: luaftpd check [-disable-stock LIST] [DIR]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return exitUsage
	}
	dir := fs.Arg(0)
	if dir == "" {
		if st, err := os.Stat("scripts"); err == nil && st.IsDir() {
			dir = "./scripts"
		}
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "luaftpd check: %s is not a folder\n", dir)
		return exitFail
	}
	errs := hooks.Check(hooks.Options{Dir: dir, Stock: scripts.FS(), Disable: disable})
	for _, err := range errs {
		fmt.Fprintln(stderr, err)
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "%d error(s)\n", len(errs))
		return exitFail
	}
	if dir == "" {
		dir = "stock scripts"
	}
	fmt.Fprintf(stdout, "%s: ok\n", dir)
	return exitOK
}
