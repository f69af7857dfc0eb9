package core

import (
	"errors"
	"fmt"
	"strings"
)

// Reply is one FTP reply: a three-digit code and one or more lines of text.
// A reply with several lines goes on the wire in the RFC 959 multi-line form.
type Reply struct {
	Code  int
	Lines []string
}

// NewReply returns a one-line reply.
func NewReply(code int, format string, args ...any) Reply {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	return Reply{Code: code, Lines: []string{format}}
}

// Message is the reply's text, its lines joined with "\n".
func (r Reply) Message() string { return strings.Join(r.Lines, "\n") }

// Error is an error that carries the reply the client gets for it, the way
// textproto.Error does. Handlers return it; the dispatcher writes it.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%03d %s", e.Code, e.Msg) }

// Errorf returns an *Error with a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// AsReply returns the reply an error maps to, if it is an *Error.
func AsReply(err error) (Reply, bool) {
	var e *Error
	if errors.As(err, &e) {
		return NewReply(e.Code, "%s", e.Msg), true
	}
	return Reply{}, false
}

// replied is the Reply a handler returns when it has already written its
// final reply itself (a transfer that sent 150 and then 226): the dispatcher
// sends nothing more. Only its code (0) matters.
var replied = Reply{}
