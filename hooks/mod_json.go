package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// Limits of the json module. A conversion is one Go call the VM cannot
// interrupt, so its size is capped; it also polls the hook's context every
// jsonPoll values, so a large one cannot outrun the budget by much either.
const (
	maxJSONOutput = 1 << 20 // bytes json.encode may produce
	// maxJSONInput is the bytes json.decode accepts: parsing is not
	// interruptible, and a document becomes Lua tables some 25 times its
	// size: a 1 MiB text already costs about 30 MB and 50-100 ms.
	maxJSONInput = 1 << 20
	maxJSONDepth = 100 // nested tables or arrays
	jsonPoll     = 1024
)

// jsonNull is the Value of the json.null userdata, which encodes as null.
type jsonNullMarker struct{}

var jsonNull = &jsonNullMarker{}

// jsonArrayType is the metatable field that marks a table as a JSON array
// (json.array, json.decode), so that an empty one encodes as [].
const jsonArrayType = "__jsontype"

// loadJSON is the json module's loader. The array metatable is made per
// state: tables never cross states.
func loadJSON(L *lua.LState) int {
	arrayMT := L.NewTable()
	arrayMT.RawSetString(jsonArrayType, lua.LString("array"))
	arrayMT.RawSetString("__metatable", lua.LFalse)
	null := L.NewUserData()
	null.Value = jsonNull
	mod := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"encode": jsonEncodeLua,
		"decode": func(L *lua.LState) int { return jsonDecodeLua(L, arrayMT) },
		"array": func(L *lua.LState) int {
			t := L.OptTable(1, L.NewTable())
			t.Metatable = arrayMT
			L.Push(t)
			return 1
		},
	})
	mod.RawSetString("null", null)
	L.Push(mod)
	return 1
}

// json.encode(value) → text | nil, err
func jsonEncodeLua(L *lua.LState) int {
	v := L.CheckAny(1)
	e := jsonEncoder{max: maxJSONOutput, ctx: stateContext(L)}
	if err := e.value(v, 0); err != nil {
		return pushFail(L, "json.encode: "+err.Error())
	}
	L.Push(lua.LString(e.buf))
	return 1
}

// jsonEncode encodes v in at most max bytes; log fields use it too.
func jsonEncode(v lua.LValue, max int) ([]byte, error) {
	e := jsonEncoder{max: max, ctx: context.Background()}
	err := e.value(v, 0)
	return e.buf, err
}

type jsonEncoder struct {
	buf    []byte
	max    int
	ctx    context.Context
	count  int
	onPath []*lua.LTable // the tables being encoded, outermost first: a cycle check
}

var errJSONTooLarge = errors.New("the result would pass the size cap")

func (e *jsonEncoder) value(v lua.LValue, depth int) error {
	if e.count++; e.count%jsonPoll == 0 && e.ctx.Err() != nil {
		return e.ctx.Err()
	}
	switch v := v.(type) {
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case lua.LBool:
		e.buf = strconv.AppendBool(e.buf, bool(v))
	case lua.LNumber:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("cannot encode %v", float64(v))
		}
		e.buf = appendNumber(e.buf, float64(v))
	case lua.LString:
		if len(e.buf)+len(v) > e.max {
			return errJSONTooLarge
		}
		e.buf = appendJSONString(e.buf, string(v))
	case *lua.LTable:
		return e.table(v, depth)
	case *lua.LUserData:
		if v.Value != jsonNull {
			return errors.New("cannot encode a userdata")
		}
		e.buf = append(e.buf, "null"...)
	default:
		return errors.New("cannot encode a " + v.Type().String())
	}
	if len(e.buf) > e.max {
		return errJSONTooLarge
	}
	return nil
}

func (e *jsonEncoder) table(t *lua.LTable, depth int) error {
	if depth >= maxJSONDepth {
		return fmt.Errorf("nested deeper than %d", maxJSONDepth)
	}
	if slices.Contains(e.onPath, t) {
		return errors.New("a table contains itself")
	}
	e.onPath = append(e.onPath, t)
	defer func() { e.onPath = e.onPath[:len(e.onPath)-1] }()
	shape, n, err := tableShape(t)
	if err != nil {
		return err
	}
	if shape == shapeArray {
		return e.array(t, n, depth)
	}
	return e.object(t, depth)
}

type jsonShape int

const (
	shapeObject jsonShape = iota
	shapeArray
)

