package core

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/luaftpd/luaftpd/vfs"
)

// unimplemented are verbs of the FTP RFCs that luaftpd knows but does not
// offer: they answer 502, where an unknown verb answers 500.
var unimplemented = map[string]bool{
	"LPRT": true, "LPSV": true, "ADAT": true, "CONF": true, "ENC": true, "MIC": true,
	"MLFL": true, "MAIL": true, "MSND": true, "MSOM": true, "MSAM": true, "MRSQ": true,
	"MRCP": true, "XRSQ": true, "XRCP": true, "XSEN": true, "XSEM": true, "SPSV": true,
}

// Replies the dispatcher and handlers share.
var (
	replyLocalError = NewReply(451, "Requested action aborted: local error in processing.")
	replyNotLogged  = NewReply(530, "Please login with USER and PASS.")
	replyReadOnly   = NewReply(550, "Permission denied.")
)

// execute runs one command line: it parses it, checks it against the
// command table, runs the hooks and the handler, and writes the reply.
func (s *Session) execute(text string) {
	if text == lineTooLong {
		s.final(NewReply(500, "Command line too long."))
		return
	}
	verb, arg := splitCommand(text)
	c := commands[verb]
	ctx, cancel := s.commandContext(c != nil && c.flags&cmdTransfer != 0)
	defer func() {
		s.mu.Lock()
		s.cancelCmd = nil
		s.mu.Unlock()
		cancel()
	}()
	r := &request{ctx: ctx, verb: verb, arg: arg}
	start := time.Now()
	code := s.dispatch(r, c, start)
	if code == 0 {
		code = r.sent
	}
	if verb != "RNFR" {
		s.renameFrom = ""
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		if verb == "PASS" {
			arg = "****"
		}
		s.log.Debug("command", "cmd", verb, "arg", arg, "code", code, "ms", time.Since(start).Milliseconds())
	}
}

// dispatch runs r, whose entry in the command table is c (nil: none), and
// returns the code of its final reply.
func (s *Session) dispatch(r *request, c *command, start time.Time) int {
	if rep, bad := checkText(r); bad {
		s.final(rep)
		return rep.Code
	}
	h := s.srv.Hooks
	if h != nil {
		if info, ok := h.Command(r.verb); ok {
			return s.runScriptCommand(r, info)
		}
	}
	if c == nil {
		rep := NewReply(500, "Unknown command.")
		if unimplemented[r.verb] {
			rep = NewReply(502, "Command not implemented.")
		}
		s.final(rep)
		return rep.Code
	}
	if rep, ok := s.allowed(c, r); !ok {
		rep = c.fit(rep)
		s.final(rep)
		return rep.Code
	}
	var before, after bool
	if h != nil {
		before, after = h.Wants(r.verb)
	}
	if !before && !after {
		rep := s.runHandler(c, r)
		s.final(rep)
		return rep.Code
	}
	return s.dispatchHooked(r, c, before, after, start)
}

// dispatchHooked is dispatch for a verb some script watches: the Event is
// built only here, so other commands pay nothing for the hook engine.
func (s *Session) dispatchHooked(r *request, c *command, before, after bool, start time.Time) int {
	h := s.srv.Hooks
	ev := &Event{Command: r.verb, Arg: r.arg, Path: r.path, Session: s}
	if r.verb == "PASS" {
		ev.Arg = "" // passwords reach only the authenticators
	}
	var rep Reply
	var stopped bool
	if before {
		rep, stopped = s.runBefore(r, c, ev)
	}
	if !stopped {
		rep = s.runHandler(c, r)
	}
	s.final(rep)
	if after {
		res := &Result{Code: rep.Code, Message: rep.Message(), Path: r.path,
			Bytes: r.moved, Seconds: time.Since(start).Seconds()}
		if rep.Code >= 400 {
			res.Err = rep.Message()
		}
		// Not r.ctx: an aborted command (ABOR, a hangup) is reported too,
		// within the engine's own time budget for the hook.
		h.After(context.WithoutCancel(r.ctx), ev, res)
	}
	return rep.Code
}

// runBefore runs the Before hooks; stopped means the command must not run
// and rep is its reply. The hooks may rewrite the argument and the path.
func (s *Session) runBefore(r *request, c *command, ev *Event) (rep Reply, stopped bool) {
	deny, err := s.srv.Hooks.Before(r.ctx, ev)
	if err != nil {
		// A hook stopped by ABOR or by the client hanging up is no failure.
		if r.ctx.Err() != nil {
			s.log.Debug("before hook cancelled", "cmd", r.verb, "err", err)
		} else {
			s.log.Error("before hook failed", "cmd", r.verb, "err", err)
		}
		return replyLocalError, true
	}
	if deny != nil {
		return *deny, true
	}
	if r.verb == "PASS" {
		return Reply{}, false
	}
	argChanged := ev.Arg != r.arg
	r.arg = ev.Arg
	switch {
	case c.path == pathNone:
	case ev.Path != r.path:
		r.path = s.hookPath(c.path, ev.Path)
	case argChanged:
		r.path = s.pathOf(c.path, r.arg)
	}
	return Reply{}, false
}

// hookPath is the path a command acts on after a Before hook set ev.Path
// to p: resolved again, so it stays inside the user's root. An empty p is
// what an empty argument means (the current folder, or no path at all).
func (s *Session) hookPath(k pathIn, p string) string {
	if p == "" {
		return s.pathOf(k, "")
	}
	return s.resolve(p)
}

