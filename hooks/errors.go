package hooks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"

	"github.com/luaftpd/luaftpd/core"
)

// ScriptError is a script that failed to compile or load, or a handler
// that failed: where, and why.
type ScriptError struct {
	Script string // file name, "lib/NAME.lua" for a module
	Line   int    // 0 when not known
	Msg    string
}

func (e *ScriptError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Script, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Script, e.Msg)
}

// The replies a failed handler costs the client. They never carry the
// script's error text.
var (
	errHook = &core.Error{Code: 451, Msg: "Requested action aborted: local error in processing."}
	errAuth = &core.Error{Code: 530, Msg: "Login incorrect."}
)

// luaWhere matches the "source:line: " prefix Lua puts on error messages.
var luaWhere = regexp.MustCompile(`(?s)^([^\s:]+):(\d+):\s*(.*)$`)

// traceWhere matches the first Lua frame of a stack traceback.
var traceWhere = regexp.MustCompile(`(?m)^\t([^\s:\[]+):(\d+):`)

// luaError turns an error from PCall into a ScriptError. script and line
// are used when the message does not say where it happened (an error
// object that is not a string, a panic in a Go function).
func luaError(script string, line int, err error, ctxErr error) *ScriptError {
	se := &ScriptError{Script: script, Line: line, Msg: err.Error()}
	var ae *lua.ApiError
	if errors.As(err, &ae) {
		se.Msg = errorText(ae)
		if m := luaWhere.FindStringSubmatch(se.Msg); m != nil {
			se.Script, se.Msg = m[1], m[3]
			se.Line, _ = strconv.Atoi(m[2])
		} else if m := traceWhere.FindStringSubmatch(ae.StackTrace); m != nil {
			// A Go panic says nothing of where: the innermost Lua frame does.
			se.Script = m[1]
			se.Line, _ = strconv.Atoi(m[2])
		}
	}
	switch {
	case errors.Is(ctxErr, context.DeadlineExceeded):
		se.Msg = "ran out of its time budget (" + se.Msg + ")"
	case ctxErr != nil:
		se.Msg = "cancelled: the command was aborted or the session ended (" + se.Msg + ")"
	}
	return se
}

func errorText(ae *lua.ApiError) string {
	switch obj := ae.Object.(type) {
	case lua.LString:
		msg := string(obj)
		if ae.Type == lua.ApiErrorPanic {
			msg = "panic in a Go function: " + msg
		}
		return msg
	case nil:
		return "error"
	default:
		return fmt.Sprintf("error object is a %s value", obj.Type())
	}
}

// isPanic reports whether a PCall error was a recovered Go panic.
func isPanic(err error) bool {
	var ae *lua.ApiError
	return errors.As(err, &ae) && ae.Type == lua.ApiErrorPanic
}

// loadError is the error of a script whose main chunk failed.
func loadError(name string, err error, timedOut bool) error {
	se := luaError(name, 0, err, nil)
	if timedOut {
		se.Msg = "did not finish loading within its time budget"
	}
	return se
}

// compileError is the error of a script that does not compile.
func compileError(name string, err error) error {
	var pe *parse.Error
	if errors.As(err, &pe) {
		msg := strings.TrimSpace(pe.Message)
		if pe.Token != "" {
			msg = fmt.Sprintf("%s near '%s'", msg, pe.Token)
		}
		line := pe.Pos.Line
		if line < 0 {
			line, msg = 0, msg+" at the end of the file"
		}
		return &ScriptError{Script: name, Line: line, Msg: msg}
	}
	var ce *lua.CompileError
	if errors.As(err, &ce) {
		return &ScriptError{Script: name, Line: ce.Line, Msg: ce.Message}
	}
	return &ScriptError{Script: name, Msg: err.Error()}
}
