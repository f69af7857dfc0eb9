package hooks

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func TestJSONEncode(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modEval(t, L, `json = require("json")`)
	cases := []struct{ lua, want string }{
		{`{1, 2, 3}`, `[1,2,3]`},
		{`{ user = "bob", groups = { "staff", "ftp" } }`, `{"groups":["staff","ftp"],"user":"bob"}`},
		{`{b = "x", a = 1, c = true, d = 1.5}`, `{"a":1,"b":"x","c":true,"d":1.5}`},
		{`{}`, `{}`},
		{`json.array()`, `[]`},
		{`json.array({1, "two"})`, `[1,"two"]`},
		{`{[1] = 1, [3] = 3}`, `{"1":1,"3":3}`},
		{`{1, 2, x = 3}`, `{"1":1,"2":2,"x":3}`},
		{`{[2.5] = "f", [-1] = "m"}`, `{"-1":"m","2.5":"f"}`},
		{`{a = {b = {c = {}}}, l = {{1}, {2}}}`, `{"a":{"b":{"c":{}}},"l":[[1],[2]]}`},
		{`{a = json.null, b = {json.null, 1}}`, `{"a":null,"b":[null,1]}`},
		{`"q\"b\\s\n\r\t\1é"`, `"q\"b\\s\n\r\t\u0001é"`},
		{`"\255ok"`, `"` + "\ufffd" + `ok"`},
		{`1e300`, `1e+300`},
		{`-0.125`, `-0.125`},
		{`2^53`, `9007199254740992`},
		{`nil`, `null`},
		{`false`, `false`},
	}
	for _, c := range cases {
		got := modStrings(t, L, `return json.encode(`+c.lua+`)`)
		wantStrings(t, c.lua, got, c.want)
	}
}

func TestJSONEncodeRefuses(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modEval(t, L, `json = require("json")`)
	cases := []struct{ lua, want string }{
		{`(function() local t = {}; t.self = t; return t end)()`, "json.encode: a table contains itself"},
		{`(function() local t = {}; t[1] = {t} ; return t end)()`, "json.encode: a table contains itself"},
		{`print`, "json.encode: cannot encode a function"},
		{`{f = print}`, "json.encode: cannot encode a function"},
		{`{[true] = 1}`, "json.encode: cannot encode a table key of type boolean"},
		{`0/0`, "json.encode: cannot encode NaN"},
		{`{1/0}`, "json.encode: cannot encode +Inf"},
		{`(function() local t = {}; for i = 1, 101 do t = {t} end; return t end)()`, "json.encode: nested deeper than 100"},
		{`string.rep("a", 1024 * 1024)`, "json.encode: the result would pass the size cap"},
		{`(function() local t = {}; for i = 1, 20 do t[i] = string.rep("a", 60000) end; return t end)()`,
			"json.encode: the result would pass the size cap"},
	}
	for _, c := range cases {
		got := modStrings(t, L, `return json.encode(`+c.lua+`)`)
		wantStrings(t, c.lua, got, "nil", c.want)
	}
	// A table met twice but not inside itself is no cycle.
	got := modStrings(t, L, `local s = {1}; return json.encode({a = s, b = s})`)
	wantStrings(t, "shared", got, `{"a":[1],"b":[1]}`)
}

func TestJSONDecode(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modEval(t, L, `json = require("json")`)
	modCheck(t, L, []modCase{
		{`local v = json.decode([[{"a":[1,2.5,{"b":null,"c":"x"}],"t":true,"s":"\u00e9\n"}]])
		  return v.a[1], v.a[2], v.a[3].b, v.a[3].c, v.t, v.s, #v.a`,
			[]string{"1", "2.5", "nil", "x", "true", "é\n", "3"}},
		// Arrays keep their kind, so that an empty one encodes back as [].
		{`return json.encode(json.decode('{"e":[],"o":{},"n":[1,null,3]}'))`,
			[]string{`{"e":[],"n":[1,null,3],"o":{}}`}},
		{`return json.decode("null")`, []string{"nil"}},
		{`return json.decode(" 12 ")`, []string{"12"}},
		{`return json.decode('{"1":"one"}')["1"]`, []string{"one"}},
		{`return json.decode("nul")`, []string{"nil", "json.decode: invalid character ' ' in literal null (expecting 'l') (at byte 3)"}},
		{`return json.decode("1 2")`, []string{"nil", "json.decode: invalid character '2' after top-level value (at byte 3)"}},
		{`return json.decode("{\"a\":}")`, []string{"nil", "json.decode: invalid character '}' looking for beginning of value (at byte 6)"}},
		{`return json.decode("[1,")`, []string{"nil", "json.decode: unexpected end of JSON input (at byte 3)"}},
		{`return json.decode("1e400")`, []string{"nil", "json.decode: number 1e400 out of range (at byte 6)"}},
		{`return json.decode("")`, []string{"nil", "json.decode: unexpected end of JSON input (at byte 0)"}},
		{`return json.decode(string.rep("[", 101) .. string.rep("]", 101))`,
			[]string{"nil", "json.decode: nested deeper than 100"}},
		{`return json.decode(string.rep(" ", 1024 * 1024 + 1))`,
			[]string{"nil", "json.decode: the text is longer than 1048576 bytes"}},
	})
	// The json.array marker cannot be reached or changed by a script.
	wantStrings(t, "metatable", modStrings(t, L, `return getmetatable(json.decode("[]"))`), "false")
}

// A conversion cannot be interrupted by the VM, so it watches the hook's
// context itself: with the context gone, a large one stops early.
func TestJSONHonoursBudget(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	text := "[" + strings.Repeat("1,", 500000) + "1]"
	var parsed any
	if err := json.Unmarshal([]byte(text), &parsed); err != nil {
		t.Fatal(err)
	}
	d := &jsonDecoder{L: L, ctx: ctx, arrayMT: L.NewTable()}
	if _, err := d.value(parsed, 0); err != context.Canceled {
		t.Fatalf("decode: err = %v, want context.Canceled", err)
	}
	if d.count != jsonPoll {
		t.Fatalf("decode made %d values after the context ended, want %d", d.count, jsonPoll)
	}
	big := L.NewTable()
	for i := 1; i <= 100000; i++ {
		big.RawSetInt(i, lua.LNumber(i))
	}
	e := jsonEncoder{max: maxJSONOutput, ctx: ctx}
	if err := e.value(big, 0); err != context.Canceled {
		t.Fatalf("encode: err = %v, want context.Canceled", err)
	}
	if len(e.buf) > 10000 {
		t.Fatalf("encode wrote %d bytes after the context ended", len(e.buf))
	}
}
