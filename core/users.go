package core

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// bcryptCost is the cost of new hashes; tests lower it.
var bcryptCost = bcrypt.DefaultCost

// verifiedCacheSize bounds the remembered successful bcrypt checks.
const verifiedCacheSize = 4096

// Users is the built-in user list: -user flags and a users file of bcrypt
// hashes. It is an Authenticator and safe for concurrent use.
//
// A bcrypt check costs tens of milliseconds of CPU; Users remembers the
// successful ones, keyed by an HMAC of (user, hash, password) under a key
// made at start, so a client that logs in again does not pay it again, and
// the cache never holds a password.
type Users struct {
	mu       sync.RWMutex
	users    map[string]userEntry
	key      [32]byte
	verified map[[32]byte]struct{}
}

type userEntry struct {
	plain [32]byte // SHA-256 of a -user password
	hash  []byte   // a bcrypt hash from a users file; nil for -user
	root  string
}

// NewUsers returns an empty list.
func NewUsers() *Users {
	u := &Users{users: make(map[string]userEntry), verified: make(map[[32]byte]struct{})}
	rand.Read(u.key[:])
	return u
}

// Add adds a user with a plain password (the -user flag); root is a folder
// inside the served tree ("" for all of it).
func (u *Users) Add(name, password, root string) error {
	if err := checkUserName(name); err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.users[name] = userEntry{plain: sha256.Sum256([]byte(password)), root: root}
	return nil
}

func checkUserName(name string) error {
	if name == "" || strings.ContainsAny(name, ":\r\n\x00 ") {
		return fmt.Errorf("invalid user name %q", name)
	}
	return nil
}

// LoadFile adds every user of a users file (lines "name:bcrypt-hash[:root]").
func (u *Users) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	entries, err := parseUsersFile(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, e := range entries {
		u.users[e.name] = userEntry{hash: []byte(e.hash), root: e.root}
	}
	return nil
}

// Replace swaps in the users of from, all at once, so that a users file
// can be read again while sessions log in: each login sees either the old
// list or the new one. Sessions already logged in are not affected.
func (u *Users) Replace(from *Users) {
	from.mu.RLock()
	users := maps.Clone(from.users)
	from.mu.RUnlock()
	u.mu.Lock()
	u.users = users
	u.mu.Unlock()
}

// fileUser is one line of a users file.
type fileUser struct{ name, hash, root string }

