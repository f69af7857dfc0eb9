package hooks

import (
	"math"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// defaultTimeLayout is time.format's layout when none is given: RFC 3339 in UTC.
const defaultTimeLayout = "%Y-%m-%dT%H:%M:%SZ"

// timeFuncs is the time module: time.now() and time.format(seconds, layout [, zone]).
func timeFuncs() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"now": func(L *lua.LState) int {
			L.Push(lua.LNumber(float64(time.Now().UnixMicro()) / 1e6))
			return 1
		},
		"format": timeFormat,
	}
}

// time.format([seconds [, layout [, zone]]]): seconds since the epoch
// (default now), a strftime layout, zone "utc" (default) or "local".
func timeFormat(L *lua.LState) int {
	t := time.Now()
	if L.Get(1) != lua.LNil {
		secs := float64(L.CheckNumber(1))
		if math.IsNaN(secs) || math.Abs(secs) > 1e14 {
			L.ArgError(1, "seconds out of range")
		}
		whole, frac := math.Modf(secs)
		t = time.Unix(int64(whole), int64(math.Round(frac*1e9)))
	}
	layout := L.OptString(2, defaultTimeLayout)
	switch zone := L.OptString(3, "utc"); zone {
	case "utc", "UTC":
		t = t.UTC()
	case "local":
		t = t.Local()
	default:
		L.ArgError(3, `the zone is "utc" or "local"`)
	}
	out, bad := strftime(t, layout)
	if bad != 0 {
		L.ArgError(2, "unknown directive %"+string(bad))
	}
	L.Push(lua.LString(out))
	return 1
}

// strftime formats t by a C strftime layout (the common directives; see the
// README). It returns the first unknown directive's letter, if any.
func strftime(t time.Time, layout string) (string, byte) {
	var b strings.Builder
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != '%' || i+1 == len(layout) {
			b.WriteByte(c)
			continue
		}
		i++
		if !strftimeDirective(&b, t, layout[i]) {
			return "", layout[i]
		}
	}
	return b.String(), 0
}

func strftimeDirective(b *strings.Builder, t time.Time, d byte) bool {
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	switch d {
	case 'Y':
		pad(t.Year(), 4)
	case 'y':
		pad(t.Year()%100, 2)
	case 'm':
		pad(int(t.Month()), 2)
	case 'd':
		pad(t.Day(), 2)
	case 'e':
		b.WriteString(t.Format("_2"))
	case 'H':
		pad(t.Hour(), 2)
	case 'I':
		pad((t.Hour()+11)%12+1, 2)
	case 'M':
		pad(t.Minute(), 2)
	case 'S':
		pad(t.Second(), 2)
	case 'L':
		pad(t.Nanosecond()/1e6, 3)
	case 'f':
		pad(t.Nanosecond()/1e3, 6)
	case 'j':
		pad(t.YearDay(), 3)
	case 'p':
		b.WriteString(t.Format("PM"))
	case 'a':
		b.WriteString(t.Format("Mon"))
	case 'A':
		b.WriteString(t.Format("Monday"))
	case 'b':
		b.WriteString(t.Format("Jan"))
	case 'B':
		b.WriteString(t.Format("January"))
	case 'u':
		pad((int(t.Weekday())+6)%7+1, 1)
	case 'w':
		pad(int(t.Weekday()), 1)
	case 'z':
		b.WriteString(t.Format("-0700"))
	case 'Z':
		b.WriteString(t.Format("MST"))
	case 's':
		b.WriteString(strconv.FormatInt(t.Unix(), 10))
	case 'F':
		b.WriteString(t.Format("2006-01-02"))
	case 'T':
		b.WriteString(t.Format("15:04:05"))
	case '%':
		b.WriteByte('%')
	default:
		return false
	}
	return true
}
