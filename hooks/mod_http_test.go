package hooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// echoServer answers with what it got: method, one header, body.
func echoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Token")+" "+r.Header.Get("Content-Type")+" "+r.Host+" "+string(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPRequests(t *testing.T) {
	srv := echoServer(t)
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modEval(t, L, `http = require("http"); base = "`+srv.URL+`"`)
	host := strings.TrimPrefix(srv.URL, "http://")
	modCheck(t, L, []modCase{
		{`local r = http.get(base .. "/a?b=1")
		  return r.status, r.body, r.headers["x-method"], r.headers["x-multi"], r.headers["content-type"]`,
			[]string{"200", "GET /a?b=1   " + host + " ", "GET", "a, b", "text/plain; charset=utf-8"}},
		{`local r = http.post(base .. "/p", '{"k":1}', {headers = {["Content-Type"] = "application/json", ["X-Token"] = "t1"}})
		  return r.status, r.body`,
			[]string{"200", `POST /p t1 application/json ` + host + ` {"k":1}`}},
		{`local r = http.request{method = "put", url = base .. "/r", body = "data", headers = {["X-Token"] = 7, Host = "example.test"}, timeout = 5}
		  return r.status, r.body`,
			[]string{"200", "PUT /r 7  example.test data"}},
		{`local r = http.request{url = base .. "/missing"}; return r.status, r.headers["x-method"]`,
			[]string{"404", "GET"}},
		{`return http.get("file:///etc/passwd")`,
			[]string{"nil", "http: the url must start with http:// or https://"}},
		{`return http.request{method = "BAD METHOD", url = base}`, []string{"nil", "http: bad method"}},
		{`return http.get(base, {headers = {["X-Bad"] = "a\r\nInjected: 1"}})`,
			[]string{"nil", `http: GET ` + srv.URL + `: net/http: invalid header field value for "X-Bad"`}},
	})
}

func TestHTTPUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	env, _ := modTestEnv(t)
	L := modState(t, env)
	got := modStrings(t, L, `return require("http").get("`+url+`/x")`)
	if len(got) != 2 || got[0] != "nil" || !strings.HasPrefix(got[1], "http: GET "+url+"/x: dial tcp") {
		t.Fatalf("got %q", got)
	}
}

// slowServer answers only after its client has gone (or 5 s); on
// /trickle it sends the headers and part of the body first.
func slowServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/trickle" {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPHonoursHookBudget(t *testing.T) {
	srv := slowServer(t)
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modEval(t, L, `http = require("http")`)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	L.SetContext(ctx)
	defer L.RemoveContext()
	get := L.GetField(L.GetGlobal("http"), "get")
	start := time.Now()
	err := L.CallByParam(lua.P{Fn: get, NRet: 2, Protect: true}, lua.LString(srv.URL), L.NewTable())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	res, msg := L.Get(-2), L.Get(-1)
	if took < 150*time.Millisecond || took > 3*time.Second {
		t.Fatalf("the call took %v; want about the 200ms budget", took)
	}
	if res != lua.LNil || msg.String() != "http: GET "+srv.URL+": timeout" {
		t.Fatalf("got %v, %v", res, msg)
	}
}

func TestHTTPOwnTimeout(t *testing.T) {
	srv := slowServer(t)
	env, _ := modTestEnv(t)
	L := modState(t, env)
	for _, path := range []string{"/slow", "/trickle"} {
		start := time.Now()
		got := modStrings(t, L, `return require("http").get("`+srv.URL+path+`", {timeout = 0.1})`)
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("%s took %v", path, took)
		}
		wantStrings(t, path, got, "nil", "http: GET "+srv.URL+path+": timeout")
	}
}

func TestHTTPBodyCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := maxHTTPBody
		if r.URL.Path != "/fits" {
			n++
		}
		if r.URL.Path == "/big" {
			w.Header().Set("Content-Length", strconv.Itoa(n)) // refused before reading
		}
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length: the cap is found by reading
		}
		w.Write([]byte(strings.Repeat("z", n)))
	}))
	t.Cleanup(srv.Close)
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modCheck(t, L, []modCase{
		{`local r = require("http").get("` + srv.URL + `/fits"); return r.status, #r.body`,
			[]string{"200", "1048576"}},
		{`return require("http").get("` + srv.URL + `/big")`,
			[]string{"nil", "http: GET " + srv.URL + "/big: the response body is larger than 1048576 bytes"}},
		{`return require("http").request{method = "post", url = "` + srv.URL + `/chunked"}`,
			[]string{"nil", "http: POST " + srv.URL + "/chunked: the response body is larger than 1048576 bytes"}},
		{`return require("http").get("http://user:secret@` + strings.TrimPrefix(srv.URL, "http://") + `/big")`,
			[]string{"nil", "http: GET http://user:xxxxx@" + strings.TrimPrefix(srv.URL, "http://") + "/big: the response body is larger than 1048576 bytes"}},
	})
}
