package hooks

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"testing"
	"time"

	"github.com/luaftpd/luaftpd/core"
	"github.com/luaftpd/luaftpd/vfs"
)

const passThrough = `
ftp.before("*", function(ev) end)
ftp.after("*", function(ev, r) end)`

// A verb no script watches costs a map lookup and nothing else.
func TestWantsAllocatesNothing(t *testing.T) {
	e, _ := newTestEngine(t, map[string]string{"10-a.lua": `ftp.before("STOR", function() end)`})
	n := testing.AllocsPerRun(1000, func() {
		if b, a := e.Wants("NOOP"); b || a {
			t.Fatal("NOOP is watched")
		}
		if e.WantsEvent("upload") {
			t.Fatal("upload is watched")
		}
	})
	if n != 0 {
		t.Errorf("Wants allocates %v times per call", n)
	}
}

func BenchmarkWantsUnwatched(b *testing.B) {
	e, _ := newTestEngine(b, map[string]string{"10-a.lua": `ftp.before("STOR", function() end)`})
	b.ReportAllocs()
	for b.Loop() {
		e.Wants("NOOP")
	}
}

// BenchmarkBeforePassThrough is one Before call with one handler that
// returns nil: a pooled state, a budget context, the ev view.
func BenchmarkBeforePassThrough(b *testing.B) {
	e, _ := newTestEngine(b, map[string]string{"10-a.lua": passThrough})
	ev := &core.Event{Command: "NOOP", Session: &core.Session{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Before(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNOOP measures NOOPs per second over loopback through a real
// session, with no engine, with an engine with no scripts, with a script
// that watches only STOR, and with one pass-through ftp.before("*") and
// ftp.after("*").
func BenchmarkNOOP(b *testing.B) {
	cases := []struct {
		name  string
		files map[string]string // nil: no engine at all
	}{
		{"no-engine", nil},
		{"no-scripts", map[string]string{}},
		{"other-verb-watched", map[string]string{"10-stor.lua": `ftp.before("STOR", function(ev) end)`}},
		{"pass-through", map[string]string{"10-pass.lua": passThrough}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			conn := benchServer(b, c.files)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				id, err := conn.Cmd("NOOP")
				if err != nil {
					b.Fatal(err)
				}
				conn.StartResponse(id)
				_, _, err = conn.ReadResponse(200)
				conn.EndResponse(id)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cmds/s")
		})
	}
}

func benchServer(b *testing.B, files map[string]string) *textproto.Conn {
	srv := &core.Server{FS: vfs.NewMem(), Anonymous: true, Logger: slog.New(slog.DiscardHandler)}
	if files != nil {
		e, _ := newTestEngine(b, files, func(o *Options) { o.Logger = slog.New(slog.DiscardHandler) })
		srv.Hooks = e
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	conn, err := textproto.Dial("tcp", l.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	if _, _, err := conn.ReadResponse(220); err != nil {
		b.Fatal(err)
	}
	return conn
}

// BenchmarkReload is one forced reload of ten small scripts and a lib:
// read, compile, load into a first state, swap.
func BenchmarkReload(b *testing.B) {
	files := map[string]string{"lib/util.lua": `return {twice = function(s) return s .. s end}`}
	for i := range 10 {
		files[fmt.Sprintf("%02d-s.lua", i)] = fmt.Sprintf(`local u = require("util")
ftp.before("STOR", function(ev) if ev.arg == "%d" then return ftp.deny(550, u.twice("no")) end end)
ftp.site("S%d", function(ev) return ftp.reply(200, "ok") end)`, i, i)
	}
	e, _ := newTestEngine(b, files)
	for b.Loop() {
		if err := e.Reload(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStateBuild is what the pool pays for one more state of the
// same ten scripts.
func BenchmarkStateBuild(b *testing.B) {
	files := map[string]string{}
	for i := range 10 {
		files[fmt.Sprintf("%02d-s.lua", i)] = fmt.Sprintf(`ftp.site("S%d", function(ev) return ftp.reply(200, "ok") end)`, i)
	}
	e, _ := newTestEngine(b, files)
	s := e.cur.Load()
	b.ReportAllocs()
	for b.Loop() {
		st, errs := s.newState(e)
		if len(errs) > 0 {
			b.Fatal(errs)
		}
		st.close()
	}
}