// tableShape decides how t encodes: a table marked by json.array, or one
// whose keys are exactly 1..n (n > 0), is an array of n items; any other is
// an object whose keys are strings or numbers (numbers written as text).
func tableShape(t *lua.LTable) (jsonShape, int, error) {
	count, maxInt, allInts, bad := 0, 0, true, lua.LValue(nil)
	t.ForEach(func(k, _ lua.LValue) {
		count++
		n, ok := k.(lua.LNumber)
		if ok && float64(n) == math.Trunc(float64(n)) && n >= 1 && n <= math.MaxInt32 {
			maxInt = max(maxInt, int(n))
		} else {
			allInts = false
		}
		if _, isStr := k.(lua.LString); !ok && !isStr && bad == nil {
			bad = k
		}
	})
	if isJSONArray(t) {
		if !allInts {
			return 0, 0, errors.New("a json.array table has a key that is not a positive integer")
		}
		return shapeArray, maxInt, nil
	}
	if bad != nil {
		return 0, 0, errors.New("cannot encode a table key of type " + bad.Type().String())
	}
	if count > 0 && allInts && maxInt == count {
		return shapeArray, count, nil
	}
	return shapeObject, 0, nil
}

func isJSONArray(t *lua.LTable) bool {
	mt, ok := t.Metatable.(*lua.LTable)
	return ok && mt.RawGetString(jsonArrayType) == lua.LString("array")
}

func (e *jsonEncoder) array(t *lua.LTable, n, depth int) error {
	e.buf = append(e.buf, '[')
	for i := 1; i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(t.RawGetInt(i), depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

type jsonMember struct {
	name  string
	value lua.LValue
}

// object writes t's members sorted by name, so equal tables give equal text.
func (e *jsonEncoder) object(t *lua.LTable, depth int) error {
	members := make([]jsonMember, 0, 8)
	t.ForEach(func(k, v lua.LValue) { members = append(members, jsonMember{keyText(k), v}) })
	slices.SortFunc(members, func(a, b jsonMember) int { return strings.Compare(a.name, b.name) })
	e.buf = append(e.buf, '{')
	for i, m := range members {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendJSONString(e.buf, m.name)
		e.buf = append(e.buf, ':')
		if err := e.value(m.value, depth+1); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func keyText(k lua.LValue) string {
	if n, ok := k.(lua.LNumber); ok {
		return string(appendNumber(nil, float64(n)))
	}
	return string(k.(lua.LString))
}

// appendNumber writes integers without a fraction (3, not 3.0) and other
// numbers in the shortest form that reads back the same.
func appendNumber(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendJSONString quotes s; bytes that are not UTF-8 become U+FFFD, as
// JSON text must be UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// json.decode(text) → value | nil, err
//
// encoding/json parses the text into Go values in one fast pass (the input
// cap bounds its time and memory); the conversion to Lua tables then checks
// the nesting depth and polls the hook's context.
func jsonDecodeLua(L *lua.LState, arrayMT *lua.LTable) int {
	text := L.CheckString(1)
	if len(text) > maxJSONInput {
		return pushFail(L, fmt.Sprintf("json.decode: the text is longer than %d bytes", maxJSONInput))
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return pushFail(L, "json.decode: "+jsonSyntaxMessage(err))
	}
	d := &jsonDecoder{L: L, ctx: stateContext(L), arrayMT: arrayMT}
	lv, err := d.value(v, 0)
	if err != nil {
		return pushFail(L, "json.decode: "+err.Error())
	}
	L.Push(lv)
	return 1
}

// jsonSyntaxMessage words a parse error with its byte offset.
func jsonSyntaxMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(se.Error(), "json: "), se.Offset)
	}
	var ue *json.UnmarshalTypeError
	if errors.As(err, &ue) {
		return fmt.Sprintf("%s out of range (at byte %d)", ue.Value, ue.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

type jsonDecoder struct {
	L       *lua.LState
	ctx     context.Context
	arrayMT *lua.LTable
	count   int
}

// value converts one parsed value; null is nil (so a null member leaves
// its key unset and a null item leaves a hole in its array). Tables are
// made at their final size: gopher-lua's default table reserves room for
// 32 items, which would multiply the memory of a large document.
func (d *jsonDecoder) value(v any, depth int) (lua.LValue, error) {
	if d.count++; d.count%jsonPoll == 0 && d.ctx.Err() != nil {
		return nil, d.ctx.Err()
	}
	switch v := v.(type) {
	case nil:
		return lua.LNil, nil
	case bool:
		return lua.LBool(v), nil
	case float64:
		return lua.LNumber(v), nil
	case string:
		return lua.LString(v), nil
	case []any:
		return d.array(v, depth)
	case map[string]any:
		return d.object(v, depth)
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

func (d *jsonDecoder) array(items []any, depth int) (lua.LValue, error) {
	if depth >= maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxJSONDepth)
	}
	t := d.L.CreateTable(len(items), 0)
	t.Metatable = d.arrayMT
	for i, item := range items {
		v, err := d.value(item, depth+1)
		if err != nil {
			return nil, err
		}
		t.RawSetInt(i+1, v)
	}
	return t, nil
}

func (d *jsonDecoder) object(members map[string]any, depth int) (lua.LValue, error) {
	if depth >= maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxJSONDepth)
	}
	t := d.L.CreateTable(0, len(members))
	for k, member := range members {
		v, err := d.value(member, depth+1)
		if err != nil {
			return nil, err
		}
		if v != lua.LNil {
			t.RawSetString(k, v)
		}
	}
	return t, nil
}
