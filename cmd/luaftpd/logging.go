package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/lmittmann/tint"
	"golang.org/x/term"
)

// newLogger returns the server's logger: tint's coloured text for a person
// at a terminal, slog's JSON for anything that collects logs.
func newLogger(w io.Writer, format, level string, color bool) (*slog.Logger, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	if format == "text" {
		return slog.New(tint.NewHandler(w, &tint.Options{
			Level:      lvl,
			TimeFormat: time.DateTime,
			NoColor:    !color,
		})), nil
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lvl})), nil
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("-log-level %q: want debug, info, warn or error", s)
}

// isTerminal reports whether w is a terminal. x/term asks each system its
// own way (on Linux the TCGETS ioctl, on the BSDs TIOCGETA, on Windows the
// console mode).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}
