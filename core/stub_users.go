package core

import "context"

// Users is the built-in user list: -user flags and a users file of bcrypt
// hashes. It is an Authenticator and safe for concurrent use.
type Users struct{}

// NewUsers returns an empty list.
func NewUsers() *Users { return &Users{} }

// Add adds a user with a plain password (the -user flag); root is a folder
// inside the served tree ("" for all of it).
func (u *Users) Add(name, password, root string) error { return nil }

// LoadFile adds every user of a users file (lines "name:bcrypt-hash[:root]").
func (u *Users) LoadFile(path string) error { return nil }

// Len is the number of users.
func (u *Users) Len() int { return 0 }

// Authenticate implements Authenticator.
func (u *Users) Authenticate(ctx context.Context, user, password string, s *Session) (*Account, error) {
	return nil, nil
}

// SetPassword adds user to the users file at path, or changes their password,
// writing a bcrypt hash; the file is created (mode 0600) if missing and
// replaced atomically.
func SetPassword(path, user, password string) error { return nil }
