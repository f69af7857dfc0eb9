package main

import (
	"errors"
	"fmt"
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

// buildUsers returns the built-in users of -user and -users, creating each
// user's root folder under root if it is missing; nil when there are none.
func buildUsers(o *options) (*core.Users, error) {
	if len(o.users) == 0 && o.usersFile == "" {
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
