package core

import (
	"context"
	"log/slog"
)

// sessionHandler is the handler of a session's child logger: it adds the
// session's attributes ("session", "remote", and those given to With, such
// as "user") to each record as it is written, instead of formatting them
// ahead in a handler of their own, so an idle session holds a few words of
// logger rather than a copy of the server's handler.
type sessionHandler struct {
	s     *Session
	attrs []slog.Attr // from With, after the session's own
}

// own is the session's own attributes, written ahead of all others.
func (h *sessionHandler) own() (session, remote slog.Attr) {
	return slog.String("session", h.s.id), slog.String("remote", h.s.raw.RemoteAddr().String())
}

func (h *sessionHandler) base() slog.Handler { return h.s.srv.logger().Handler() }

// Enabled is the server handler's.
func (h *sessionHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.base().Enabled(ctx, l)
}

// Handle writes r with the session's attributes ahead of its own, as a
// handler made by With would.
func (h *sessionHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	sess, remote := h.own()
	out.AddAttrs(sess, remote)
	out.AddAttrs(h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(a)
		return true
	})
	return h.base().Handle(ctx, out)
}

// WithAttrs keeps attrs for the records to come.
func (h *sessionHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	all := make([]slog.Attr, 0, len(h.attrs)+len(attrs))
	return &sessionHandler{s: h.s, attrs: append(append(all, h.attrs...), attrs...)}
}

// WithGroup needs the attributes formatted outside the group: it builds
// the handler With would have.
func (h *sessionHandler) WithGroup(name string) slog.Handler {
	sess, remote := h.own()
	return h.base().WithAttrs(append([]slog.Attr{sess, remote}, h.attrs...)).WithGroup(name)
}

// newSessionLogger is the session's child logger with only the session's
// own attributes: at the start, and again after REIN forgets the user.
func (s *Session) newSessionLogger() *slog.Logger { return slog.New(&sessionHandler{s: s}) }
