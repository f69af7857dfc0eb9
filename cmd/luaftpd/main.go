// Command luaftpd is an FTP and FTPS server whose behaviour is scripted by
// the Lua files of a folder.
//
//	luaftpd [flags]              serve
//	luaftpd check [DIR]          compile and load the scripts, print every error, exit 1 on any
//	luaftpd passwd FILE USER     add or change a user in a users file (password asked at a terminal, else read from stdin)
//	luaftpd passwd -d FILE USER  remove a user from a users file
//	luaftpd version              print the version (also -version, --version)
//	luaftpd help                 print this usage and the flags
//
// Exit status: 0 on success (and after a clean shutdown), 1 when something
// failed at run time, 2 for a bad command line or config file.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=..."; when it
// is not, the module version recorded in the binary is used.
var version = ""

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand, or serves, and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "check":
			return runCheck(args[1:], stdout, stderr)
		case "passwd":
			return runPasswd(args[1:], stdin, stderr)
		case "version", "-version", "--version":
			fmt.Fprintf(stdout, "luaftpd %s %s %s/%s\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return exitOK
		case "help":
			return runServe([]string{"-h"}, stderr)
		}
	}
	return runServe(args, stderr)
}

// versionString is the version the binary reports.
func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
