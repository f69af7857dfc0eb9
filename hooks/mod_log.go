package hooks

import (
	"log/slog"
	"math"
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// maxLogString caps one logged string (the message or a field) so a script
// cannot write megabytes per line; the cut is marked.
const maxLogString = 8 << 10

// logFuncs is the log module: log.debug/info/warn/error(msg [, fields]).
func logFuncs(env *moduleEnv) map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"debug": logAt(env, slog.LevelDebug),
		"info":  logAt(env, slog.LevelInfo),
		"warn":  logAt(env, slog.LevelWarn),
		"error": logAt(env, slog.LevelError),
	}
}

func logAt(env *moduleEnv, level slog.Level) lua.LGFunction {
	return func(L *lua.LState) int {
		msg := L.CheckAny(1)
		fields := L.OptTable(2, nil)
		lg := slog.Default()
		if env.logger != nil {
			lg = env.logger(L)
		}
		ctx := stateContext(L)
		if !lg.Enabled(ctx, level) {
			return 0
		}
		text := lua.LVAsString(L.ToStringMeta(msg))
		lg.LogAttrs(ctx, level, capString(text), logAttrs(fields)...)
		return 0
	}
}

// logAttrs turns a fields table into attributes, sorted by key so that a
// line reads the same every time.
func logAttrs(fields *lua.LTable) []slog.Attr {
	if fields == nil {
		return nil
	}
	var attrs []slog.Attr
	fields.ForEach(func(k, v lua.LValue) {
		attrs = append(attrs, logAttr(lua.LVAsString(k), v))
	})
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].Key < attrs[j].Key })
	return attrs
}

func logAttr(key string, v lua.LValue) slog.Attr {
	switch v := v.(type) {
	case lua.LString:
		return slog.String(key, capString(string(v)))
	case lua.LBool:
		return slog.Bool(key, bool(v))
	case lua.LNumber:
		f := float64(v)
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return slog.Int64(key, int64(f))
		}
		return slog.Float64(key, f)
	case *lua.LTable:
		b, err := jsonEncode(v, maxLogString)
		if err != nil {
			return slog.String(key, "<table: "+err.Error()+">")
		}
		return slog.String(key, string(b))
	default:
		return slog.String(key, "<"+v.Type().String()+">")
	}
}

func capString(s string) string {
	if len(s) <= maxLogString {
		return s
	}
	return s[:maxLogString] + "…(cut)"
}