// runHandler runs the command's handler on r, once r's final path is known.
// A new entry whose name holds control characters is refused: a CR or LF
// would split the lines of listings, and others hide in them.
func (s *Session) runHandler(c *command, r *request) Reply {
	if c.flags&cmdNewName != 0 && hasControl(path.Base(r.path)) {
		return c.fit(NewReply(550, "File name not allowed: control characters."))
	}
	return c.fit(s.call(c.fn, r))
}

// hasControl reports whether name holds an ASCII control character.
func hasControl(name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return true
		}
	}
	return false
}

// fit gives a built-in reply the code RFC 959 section 5.4 allows for the
// verb (see command.no550). A script's denial keeps the code it chose.
func (c *command) fit(rep Reply) Reply {
	if rep.Code == 550 && c.no550 != 0 {
		rep.Code = c.no550
	}
	return rep
}

// final writes a command's final reply. The command counts as finished
// from here on: ABOR, STAT and QUIT arriving now are queued as ordinary
// commands rather than treated as interrupting it.
func (s *Session) final(rep Reply) {
	s.mu.Lock()
	s.finalSent = true
	s.mu.Unlock()
	s.reply(rep)
}

// checkText refuses command text no handler should see: NUL bytes, and
// arguments that are not UTF-8 (names are UTF-8 everywhere; a password may
// be anything).
func checkText(r *request) (Reply, bool) {
	if strings.IndexByte(r.verb, 0) >= 0 {
		return NewReply(500, "Syntax error: NUL byte in command."), true
	}
	if strings.IndexByte(r.arg, 0) >= 0 {
		return NewReply(501, "Syntax error: NUL byte in argument."), true
	}
	if r.verb == "" {
		return NewReply(500, "Syntax error: empty command."), true
	}
	if r.verb != "PASS" && !utf8.ValidString(r.arg) {
		return NewReply(501, "Syntax error: argument is not UTF-8."), true
	}
	return Reply{}, false
}

// allowed applies the table's flags to r and computes r.path.
func (s *Session) allowed(c *command, r *request) (Reply, bool) {
	switch {
	case c.flags&cmdNoLogin == 0 && s.user == "":
		return replyNotLogged, false
	case c.flags&cmdNeedArg != 0 && r.arg == "":
		return NewReply(501, "Syntax error: %s needs an argument.", r.verb), false
	case c.flags&cmdNoArg != 0 && r.arg != "":
		return NewReply(501, "Syntax error: %s takes no argument.", r.verb), false
	case c.flags&cmdWrite != 0 && s.readOnly():
		return replyReadOnly, false
	}
	r.path = s.pathOf(c.path, r.arg)
	return Reply{}, true
}

// call runs a handler; a panic costs the command a 451, never the server.
func (s *Session) call(fn handler, r *request) (rep Reply) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in command handler", "cmd", r.verb, "panic", p, "stack", string(debug.Stack()))
			rep = replyLocalError
		}
	}()
	return fn(s, r)
}

// runScriptCommand runs a command a script defines.
func (s *Session) runScriptCommand(r *request, info CommandInfo) int {
	if info.Auth && s.user == "" {
		s.final(replyNotLogged)
		return replyNotLogged.Code
	}
	ev := &Event{Command: r.verb, Arg: r.arg, Session: s}
	rep := s.call(func(s *Session, r *request) Reply {
		rep, err := s.srv.Hooks.RunCommand(r.ctx, ev)
		if err != nil {
			s.log.Error("script command failed", "cmd", r.verb, "err", err)
			return replyLocalError
		}
		return rep
	}, r)
	s.final(rep)
	return rep.Code
}

// fail maps a handler's error to its reply: reply errors keep their code,
// filesystem errors become a clean 550, and anything else is logged and
// becomes 451 without its Go text.
func (s *Session) fail(err error) Reply {
	if rep, ok := AsReply(err); ok {
		return rep
	}
	if rep, ok := storageFull(err); ok {
		return rep
	}
	switch {
	case errors.Is(err, vfs.ErrNotEmpty), errors.Is(err, syscall.ENOTEMPTY):
		return NewReply(550, "Directory not empty.")
	case errors.Is(err, vfs.ErrIsDir), errors.Is(err, syscall.EISDIR):
		return NewReply(550, "Is a directory.")
	case errors.Is(err, vfs.ErrNotDir), errors.Is(err, syscall.ENOTDIR):
		return NewReply(550, "Not a directory.")
	case errors.Is(err, fs.ErrNotExist):
		return NewReply(550, "No such file or directory.")
	case errors.Is(err, fs.ErrExist):
		return NewReply(550, "File exists.")
	case errors.Is(err, vfs.ErrBadName), errors.Is(err, syscall.ENAMETOOLONG):
		return NewReply(550, "File name not allowed.") // 553 where RFC 959 has it: see command.no550
	case errors.Is(err, fs.ErrInvalid):
		return NewReply(553, "File name not allowed.")
	case errors.Is(err, fs.ErrPermission):
		return NewReply(550, "Permission denied.")
	case errors.Is(err, vfs.ErrNotSupported):
		return NewReply(502, "Not supported by this server's storage.")
	case errors.Is(err, context.Canceled):
		return NewReply(426, "Aborted.")
	}
	s.log.Error("command failed", "err", err)
	return replyLocalError
}

// storageFull maps a full disk to 452 and an exhausted quota or file size
// limit to 552, the RFC 959 replies for them, so a client knows that trying
// again at once is pointless.
func storageFull(err error) (Reply, bool) {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return NewReply(452, "Insufficient storage space."), true
	case errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return NewReply(552, "Exceeded storage allocation."), true
	}
	return Reply{}, false
}

// readOnly reports whether the logged-in user may not write.
func (s *Session) readOnly() bool {
	return s.account != nil && s.account.ReadOnly
}
