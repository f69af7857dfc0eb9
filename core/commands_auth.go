package core

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/luaftpd/luaftpd/vfs"
)

// isAnonymousName reports the user names of anonymous FTP.
func isAnonymousName(name string) bool {
	return strings.EqualFold(name, "anonymous") || strings.EqualFold(name, "ftp")
}

func (s *Session) cmdUSER(r *request) Reply {
	if s.user != "" {
		return NewReply(530, "Cannot change user while logged in; use REIN first.")
	}
	if s.srv.RequireTLS && !s.tlsControl {
		return NewReply(530, "TLS required: send AUTH TLS first.")
	}
	s.pendUser = r.arg
	if s.srv.Anonymous && isAnonymousName(r.arg) {
		return NewReply(331, "Anonymous login ok, send your email address as password.")
	}
	return NewReply(331, "Password required for %s.", r.arg)
}

func (s *Session) cmdPASS(r *request) Reply {
	if s.user != "" {
		return NewReply(503, "Already logged in.")
	}
	if s.pendUser == "" {
		return NewReply(503, "Login with USER first.")
	}
	name := s.pendUser
	s.pendUser = ""
	acct, err := s.authenticate(r.ctx, name, r.arg)
	if acct == nil {
		s.throttleFailure(r.ctx)
		rep := s.loginFailed(name, err)
		r.sent = 530
		return rep
	}
	return s.loginOK(r.ctx, name, acct)
}

// authenticate asks the scripts, then Server.Auth, then lets anonymous
// users in when the server allows them. (nil, err) is a rejection.
func (s *Session) authenticate(ctx context.Context, name, pass string) (*Account, error) {
	if h := s.srv.Hooks; h != nil {
		if acct, err := h.Authenticate(ctx, name, pass, s); acct != nil || err != nil {
			return acct, err
		}
	}
	if a := s.srv.Auth; a != nil {
		if acct, err := a.Authenticate(ctx, name, pass, s); acct != nil || err != nil {
			return acct, err
		}
	}
	if s.srv.Anonymous && isAnonymousName(name) {
		return &Account{ReadOnly: true}, nil
	}
	return nil, ErrAuthFailed
}

// replyTooManyFailures is what a client reads after the 530 of its last
// allowed failed login, just before the server closes the connection: the
// 530 alone would leave it to guess why the connection went away.
var replyTooManyFailures = NewReply(421, "Too many failed logins, closing control connection.")

// loginFailed counts a failed login; the last allowed failure answers 530,
// then 421, and closes the connection. A script's 421 refusal closes it at
// once, as the code says.
func (s *Session) loginFailed(name string, err error) Reply {
	s.failed++
	s.log.Info("login failed", "user", name)
	s.fireEvent("login_failed", &Event{Command: "login_failed", Arg: name})
	rep, ok := AsReply(err)
	if !ok || rep.Code < 400 {
		rep = NewReply(530, "Login incorrect.")
	}
	last := s.failed >= s.srv.maxLoginFailures()
	if !last && rep.Code != 421 {
		return rep
	}
	if last {
		s.log.Warn("too many failed logins; closing", "failures", s.failed)
	}
	if s.reply(rep) == nil && rep.Code != 421 {
		s.reply(replyTooManyFailures)
	}
	s.endSession()
	return replied
}

// endSession closes the connection once the running command is done.
func (s *Session) endSession() {
	s.mu.Lock()
	s.quitting = true
	s.mu.Unlock()
	s.tlsGoodbye()
	s.closeConn()
}

// tlsGoodbye ends a TLS control connection with a close_notify, so the
// client sees the session end rather than a cut connection (RFC 4217
// section 11; FileZilla, OpenSSL and GnuTLS clients warn of the latter).
// Only the session's own goroutine calls it, as the session ends: crypto/tls
// bounds the write to 5 seconds, and only a client that has stopped reading
// makes this session wait. A shutdown's forced close (closeSessions) does
// not wait for it.
func (s *Session) tlsGoodbye() {
	s.mu.Lock()
	tc, _ := s.conn.(*tls.Conn)
	closed := s.closed
	s.mu.Unlock()
	if tc == nil || closed {
		return
	}
	if rc, ok := tc.NetConn().(*recordConn); ok {
		rc.closing.Store(true)
	}
	tc.CloseWrite()
}

// loginOK opens the user's tree, asks the login handlers and logs the user in.
func (s *Session) loginOK(ctx context.Context, name string, acct *Account) Reply {
	fsys, rep, ok := s.userFS(ctx, name, acct)
	if !ok {
		return rep
	}
	s.user = name
	if h := s.srv.Hooks; h != nil && h.WantsEvent("login") {
		deny, err := s.onEvent("login", &Event{Command: "login", Arg: name, Session: s})
		if err != nil {
			s.log.Warn("login handler failed", "err", err)
		}
		if deny != nil {
			s.user = ""
			s.closeFS()
			s.log.Info("login refused by a script", "user", name, "code", deny.Code)
			return *deny
		}
	}
	s.account, s.fs = acct, fsys
	s.cwd = s.home(ctx, acct.Home)
	s.log = s.log.With("user", name)
	if acct.Root == "" && acct.ReadOnly && isAnonymousName(name) {
		s.log.Warn("anonymous login")
	} else {
		s.log.Info("login", "root", s.Root())
	}
	return NewReply(230, "User %s logged in.", name)
}

