package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"
)

// options is the serve command line after the config file was merged in.
type options struct {
	listen, root, scripts, config string
	users                         userList
	usersFile                     string
	anonymous                     bool
	pasvPorts                     portRange
	publicHost                    string
	tlsCert, tlsKey               string
	tlsSelfSigned, requireTLS     bool
	implicitListen                string
	maxSessions, maxSessionsPerIP int
	idleTimeout                   time.Duration
	loginFailDelay                time.Duration
	hookTimeout, authTimeout      time.Duration
	runAs                         string
	logFormat, logLevel           string
	disableStock                  commaList

	// set names the options given on the command line or in the config
	// file, so that defaults that depend on others can be worked out.
	set map[string]bool
	// args is the command line these options came from, parsed again with
	// the config file to reload the users on SIGHUP.
	args []string
}

// newFlagSet declares the serve flags on o, with the defaults of DESIGN.md.
func newFlagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("luaftpd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs, stderr) }
	fs.StringVar(&o.listen, "listen", ":2121", "control `address`")
	fs.StringVar(&o.root, "root", "./data", "the `folder` served (created if missing)")
	fs.StringVar(&o.scripts, "scripts", "", "the scripts `folder` (default ./scripts if it exists)")
	fs.StringVar(&o.config, "config", "", "a Lua config `file` returning a table with the flags' names as keys")
	fs.Var(&o.users, "user", "a virtual user `NAME:PASSWORD[:ROOT]`, ROOT a folder under -root; repeatable")
	fs.StringVar(&o.usersFile, "users", "", "a users `file` written by 'luaftpd passwd'")
	fs.BoolVar(&o.anonymous, "anonymous", false, "allow anonymous/ftp read-only logins (default on only when no user is configured)")
	fs.Var(&o.pasvPorts, "pasv-ports", "passive port `range` such as 50000-50100 (default any free port)")
	fs.StringVar(&o.publicHost, "public-host", "", "the IPv4 `address` or host announced in PASV replies (default the control connection's local address)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate `file`; with -tls-key enables explicit FTPS (AUTH TLS)")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key `file`")
	fs.BoolVar(&o.tlsSelfSigned, "tls-self-signed", false, "enable FTPS with a certificate generated at start")
	fs.StringVar(&o.implicitListen, "implicit-listen", "", "an implicit FTPS `address` such as :990 (default off)")
	fs.BoolVar(&o.requireTLS, "require-tls", false, "refuse login and data transfer without TLS")
	fs.IntVar(&o.maxSessions, "max-sessions", 1000, "most concurrent sessions (0: no limit)")
	fs.IntVar(&o.maxSessionsPerIP, "max-sessions-per-ip", 100, "most concurrent sessions from one address (0: no limit)")
	fs.DurationVar(&o.idleTimeout, "idle-timeout", 15*time.Minute, "close sessions idle this long, never during a transfer (0: never)")
	fs.DurationVar(&o.loginFailDelay, "login-fail-delay", time.Second, "wait before answering a failed login once its address failed 5 times in 10 minutes (0: never)")
	fs.DurationVar(&o.hookTimeout, "hook-timeout", time.Second, "time budget of a Lua command or event handler")
	fs.DurationVar(&o.authTimeout, "auth-timeout", 5*time.Second, "time budget of a Lua ftp.auth handler")
	fs.StringVar(&o.runAs, "run-as", "", "drop to this system `user` after binding")
	fs.StringVar(&o.logFormat, "log-format", "", "log `format`: text or json (default text on a terminal, else json)")
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.Var(&o.disableStock, "disable-stock", "comma-separated `names` of stock scripts not to load")
	return fs
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `Usage:
  luaftpd [flags]              serve
  luaftpd check [DIR]          compile and load the scripts, print every error, exit 1 on any
  luaftpd passwd FILE USER     add or change a user in a users file (password asked at a terminal, else read from stdin)
  luaftpd passwd -d FILE USER  remove a user from a users file
  luaftpd version              print the version

Flags:
`)
	fs.PrintDefaults()
}

// parseOptions parses the serve command line, merges the config file into
// it (the command line wins), works out the defaults that depend on other
// options and checks the whole.
func parseOptions(args []string, stderr io.Writer, stderrIsTerminal bool) (*options, error) {
	o, err := readOptions(args, stderr, stderrIsTerminal)
	if err != nil {
		return nil, err
	}
	return o, o.validate()
}

