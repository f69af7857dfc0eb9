package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"github.com/luaftpd/luaftpd/scripts"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/hooks"
	"github.com/luaftpd/luaftpd/vfs"
)

// errUsagePrinted marks a command-line error the flag package has already
// explained on stderr.
var errUsagePrinted = errors.New("usage printed")

// runServe is `luaftpd [flags]`.
func runServe(args []string, stderr io.Writer) int {
	term := isTerminal(stderr)
	o, err := parseOptions(args, stderr, term)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsagePrinted):
		return exitUsage
	case err != nil:
		fmt.Fprintln(stderr, "luaftpd:", err)
		return exitUsage
	}
	logger, err := newLogger(stderr, o.logFormat, o.logLevel, term)
	if err != nil {
		fmt.Fprintln(stderr, "luaftpd:", err)
		return exitUsage
	}
	if err := serve(o, logger); err != nil {
		logger.Error("luaftpd stopped", "err", err)
		return exitFail
	}
	logger.Info("stopped")
	return exitOK
}

// listener is one bound address and how it speaks.
type listener struct {
	net.Listener
	implicitTLS bool
}

// serve builds the server, binds, drops privileges, serves until a signal
// and shuts down.
func serve(o *options, logger *slog.Logger) error {
	// The files reloaded on a change are looked at before they are read.
	usersWatch := watchFiles(o.usersFile, o.config)
	certWatch := watchFiles(o.tlsCert, o.tlsKey)
	srv, engine, certs, err := buildServer(o, logger)
	if err != nil {
		return err
	}
	if engine != nil {
		defer engine.Close()
	}
	if c, ok := srv.FS.(io.Closer); ok {
		defer c.Close()
	}
	lns, err := listen(o)
	if err != nil {
		return err
	}
	if o.runAs != "" {
		if err := becomeUser(o, logger); err != nil {
			closeAll(lns)
			return err
		}
	}
	// Signals are caught before the addresses are announced: whoever reads
	// the log may signal at once.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	announce(o, srv, lns, logger)
	if certs != nil {
		logger.Info("TLS certificate", certAttrs(certs)...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if engine != nil && o.scripts != "" {
		go watchScripts(ctx, engine, logger)
	}
	users, _ := srv.Auth.(*core.Users)
	ur := &usersReloader{live: users, args: o.args, logger: logger}
	cr := &certReloader{files: certs, logger: logger}
	// Each watch holds only the files its reloader reads (none without
	// them), and each reload does nothing without them.
	go usersWatch.poll(ctx, ur.reload)
	go certWatch.poll(ctx, cr.reload)
	reload := func() {
		reloadScripts(engine, logger)
		ur.reload()
		cr.reload()
	}
	return serveAll(srv, reload, lns, sigs, logger)
}

// serveAll serves every listener and waits for a signal or a listener
// failure; reload runs on SIGHUP.
func serveAll(srv *core.Server, reload func(), lns []listener, sigs <-chan os.Signal, logger *slog.Logger) error {
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() {
			if ln.implicitTLS {
				errc <- srv.ServeTLS(ln.Listener)
			} else {
				errc <- srv.Serve(ln.Listener)
			}
		}()
	}
	return waitAndShutdown(srv, reload, sigs, errc, len(lns), logger)
}

// buildServer makes the core.Server of o, the script engine it uses and,
// with -tls-cert, the certificate files its TLS configuration serves.
func buildServer(o *options, logger *slog.Logger) (*core.Server, *hooks.Engine, *core.CertFiles, error) {
	if err := makeDir(o.root, o.runAs); err != nil {
		return nil, nil, nil, fmt.Errorf("root: %w", err)
	}
	fsys, err := vfs.NewLocal(o.root)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("root: %w", err)
	}
	srv := &core.Server{
		FS:               fsys,
		Anonymous:        o.anonymous,
		RequireTLS:       o.requireTLS,
		PasvMinPort:      o.pasvPorts.min,
		PasvMaxPort:      o.pasvPorts.max,
		PublicHost:       o.publicHost,
		MaxSessions:      o.maxSessions,
		MaxSessionsPerIP: o.maxSessionsPerIP,
		IdleTimeout:      o.idleTimeout,
		Logger:           logger,
	}
	if o.idleTimeout == 0 {
		srv.IdleTimeout = -1 // the flag's 0 means never; the Server's 0 means its default
	}
	srv.LoginFailDelay = o.loginFailDelay
	if o.loginFailDelay == 0 {
		srv.LoginFailDelay = -1 // likewise: the flag's 0 turns the delay off
	}
	users, err := buildUsers(o, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	if users != nil { // a nil *Users in the interface would not be a nil Authenticator
		srv.Auth = users
	}
	var certs *core.CertFiles
	if srv.TLSConfig, certs, err = buildTLS(o); err != nil {
		return nil, nil, nil, err
	}
	engine, err := newEngine(o, logger)
	if err != nil {
		return nil, nil, nil, err
	}
	srv.Hooks = engine
	return srv, engine, certs, nil
}

// newEngine loads the scripts: the stock ones and those of -scripts. It
// never returns a nil engine without an error, so srv.Hooks is never a
// non-nil interface around a nil pointer.
func newEngine(o *options, logger *slog.Logger) (*hooks.Engine, error) {
	engine, err := hooks.New(hooks.Options{
		Dir:         o.scripts,
		Stock:       scripts.FS(),
		HookTimeout: o.hookTimeout,
		AuthTimeout: o.authTimeout,
		Disable:     o.disableStock,
		Logger:      logger,
	})
	if err != nil {
		return nil, fmt.Errorf("scripts: %w", err)
	}
	if engine == nil {
		return nil, errors.New("scripts: no engine")
	}
	return engine, nil
}

// buildTLS returns the one TLS configuration of the server, or nil, and
// with -tls-cert the files it serves, which a reload reads again (a
// self-signed certificate has nothing to reload).
func buildTLS(o *options) (*tls.Config, *core.CertFiles, error) {
	switch {
	case o.tlsCert != "":
		certs, err := core.LoadCertFiles(o.tlsCert, o.tlsKey)
		if err != nil {
			return nil, nil, err // it names the files
		}
		return certs.TLSConfig(), certs, nil
	case o.tlsSelfSigned:
		cfg, err := core.SelfSignedTLSConfig(certHosts(o)...)
		if err != nil {
			return nil, nil, fmt.Errorf("tls: %w", err)
		}
		return cfg, nil, nil
	}
	return nil, nil, nil
}

// certHosts are the names a self-signed certificate is made for, beyond
// the loopback names core always adds: the machine's name and the
// addresses configured.
func certHosts(o *options) []string {
	var hosts []string
	if name, err := os.Hostname(); err == nil && name != "" {
		hosts = append(hosts, name)
	}
	if o.publicHost != "" {
		hosts = append(hosts, o.publicHost)
	}
	for _, addr := range []string{o.listen, o.implicitListen} {
		if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
			hosts = append(hosts, host)
		}
	}
	return hosts
}

