package core

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("ftp: server closed")

// Server is an FTP and FTPS server. Its zero value with FS set serves
// anonymous-less, TLS-less FTP with the defaults given on each field.
// Fields must not be changed once Serve has been called.
type Server struct {
	// FS is the tree served; each user sees the part under Account.Root.
	FS vfs.FS
	// Auth checks logins after the scripts (Hooks) pass on them. Nil: only
	// scripts and anonymous logins.
	Auth Authenticator
	// Anonymous allows "anonymous" and "ftp" to log in read-only with any password.
	Anonymous bool
	// Hooks is the script engine; nil runs no scripts.
	Hooks Hooks

	// TLSConfig enables AUTH TLS and is used for every TLS connection of the
	// server (control, data, implicit), so data connections resume the
	// control connection's TLS session. Nil: no FTPS.
	TLSConfig *tls.Config
	// RequireTLS refuses USER and data transfers on unprotected channels.
	RequireTLS bool

	// PasvMinPort and PasvMaxPort bound the passive ports; 0: any free port.
	PasvMinPort, PasvMaxPort int
	// PublicHost is the IPv4 address announced in PASV replies; "": the
	// control connection's local address.
	PublicHost string

	// MaxSessions and MaxSessionsPerIP limit concurrent sessions; 0: no limit.
	MaxSessions, MaxSessionsPerIP int
	// IdleTimeout closes a session idle this long (never during a transfer);
	// 0: 15 minutes; negative: never.
	IdleTimeout time.Duration
	// DataTimeout bounds waiting for a data connection; 0: 30 seconds.
	DataTimeout time.Duration
	// MaxLoginFailures closes the connection after this many failed logins; 0: 3.
	MaxLoginFailures int
	// LoginFailDelay is how long a failed login waits before its 530 once
	// its address has failed more than five times in ten minutes, which
	// slows password guessing; 0: 1 second; negative: no wait.
	LoginFailDelay time.Duration
	// Banner is the 220 greeting text; "": "luaftpd ready".
	Banner string

	// Logger receives the server's log; nil: slog.Default().
	Logger *slog.Logger

	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	sessions   map[*Session]struct{}
	perIP      map[string]int
	failures   loginFailures // recent failed logins per address (under mu)
	inShutdown atomic.Bool
	sessWG     sync.WaitGroup
	nextID     atomic.Uint64
	parker     idlePoller // waits for idle sessions' next line
}
