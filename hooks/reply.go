package hooks

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/luaftpd/luaftpd/core"
)

// Reply text from scripts is bounded, and CR, LF and NUL are removed so a
// script can never end a reply early or inject another one.
const (
	maxReplyLines = 100
	maxLineLen    = 1000
)

// decision is what ftp.deny and ftp.reply return: a userdata, so a script
// cannot forge one from a plain table by accident.
type decision struct {
	deny  bool
	reply core.Reply
}

// newDecision implements ftp.deny(code, msg) and ftp.reply(code, msg). msg
// is a string or a list of strings (one per reply line).
func newDecision(L *lua.LState, deny bool) int {
	code := L.CheckInt(1)
	lo, fn := 200, "ftp.reply"
	if deny {
		lo, fn = 400, "ftp.deny"
	}
	if code < lo || code > 599 {
		L.ArgError(1, fn+": code must be between "+strconv.Itoa(lo)+" and 599")
	}
	lines := replyLines(L, 2)
	if len(lines) == 0 {
		lines = []string{defaultText(code, deny)}
	}
	ud := L.NewUserData()
	ud.Value = &decision{deny: deny, reply: core.Reply{Code: code, Lines: lines}}
	L.Push(ud)
	return 1
}

// replyLines reads argument n: nil, a string or a list of strings.
func replyLines(L *lua.LState, n int) []string {
	var lines []string
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
	case lua.LString, lua.LNumber:
		lines = append(lines, sanitize(lua.LVAsString(v)))
	case *lua.LTable:
		for i := 1; i <= v.Len() && i <= maxReplyLines; i++ {
			item := v.RawGetInt(i)
			if !lua.LVCanConvToString(item) {
				L.ArgError(n, "reply lines must be strings")
			}
			lines = append(lines, sanitize(lua.LVAsString(item)))
		}
	default:
		L.ArgError(n, "message must be a string or a list of strings")
	}
	return lines
}

func defaultText(code int, deny bool) string {
	switch {
	case code == 530:
		return "Login incorrect."
	case deny:
		return "Permission denied."
	default:
		return "OK."
	}
}

// sanitize removes CR, LF and NUL and bounds the length of one line.
func sanitize(s string) string {
	if strings.ContainsAny(s, "\r\n\x00") {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == 0 {
				return -1
			}
			return r
		}, s)
	}
	if len(s) > maxLineLen {
		s = s[:maxLineLen]
	}
	return s
}

// asDecision reports whether v is a decision made by ftp.deny or ftp.reply.
func asDecision(v lua.LValue) (*decision, bool) {
	ud, ok := v.(*lua.LUserData)
	if !ok {
		return nil, false
	}
	d, ok := ud.Value.(*decision)
	return d, ok
}
