package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/luaftpd/luaftpd/core"
)

// userSpec is one virtual user of -user or of the config file's users.
type userSpec struct {
	name, password string
	// root is an absolute, clean, slash-separated folder inside -root
	// ("/alice"); "" for all of it.
	root string
}

// parseUserSpec parses NAME:PASSWORD[:ROOT]. The password ends at the
// second colon, so a password with a colon needs the config file's table
// form.
func parseUserSpec(s string) (userSpec, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 {
		return userSpec{}, errors.New("want NAME:PASSWORD[:ROOT]")
	}
	u := userSpec{name: parts[0], password: parts[1]}
	if len(parts) == 3 {
		u.root = parts[2]
	}
	return u.check()
}

// check refuses empty names and passwords and cleans root; a root cannot
// leave -root because it is cleaned as an absolute path first.
func (u userSpec) check() (userSpec, error) {
	switch {
	case u.name == "" || strings.ContainsAny(u.name, " \t\r\n"):
		return u, errors.New("a user name must be non-empty, without spaces")
	case u.password == "":
		return u, fmt.Errorf("user %q: empty password", u.name)
	}
	if u.root = path.Clean("/" + u.root); u.root == "/" {
		u.root = ""
	}
	return u, nil
}

// userList is the repeatable -user flag.
type userList []userSpec

func (l *userList) String() string {
	if l == nil {
		return ""
	}
	names := make([]string, len(*l))
	for i, u := range *l {
		names[i] = u.name // never the password: flag defaults are printed
	}
	return strings.Join(names, ",")
}

func (l *userList) Set(s string) error {
	u, err := parseUserSpec(s)
	if err != nil {
		return err
	}
	*l = append(*l, u)
	return nil
}

// buildUsers returns the built-in users of -user, -users and the config
// file, creating each user's root folder under root if it is missing; nil
// when none of these is given. With a config file the list exists even
// empty, so that users added to the file later come in on SIGHUP. A users
// file others may read is loaded, with a warning on logger.
func buildUsers(o *options, logger *slog.Logger) (*core.Users, error) {
	if len(o.users) == 0 && o.usersFile == "" && o.config == "" {
		return nil, nil
	}
	users := core.NewUsers()
	if o.usersFile != "" {
		if err := users.LoadFile(o.usersFile); err != nil {
			return nil, fmt.Errorf("users file: %w", err)
		}
		warnIfExposed(o.usersFile, logger)
	}
	for _, u := range o.users {
		if err := users.Add(u.name, u.password, u.root); err != nil {
			return nil, fmt.Errorf("user %q: %w", u.name, err)
		}
	}
	for _, root := range users.Roots() {
		if err := makeDir(filepath.Join(o.root, filepath.FromSlash(root)), o.runAs); err != nil {
			return nil, fmt.Errorf("user root %s: %w", root, err)
		}
	}
	return users, nil
}

// usersReloader reads the users again, on SIGHUP or when their files
// change; one reload at a time, so an older read never replaces a newer.
type usersReloader struct {
	mu     sync.Mutex
	live   *core.Users // nil when the server started without built-in users
	args   []string
	logger *slog.Logger
}

// reload reads the command line, the config file and the users file
// again, builds the whole new list, then swaps it in: a login sees either
// the old users or the new ones. On any error the users loaded before
// stay in force.
func (r *usersReloader) reload() {
	if r.live == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fresh, err := loadUsers(r.args, r.logger)
	if err != nil {
		r.logger.Error("reloading the users failed; the users loaded before stay in force", "err", err)
		return
	}
	r.live.Replace(fresh)
	r.logger.Info("users reloaded", "users", r.live.Len())
}

// loadUsers builds the users that args (and the config file they name)
// give.
func loadUsers(args []string, logger *slog.Logger) (*core.Users, error) {
	o, err := readOptions(args, io.Discard, false)
	if err != nil {
		return nil, err
	}
	users, err := buildUsers(o, logger)
	if err != nil {
		return nil, err
	}
	if users == nil {
		users = core.NewUsers()
	}
	return users, nil
}

// exposedMode is the permission bits that let the file's group or anyone
// read it.
const exposedMode = 0o044

// warnIfExposed logs a warning when the users file at path can be read by
// its group or by anyone: it holds bcrypt hashes, which a reader can try
// passwords against offline. Windows file modes do not describe who may
// read a file (its ACL does), so nothing is said there.
func warnIfExposed(path string, logger *slog.Logger) {
	if runtime.GOOS == "windows" {
		return
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm()&exposedMode == 0 {
		return
	}
	logger.Warn("the users file is readable by its group or others; it holds password hashes: chmod 600 it",
		"file", path, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
}
