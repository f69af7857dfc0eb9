package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/hooks"
)

// shutdownTimeout is how long running transfers get to finish after
// SIGTERM or SIGINT before the remaining connections are closed.
const shutdownTimeout = 30 * time.Second

// waitAndShutdown serves until SIGTERM or SIGINT (or a listener fails),
// calling reload on SIGHUP, then shuts the server down: it stops
// accepting, lets sessions finish within shutdownTimeout, and closes what
// is left. A second SIGTERM or SIGINT closes at once.
func waitAndShutdown(srv *core.Server, reload func(), sigs <-chan os.Signal, errc <-chan error, n int, logger *slog.Logger) error {
	var failed error
	for failed == nil {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				reload()
				continue
			}
			logger.Info("shutting down", "signal", sig.String(), "deadline", shutdownTimeout.String())
			shutdown(srv, sigs, logger)
			return drain(errc, n, nil)
		case err := <-errc:
			n--
			failed = errors.Join(errors.New("a listener stopped"), err)
		}
	}
	logger.Error("shutting down", "err", failed)
	shutdown(srv, sigs, logger)
	return drain(errc, n, failed)
}

// shutdown stops the server gracefully, or at once on the deadline or a
// second signal.
func shutdown(srv *core.Server, sigs <-chan os.Signal, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	go func() {
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGHUP {
					continue // no reload while stopping
				}
				logger.Warn("closing every connection now", "signal", sig.String())
				cancel()
			case <-ctx.Done():
			}
			return
		}
	}()
	if err := srv.Shutdown(ctx); err != nil {
		logger.Warn("sessions still open at the deadline: closing them", "err", err)
		srv.Close()
	}
}

// drain waits for the n Serve calls still running to return, and keeps
// err unless one of them failed for another reason than the shutdown.
func drain(errc <-chan error, n int, err error) error {
	for ; n > 0; n-- {
		if e := <-errc; e != nil && !errors.Is(e, core.ErrServerClosed) && err == nil {
			err = e
		}
	}
	return err
}

// reloadScripts loads the scripts again (SIGHUP); on any error the old
// scripts stay in force.
func reloadScripts(engine *hooks.Engine, logger *slog.Logger) {
	if engine == nil {
		return
	}
	if err := engine.Reload(); err != nil {
		logger.Error("reload failed; the scripts loaded before stay in force", "err", err)
		return
	}
	logger.Info("scripts reloaded")
}