// parseUsersFile reads "name:hash[:root]" lines; blank lines and lines
// starting with '#' are skipped.
func parseUsersFile(data []byte) ([]fileUser, error) {
	var out []fileUser
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		parts := strings.SplitN(line, ":", 3)
		if len(parts) < 2 || checkUserName(parts[0]) != nil {
			return nil, fmt.Errorf("line %d: want name:hash[:root]", n)
		}
		if _, err := bcrypt.Cost([]byte(parts[1])); err != nil {
			return nil, fmt.Errorf("line %d: %s: not a bcrypt hash", n, parts[0])
		}
		e := fileUser{name: parts[0], hash: parts[1]}
		if len(parts) == 3 {
			e.root = parts[2]
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Roots lists the distinct folders the users are confined to, cleaned as
// absolute slash-separated names inside the served tree ("/alice"), so a
// caller can create the missing ones; users of the whole tree add none.
func (u *Users) Roots() []string {
	u.mu.RLock()
	defer u.mu.RUnlock()
	seen := map[string]bool{}
	var roots []string
	for _, e := range u.users {
		r := path.Clean("/" + e.root)
		if r != "/" && !seen[r] {
			seen[r] = true
			roots = append(roots, r)
		}
	}
	slices.Sort(roots)
	return roots
}

// Len is the number of users.
func (u *Users) Len() int {
	u.mu.RLock()
	defer u.mu.RUnlock()
	return len(u.users)
}

// Authenticate implements Authenticator: (nil, nil) for a name it does not
// know, ErrAuthFailed for a wrong password.
func (u *Users) Authenticate(ctx context.Context, user, password string, s *Session) (*Account, error) {
	u.mu.RLock()
	e, ok := u.users[user]
	u.mu.RUnlock()
	if !ok {
		return nil, nil
	}
	if !u.check(user, password, e) {
		return nil, ErrAuthFailed
	}
	return &Account{Root: e.root}, nil
}

func (u *Users) check(user, password string, e userEntry) bool {
	if e.hash == nil {
		sum := sha256.Sum256([]byte(password))
		return subtle.ConstantTimeCompare(sum[:], e.plain[:]) == 1
	}
	key := u.cacheKey(user, password, e.hash)
	u.mu.RLock()
	_, hit := u.verified[key]
	u.mu.RUnlock()
	if hit {
		return true
	}
	if bcrypt.CompareHashAndPassword(e.hash, []byte(password)) != nil {
		return false
	}
	u.mu.Lock()
	if len(u.verified) >= verifiedCacheSize {
		for k := range u.verified { // drop an arbitrary entry
			delete(u.verified, k)
			break
		}
	}
	u.verified[key] = struct{}{}
	u.mu.Unlock()
	return true
}

// cacheKey is HMAC-SHA256(key, user NUL hash NUL password): a changed hash
// never matches an old entry.
func (u *Users) cacheKey(user, password string, hash []byte) [32]byte {
	m := hmac.New(sha256.New, u.key[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write(hash)
	m.Write([]byte{0})
	m.Write([]byte(password))
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// SetPassword adds user to the users file at path, or changes their password,
// writing a bcrypt hash; the file is created (mode 0600) if missing, else
// replaced atomically with its mode and owner kept (writeFileAtomic).
func SetPassword(path, user, password string) error {
	if err := checkUserName(user); err != nil {
		return err
	}
	if password == "" {
		return errors.New("empty password")
	}
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, err := parseUsersFile(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, setUserLine(data, user, string(hash)))
}

// setUserLine gives user the password hash in a users file: their last
// line, the one LoadFile keeps, gets it with its root kept, and their
// earlier lines (a hand-edited file may have two) go, so the new password
// is the one that works; a user with no line gets one at the end.
func setUserLine(data []byte, user, hash string) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	last := -1
	for i, line := range lines {
		if name, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && name == user {
			last = i
		}
	}
	var out bytes.Buffer
	for i, line := range lines {
		if name, rest, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && name == user {
			if i < last {
				continue
			}
			_, root, hasRoot := strings.Cut(rest, ":")
			line = user + ":" + hash
			if hasRoot {
				line += ":" + root
			}
			line += "\n"
		}
		out.WriteString(line)
	}
	if last < 0 {
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString(user + ":" + hash + "\n")
	}
	return out.Bytes()
}

// RemoveUser takes every line of user out of the users file at path (the
// last would win when the file is read; comments and the other users'
// lines stay byte for byte) and replaces the file as SetPassword does. The
// file must read as a users file first, so a wrong path (say /etc/passwd)
// is refused untouched, and a user who is not there is an error with
// nothing written.
func RemoveUser(path, user string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if _, err := parseUsersFile(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	out, removed := dropUserLines(data, user)
	if removed == 0 {
		return fmt.Errorf("user %q is not in %s; nothing changed", user, path)
	}
	return writeFileAtomic(path, out)
}

// dropUserLines returns data without the lines "user:..." and how many
// there were.
func dropUserLines(data []byte, user string) ([]byte, int) {
	var out bytes.Buffer
	removed := 0
	for _, line := range strings.SplitAfter(string(data), "\n") {
		text := strings.TrimSpace(line)
		if name, _, ok := strings.Cut(text, ":"); ok && !strings.HasPrefix(text, "#") && name == user {
			removed++
			continue
		}
		out.WriteString(line)
	}
	return out.Bytes(), removed
}

// writeFileAtomic writes data to a temporary file beside the file path
// names (through a symbolic link, which stays a link), with that file's
// mode and, where the system allows, its owner (0600 for a new file), syncs
// it and renames it over the file: a reader sees the old file or the new
// one, never half of one. Keeping the owner keeps a users file that root
// edits readable by a server that runs as another user (-run-as).
func writeFileAtomic(path string, data []byte) error {
	mode := os.FileMode(0o600)
	var old os.FileInfo
	if real, err := filepath.EvalSymlinks(path); err == nil {
		if old, err = os.Stat(real); err != nil {
			return err
		}
		path, mode = real, old.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename there is nothing left to remove
	if err := writeSynced(f, data, mode, old); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeSynced gives f mode and the owner of old (if any), writes data and
// syncs it.
func writeSynced(f *os.File, data []byte, mode os.FileMode, old os.FileInfo) error {
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if old != nil {
		keepOwner(f, old)
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}