// listen binds the control address and, if asked, the implicit FTPS one.
func listen(o *options) ([]listener, error) {
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return nil, err
	}
	lns := []listener{{Listener: ln}}
	if o.implicitListen != "" {
		iln, err := net.Listen("tcp", o.implicitListen)
		if err != nil {
			ln.Close()
			return nil, err
		}
		lns = append(lns, listener{Listener: iln, implicitTLS: true})
	}
	return lns, nil
}

func closeAll(lns []listener) {
	for _, ln := range lns {
		ln.Close()
	}
}

// becomeUser drops to -run-as and refuses to go on if that user cannot
// use the root folder.
func becomeUser(o *options, logger *slog.Logger) error {
	if err := dropPrivileges(o.runAs); err != nil {
		return fmt.Errorf("run-as: %w", err)
	}
	if err := checkAccess(o.root); err != nil {
		return fmt.Errorf("run-as: %w", err)
	}
	logger.Info("running as", "user", o.runAs, "uid", os.Getuid(), "gid", os.Getgid())
	return nil
}

// announce logs the bound addresses (tests read them from the log when they
// listen on port 0) and what a careful operator wants to know at start.
func announce(o *options, srv *core.Server, lns []listener, logger *slog.Logger) {
	for _, ln := range lns {
		mode := "ftp"
		switch {
		case ln.implicitTLS:
			mode = "implicit-ftps"
		case srv.TLSConfig != nil:
			mode = "ftp+explicit-tls"
		}
		logger.Info("listening", "addr", ln.Addr().String(), "mode", mode,
			"root", o.root, "scripts", o.scripts)
	}
	if srv.Anonymous {
		logger.Warn("anonymous logins are on (read-only); give -user, -users or -anonymous=false to turn them off")
	}
}

// watchScripts reloads the scripts when their folder changes.
func watchScripts(ctx context.Context, engine *hooks.Engine, logger *slog.Logger) {
	if err := engine.Watch(ctx); err != nil && ctx.Err() == nil {
		logger.Error("watching the scripts folder failed; reload with SIGHUP", "err", err)
	}
}
