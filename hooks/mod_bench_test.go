package hooks

import (
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

func BenchmarkMemKVIncrParallel(b *testing.B) {
	m := NewMemKV()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Incr("hits", 1, 60)
		}
	})
}

func BenchmarkKVIncrFromLua(b *testing.B) {
	L := lua.NewState()
	defer L.Close()
	for name, load := range modules(&moduleEnv{kv: NewMemKV()}) {
		L.PreloadModule(name, load)
	}
	if err := L.DoString(`kv = require("kv")`); err != nil {
		b.Fatal(err)
	}
	fn, err := L.LoadString(`kv.incr("hits", 1, 60)`)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		L.Push(fn)
		L.Call(0, 0)
	}
}

// jsonBenchState holds doc, a JSON text of about size bytes, and json.
func jsonBenchState(b *testing.B, size int) *lua.LState {
	L := lua.NewState()
	b.Cleanup(L.Close)
	L.PreloadModule("json", loadJSON)
	item := `{"name":"file-0001.txt","size":123456,"ok":true,"tags":["a","b"]}`
	text := "[" + strings.Repeat(item+",", size/(len(item)+1)-1) + item + "]"
	L.SetGlobal("doc", lua.LString(text))
	if err := L.DoString(`json = require("json"); value = json.decode(doc)`); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	return L
}

func BenchmarkJSONDecode1MiB(b *testing.B) {
	L := jsonBenchState(b, maxJSONInput-100)
	for b.Loop() {
		if err := L.DoString(`assert(json.decode(doc))`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncode1MiB(b *testing.B) {
	L := jsonBenchState(b, maxJSONOutput-100)
	for b.Loop() {
		if err := L.DoString(`assert(json.encode(value))`); err != nil {
			b.Fatal(err)
		}
	}
}
