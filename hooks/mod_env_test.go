package hooks

import (
	"bytes"
	"log/slog"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// modTestEnv is a module environment over a fresh store, a temporary data
// folder and a JSON logger writing into logs (debug and up).
func modTestEnv(t *testing.T) (env *moduleEnv, logs *bytes.Buffer) {
	t.Helper()
	logs = new(bytes.Buffer)
	lg := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env = &moduleEnv{
		kv:      NewMemKV(),
		dataDir: t.TempDir(),
		logger:  func(*lua.LState) *slog.Logger { return lg },
	}
	return env, logs
}

// modState is a plain state whose require finds the Go modules of env.
func modState(t *testing.T, env *moduleEnv) *lua.LState {
	t.Helper()
	L := lua.NewState()
	t.Cleanup(L.Close)
	for name, load := range modules(env) {
		L.PreloadModule(name, load)
	}
	return L
}

// modEval runs code (a chunk that returns values) on L and returns what it
// returned; a Lua error fails the test.
func modEval(t *testing.T, L *lua.LState, code string) []lua.LValue {
	t.Helper()
	vals, err := modTry(L, code)
	if err != nil {
		t.Fatalf("lua: %v\n%s", err, code)
	}
	return vals
}

// modTry is modEval that hands back the Lua error.
func modTry(L *lua.LState, code string) ([]lua.LValue, error) {
	top := L.GetTop()
	fn, err := L.LoadString(code)
	if err != nil {
		return nil, err
	}
	L.Push(fn)
	if err := L.PCall(0, lua.MultRet, nil); err != nil {
		return nil, err
	}
	n := L.GetTop() - top
	vals := make([]lua.LValue, n)
	for i := range n {
		vals[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return vals, nil
}

// modStrings runs code and returns its results as strings (tostring).
func modStrings(t *testing.T, L *lua.LState, code string) []string {
	t.Helper()
	vals := modEval(t, L, code)
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.String()
	}
	return out
}

// wantStrings fails unless got equals want item by item.
func wantStrings(t *testing.T, code string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s\n got %q\nwant %q", code, got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s\n got %q\nwant %q", code, got, want)
		}
	}
}

// modCheck runs each case's Lua and compares its results as strings.
func modCheck(t *testing.T, L *lua.LState, cases []modCase) {
	t.Helper()
	for _, c := range cases {
		wantStrings(t, c.code, modStrings(t, L, c.code), c.want...)
	}
}

type modCase struct {
	code string
	want []string
}