// userFS is the tree a user sees: their Root as an FS of its own, read-only
// when the account is.
func (s *Session) userFS(ctx context.Context, name string, acct *Account) (vfs.FS, Reply, bool) {
	fsys := s.srv.FS
	if fsys == nil {
		s.log.Error("no filesystem configured")
		return nil, replyLocalError, false
	}
	if root := path.Clean("/" + acct.Root); root != "/" {
		sub, ok := fsys.(vfs.Subber)
		if !ok {
			s.log.Error("the filesystem cannot serve user roots", "user", name)
			return nil, NewReply(530, "Login refused: home folder unavailable."), false
		}
		f, err := sub.Sub(ctx, root)
		if err != nil {
			s.log.Error("cannot open user root", "user", name, "root", root, "err", err)
			return nil, NewReply(530, "Login refused: home folder unavailable."), false
		}
		fsys = f
		s.fsClose, _ = f.(io.Closer)
	}
	if acct.ReadOnly {
		fsys = vfs.ReadOnly(fsys)
	}
	return fsys, Reply{}, true
}

// home is the folder a session starts in: the account's Home if it is a
// folder, else "/".
func (s *Session) home(ctx context.Context, home string) string {
	p := cleanPath(home)
	if p == "/" {
		return p
	}
	if fi, err := s.fs.Stat(ctx, p); err != nil || !fi.IsDir() {
		s.log.Warn("home folder unavailable; starting at /", "home", p)
		return "/"
	}
	return p
}

// closeFS releases a user root opened for the session.
func (s *Session) closeFS() {
	if s.fsClose != nil {
		s.fsClose.Close()
		s.fsClose = nil
	}
}

func (s *Session) cmdACCT(r *request) Reply {
	return NewReply(202, "ACCT not needed.")
}

// cmdREIN forgets the login and resets every parameter to its default, as
// if the client had just connected (RFC 959); the control channel's
// protection stays.
func (s *Session) cmdREIN(r *request) Reply {
	s.data.close()
	s.closeFS()
	s.user, s.pendUser, s.account, s.fs = "", "", nil, nil
	s.cwd, s.ascii, s.restOffset, s.renameFrom, s.rang = "/", false, 0, "", nil
	s.client, s.mlstOff, s.hashAlgo = "", 0, 0
	s.log = s.newSessionLogger()
	return NewReply(220, "Service ready for new user.")
}

func (s *Session) cmdQUIT(r *request) Reply {
	s.mu.Lock()
	s.quitting = true
	s.mu.Unlock()
	return NewReply(221, "Goodbye.")
}

func (s *Session) cmdHOST(r *request) Reply {
	if s.user != "" || s.pendUser != "" {
		return NewReply(503, "HOST must come before USER.")
	}
	return NewReply(220, "Host accepted.")
}

func (s *Session) cmdAUTH(r *request) Reply {
	switch mech := strings.ToUpper(r.arg); {
	case s.srv.TLSConfig == nil:
		return NewReply(502, "TLS is not configured on this server.")
	case mech != "TLS" && mech != "TLS-C" && mech != "SSL":
		return NewReply(504, "AUTH %s not supported.", r.arg)
	case s.tlsControl:
		return NewReply(503, "Already using TLS.")
	}
	r.sent = 234
	if err := s.reply(NewReply(234, "AUTH TLS successful.")); err != nil {
		return replied
	}
	if err := s.upgradeTLS(r.ctx); err != nil {
		s.log.Info("TLS handshake failed", "err", err)
		if errors.As(err, new(tls.RecordHeaderError)) {
			// plain text where a ClientHello belongs: the client reads
			// plain text too, so tell it why the connection ends
			r.sent = 421
			s.reply(NewReply(421, "TLS handshake failed."))
		}
		s.endSession()
	}
	return replied
}

func (s *Session) cmdPBSZ(r *request) Reply {
	if !s.tlsControl {
		return NewReply(503, "PBSZ requires AUTH first.")
	}
	if _, err := strconv.ParseUint(r.arg, 10, 32); err != nil {
		return NewReply(501, "PBSZ needs a number.")
	}
	s.pbsz = true
	return NewReply(200, "PBSZ=0")
}

// cmdPROT sets the data channel's protection. RFC 2228 has PBSZ come first;
// a client that skips it gets PBSZ 0, the only size TLS has (RFC 4217
// section 9), as ProFTPD, vsftpd and pure-ftpd also allow.
func (s *Session) cmdPROT(r *request) Reply {
	if !s.tlsControl {
		return NewReply(503, "PROT requires AUTH first.")
	}
	s.pbsz = true
	switch strings.ToUpper(r.arg) {
	case "P":
		s.protPrivate = true
		return NewReply(200, "Protection level set to P.")
	case "C":
		if s.srv.RequireTLS {
			return NewReply(534, "Protection level C refused: TLS is required.")
		}
		s.protPrivate = false
		return NewReply(200, "Protection level set to C.")
	case "S", "E":
		return NewReply(536, "Protection level %s not supported.", strings.ToUpper(r.arg))
	}
	return NewReply(504, "Unknown protection level.")
}

// cmdCCC refuses to drop TLS on the control channel: once protected, a
// session stays protected (RFC 4217 lets a server refuse by policy).
func (s *Session) cmdCCC(r *request) Reply {
	if !s.tlsControl {
		return NewReply(533, "The control channel is not protected.")
	}
	return NewReply(534, "CCC refused by policy.")
}
