package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path"
	"path/filepath"
	"strings"

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
// empty, so that users added to the file later come in on SIGHUP.
func buildUsers(o *options) (*core.Users, error) {
	if len(o.users) == 0 && o.usersFile == "" && o.config == "" {
		return nil, nil
	}
	users := core.NewUsers()
	if o.usersFile != "" {
		if err := users.LoadFile(o.usersFile); err != nil {
			return nil, fmt.Errorf("users file: %w", err)
		}
	}
	for _, u := range o.users {
		if err := makeDir(filepath.Join(o.root, filepath.FromSlash(u.root)), o.runAs); err != nil {
			return nil, fmt.Errorf("user %q: %w", u.name, err)
		}
		if err := users.Add(u.name, u.password, u.root); err != nil {
			return nil, fmt.Errorf("user %q: %w", u.name, err)
		}
	}
	return users, nil
}

// reloadUsers reads the command line, the config file and the users file
// again (SIGHUP), builds the whole new list, then swaps it in: a login sees
// either the old users or the new ones. On any error the users loaded
// before stay in force. live is nil when the server started with no
// built-in users; then there is nothing to reload.
func reloadUsers(live *core.Users, args []string, logger *slog.Logger) {
	if live == nil {
		return
	}
	fresh, err := loadUsers(args)
	if err != nil {
		logger.Error("reloading the users failed; the users loaded before stay in force", "err", err)
		return
	}
	live.Replace(fresh)
	logger.Info("users reloaded", "users", live.Len())
}

// loadUsers builds the users that args (and the config file they name)
// give.
func loadUsers(args []string) (*core.Users, error) {
	o, err := parseOptions(args, io.Discard, false)
	if err != nil {
		return nil, err
	}
	users, err := buildUsers(o)
	if err != nil {
		return nil, err
	}
	if users == nil {
		users = core.NewUsers()
	}
	return users, nil
}
