package core

import (
	"context"
	"errors"
)

// Account is what a successful login grants.
type Account struct {
	// Root is the user's root, a slash-separated folder inside the server's
	// FS ("" or "/" for the whole of it). The session never sees past it.
	Root string
	// Home is the folder the session starts in, inside Root ("" means "/").
	Home string
	// ReadOnly refuses every command that writes.
	ReadOnly bool
}

// Authenticator checks a USER/PASS pair.
//
// It returns (account, nil) to accept, (nil, nil) when the user is not its
// own (the next authenticator is asked), and (nil, err) to reject: no other
// authenticator is asked, and an *Error in err chooses the 530 text.
type Authenticator interface {
	Authenticate(ctx context.Context, user, password string, s *Session) (*Account, error)
}

// ErrAuthFailed is the plain rejection of a login.
var ErrAuthFailed = errors.New("login incorrect")

// Event is what a hook sees of a command or a session event.
type Event struct {
	// Command is, for a command (Before, After, RunCommand), its verb in
	// upper case; for a SITE verb a script added (RunSite), that verb's name
	// in upper case ("SITE GREET bob" gives "GREET"); for the "upload" and
	// "download" events, the verb of the transfer ("STOR", "APPE", "STOU",
	// "RETR"); for the "connect", "login", "login_failed" and "disconnect"
	// events, the event's name in lower case.
	Command string
	// Arg is the argument as the client sent it; a Before hook may change it,
	// and the command then runs with the new one. For "login" and
	// "login_failed" it is the user name; for "upload" and "download", the
	// transfer command's argument; for "connect" and "disconnect", "".
	Arg string
	// Path is, for a command that acts on a path, that path: absolute
	// inside the user's root, wherever the argument names it ("MFMT time
	// path", "SITE CHMOD mode path", "LIST -la path"). It is "" for a command
	// that names none (STAT without an argument, SITE HELP); the current
	// folder for LIST without one; the parent folder for CDUP; for STOU
	// without one, "ftp" in the current folder, the name a number is added
	// to when it is taken. A Before hook may change it: the command then
	// acts on the new path, which the session resolves again so that it
	// stays inside the root. For "upload" and "download" it is the file
	// written or read (for STOU, the unique name chosen).
	Path string
	// Session is the session the command runs in.
	Session *Session
	// Bytes and OK describe a finished transfer (upload and download events).
	Bytes int64
	OK    bool
}

// Result is what an After hook learns about a finished command.
type Result struct {
	Code    int
	Message string
	Bytes   int64
	Seconds float64
	Err     string
	Path    string
}

// CommandInfo describes a command or SITE verb that a script added.
type CommandInfo struct {
	Verb string // upper case; for a SITE verb, its name
	Auth bool   // needs a login
	Feat string // a FEAT line, or ""
	Help string // a HELP line, or ""
}

// Hooks is the script engine as the session sees it. Every method must be
// safe for concurrent use. A nil Hooks costs nothing, and a verb for which
// Wants reports false costs one map lookup.
type Hooks interface {
	// Wants reports whether any Before or After handler is registered for
	// verb (including "*").
	Wants(verb string) (before, after bool)
	// Before runs the Before handlers. A non-nil reply means the command does
	// not run and that reply is sent; an error means 451 and the command does
	// not run.
	Before(ctx context.Context, ev *Event) (*Reply, error)
	// After runs the After handlers, after the reply was sent.
	After(ctx context.Context, ev *Event, res *Result)

	// Command reports whether a script defines the command verb (a new one,
	// or one that replaces a built-in).
	Command(verb string) (CommandInfo, bool)
	// RunCommand runs a script-defined command; error means 451.
	RunCommand(ctx context.Context, ev *Event) (Reply, error)
	// Commands lists the script-defined commands, for FEAT and HELP.
	Commands() []CommandInfo

	// Site reports whether a script defines SITE name (upper case).
	Site(name string) (CommandInfo, bool)
	// RunSite runs SITE ev.Command with ev.Arg holding its arguments.
	RunSite(ctx context.Context, name string, ev *Event) (Reply, error)
	// Sites lists the script-defined SITE verbs, for SITE HELP.
	Sites() []CommandInfo

	// Authenticate asks the scripts' auth handlers first (see Authenticator).
	Authenticator

	// WantsEvent reports whether any handler is registered for a session
	// event: "connect", "login", "login_failed", "upload", "download",
	// "disconnect".
	WantsEvent(name string) bool
	// On runs an event's handlers. For "connect" a reply with code 421
	// refuses the client and one with 220 replaces the banner; for "login" a
	// reply refuses the login with its code; for other events it is ignored.
	On(ctx context.Context, name string, ev *Event) (*Reply, error)
}