// readOptions is parseOptions without the final checks, some of which
// (-public-host, -run-as) ask the system: a reload of the users needs none
// of them to succeed.
func readOptions(args []string, stderr io.Writer, stderrIsTerminal bool) (*options, error) {
	o := &options{set: map[string]bool{}, args: args}
	fs := newFlagSet(o, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsagePrinted, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (subcommands: check, passwd, version)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if o.config != "" {
		if err := applyConfigFile(fs, o, o.config); err != nil {
			return nil, err
		}
	}
	o.fillDefaults(stderrIsTerminal)
	return o, nil
}

// fillDefaults sets the options whose default depends on the machine or
// on other options.
func (o *options) fillDefaults(stderrIsTerminal bool) {
	if !o.set["scripts"] {
		if st, err := os.Stat("scripts"); err == nil && st.IsDir() {
			o.scripts = "./scripts"
		}
	}
	if !o.set["anonymous"] {
		o.anonymous = len(o.users) == 0 && o.usersFile == ""
	}
	if o.logFormat == "" {
		o.logFormat = "json"
		if stderrIsTerminal {
			o.logFormat = "text"
		}
	}
}

// validate reports the first option that is wrong, or a combination that
// cannot work.
func (o *options) validate() error {
	checks := []func() error{
		o.validateAddrs, o.validateTLS, o.validateLimits, o.validateLogging, o.validateHost, o.validateRunAs,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateAddrs checks the form HOST:PORT of the listen addresses, so a
// typo is a usage error rather than a failure to bind.
func (o *options) validateAddrs() error {
	for _, a := range []struct{ flag, addr string }{{"-listen", o.listen}, {"-implicit-listen", o.implicitListen}} {
		if a.addr == "" && a.flag == "-implicit-listen" {
			continue
		}
		_, port, err := net.SplitHostPort(a.addr)
		if err != nil {
			return fmt.Errorf("%s %q: want HOST:PORT or :PORT", a.flag, a.addr)
		}
		if _, err := net.LookupPort("tcp", port); err != nil {
			return fmt.Errorf("%s %q: %v", a.flag, a.addr, err)
		}
	}
	return nil
}

func (o *options) tlsEnabled() bool { return o.tlsCert != "" || o.tlsSelfSigned }

func (o *options) validateTLS() error {
	switch {
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return errors.New("-tls-cert and -tls-key go together")
	case o.tlsCert != "" && o.tlsSelfSigned:
		return errors.New("-tls-self-signed and -tls-cert exclude each other")
	case o.implicitListen != "" && !o.tlsEnabled():
		return errors.New("-implicit-listen needs -tls-cert/-tls-key or -tls-self-signed")
	case o.requireTLS && !o.tlsEnabled():
		return errors.New("-require-tls needs -tls-cert/-tls-key or -tls-self-signed")
	}
	return nil
}

func (o *options) validateLimits() error {
	switch {
	case o.maxSessions < 0:
		return errors.New("-max-sessions must be 0 or more")
	case o.maxSessionsPerIP < 0:
		return errors.New("-max-sessions-per-ip must be 0 or more")
	case o.idleTimeout < 0:
		return errors.New("-idle-timeout must be 0 or more")
	case o.loginFailDelay < 0:
		return errors.New("-login-fail-delay must be 0 or more")
	case o.hookTimeout <= 0:
		return errors.New("-hook-timeout must be more than 0")
	case o.authTimeout <= 0:
		return errors.New("-auth-timeout must be more than 0")
	}
	return nil
}

func (o *options) validateLogging() error {
	if o.logFormat != "text" && o.logFormat != "json" {
		return fmt.Errorf("-log-format %q: want text or json", o.logFormat)
	}
	if _, err := parseLevel(o.logLevel); err != nil {
		return err
	}
	return nil
}

// validateHost resolves -public-host once, at start: PASV announces an IPv4
// address, so a name must have one.
func (o *options) validateHost() error {
	if o.publicHost == "" {
		return nil
	}
	ip, err := resolveIPv4(o.publicHost)
	if err != nil {
		return fmt.Errorf("-public-host %q: %v", o.publicHost, err)
	}
	o.publicHost = ip
	return nil
}

func resolveIPv4(host string) (string, error) {
	if ip := net.ParseIP(host); ip != nil {
		if ip.To4() == nil {
			return "", errors.New("PASV can announce only an IPv4 address")
		}
		return ip.To4().String(), nil
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return "", err
	}
	for _, ip := range ips {
		if ip4 := ip.To4(); ip4 != nil {
			return ip4.String(), nil
		}
	}
	return "", errors.New("no IPv4 address")
}

func (o *options) validateRunAs() error {
	if o.runAs == "" {
		return nil
	}
	if err := runAsSupported(); err != nil {
		return fmt.Errorf("-run-as %q: %v", o.runAs, err)
	}
	if _, err := user.Lookup(o.runAs); err != nil {
		return fmt.Errorf("-run-as %q: %v", o.runAs, err)
	}
	return nil
}

// portRange is the -pasv-ports value, "MIN-MAX"; zero means any free port.
type portRange struct{ min, max int }

func (p *portRange) String() string {
	if p == nil || p.min == 0 {
		return ""
	}
	return fmt.Sprintf("%d-%d", p.min, p.max)
}

func (p *portRange) Set(s string) error {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return errors.New("want MIN-MAX, such as 50000-50100")
	}
	min, err1 := strconv.Atoi(strings.TrimSpace(lo))
	max, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || min < 1 || max > 65535 || min > max {
		return errors.New("want MIN-MAX with 1 <= MIN <= MAX <= 65535")
	}
	p.min, p.max = min, max
	return nil
}

// commaList is a flag holding a comma-separated list; each use adds to it.
type commaList []string

func (c *commaList) String() string { return strings.Join(*c, ",") }

func (c *commaList) Set(s string) error {
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*c = append(*c, item)
		}
	}
	return nil
}
