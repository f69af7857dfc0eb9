package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
)

const (
	// maxHTTPBody caps a response body: a larger one is an error, never a
	// silently cut body that a script would take for the whole.
	maxHTTPBody = 1 << 20
	// defaultHTTPTimeout bounds a request made with neither a timeout nor a
	// budget (a state outside a handler); inside a handler the budget is
	// usually the shorter.
	defaultHTTPTimeout = 30 * time.Second
)

// newHTTPClient returns the client the engine shares among its states:
// connections are reused across handlers; time limits come from each
// request's context (the hook's budget), so the client sets none.
func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return &http.Client{Transport: tr}
}

// fallbackHTTPClient serves an env without a client (tests, tools).
var fallbackHTTPClient = newHTTPClient()

// httpFuncs is the http module: request, get, post.
func httpFuncs(env *moduleEnv) map[string]lua.LGFunction {
	client := env.client
	if client == nil {
		client = fallbackHTTPClient
	}
	return map[string]lua.LGFunction{
		"request": func(L *lua.LState) int {
			opts := L.CheckTable(1)
			return httpDo(L, client, luaField(opts, "method"), luaField(opts, "url"), opts.RawGetString("body"), opts)
		},
		"get": func(L *lua.LState) int {
			return httpDo(L, client, "GET", L.CheckString(1), lua.LNil, L.OptTable(2, nil))
		},
		"post": func(L *lua.LState) int {
			url, body := L.CheckString(1), L.CheckString(2)
			return httpDo(L, client, "POST", url, lua.LString(body), L.OptTable(3, nil))
		},
	}
}

// httpDo makes one request; opts may hold headers and timeout (seconds).
// It returns {status=, headers=, body=} or nil, err; any status is a result.
func httpDo(L *lua.LState, client *http.Client, method, rawURL string, body lua.LValue, opts *lua.LTable) int {
	method = strings.ToUpper(method)
	if method == "" {
		method = "GET"
	}
	req, err := newHTTPRequest(L, method, rawURL, body, opts)
	if err != nil {
		return pushFail(L, "http: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(stateContext(L), httpTimeout(L, opts))
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return pushFail(L, httpError(ctx, method, req.URL, err))
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxHTTPBody {
		return pushFail(L, bodyTooLarge(method, req.URL))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody+1))
	if err != nil {
		return pushFail(L, httpError(ctx, method, req.URL, err))
	}
	if len(data) > maxHTTPBody {
		return pushFail(L, bodyTooLarge(method, req.URL))
	}
	L.Push(httpResult(L, resp, data))
	return 1
}

func newHTTPRequest(L *lua.LState, method, rawURL string, body lua.LValue, opts *lua.LTable) (*http.Request, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("bad url")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("the url must start with http:// or https://")
	}
	var rd io.Reader
	switch b := body.(type) {
	case *lua.LNilType:
	case lua.LString:
		rd = strings.NewReader(string(b))
	default:
		L.ArgError(1, "the body must be a string")
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		return nil, errors.New("bad method")
	}
	if opts != nil {
		if err := setHeaders(req, opts.RawGetString("headers")); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func setHeaders(req *http.Request, v lua.LValue) error {
	headers, ok := v.(*lua.LTable)
	if !ok {
		if v == lua.LNil {
			return nil
		}
		return errors.New("headers must be a table")
	}
	var err error
	headers.ForEach(func(k, v lua.LValue) {
		name, isStr := k.(lua.LString)
		if !isStr || (v.Type() != lua.LTString && v.Type() != lua.LTNumber) {
			err = fmt.Errorf("header %s: names and values are strings", lua.LVAsString(k))
			return
		}
		value := lua.LVAsString(v)
		if strings.EqualFold(string(name), "host") {
			req.Host = value
			return
		}
		req.Header.Set(string(name), value)
	})
	return err
}

// httpTimeout is opts.timeout (seconds) or the default; the request's
// context also carries the hook's deadline, and the sooner one wins.
func httpTimeout(L *lua.LState, opts *lua.LTable) time.Duration {
	if opts == nil {
		return defaultHTTPTimeout
	}
	switch v := opts.RawGetString("timeout").(type) {
	case *lua.LNilType:
		return defaultHTTPTimeout
	case lua.LNumber:
		if v > 0 && !math.IsInf(float64(v), 0) {
			return time.Duration(math.Min(float64(v), 3600) * float64(time.Second))
		}
	}
	L.ArgError(1, "timeout must be a positive number of seconds")
	return 0
}

// httpError says what failed without Go's wrapping; a timeout says so
// plainly, as scripts will test for it.
func httpError(ctx context.Context, method string, u *url.URL, err error) string {
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("http: %s %s: timeout", method, redactURL(u))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Sprintf("http: %s %s: %v", method, redactURL(u), err)
}

// redactURL keeps a password in a URL out of messages (which reach logs).
func redactURL(u *url.URL) string { return u.Redacted() }

func bodyTooLarge(method string, u *url.URL) string {
	return fmt.Sprintf("http: %s %s: the response body is larger than %d bytes", method, redactURL(u), maxHTTPBody)
}

// httpResult builds {status=, headers=, body=}; header names are lower
// case, and repeated headers are joined with ", ".
func httpResult(L *lua.LState, resp *http.Response, body []byte) *lua.LTable {
	headers := L.NewTable()
	names := make([]string, 0, len(resp.Header))
	for name := range resp.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		headers.RawSetString(strings.ToLower(name), lua.LString(strings.Join(resp.Header[name], ", ")))
	}
	res := L.NewTable()
	res.RawSetString("status", lua.LNumber(resp.StatusCode))
	res.RawSetString("headers", headers)
	res.RawSetString("body", lua.LString(body))
	return res
}

// luaField is t[name] as a string ("" when missing).
func luaField(t *lua.LTable, name string) string {
	if s, ok := t.RawGetString(name).(lua.LString); ok {
		return string(s)
	}
	return ""
}
