package hooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/go-multierror"
	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// maxScriptSize bounds one script or lib file.
const maxScriptSize = 1 << 20

// source is one script or lib file as read.
type source struct {
	name string // "10-auth.lua", or "lib/util.lua"
	data []byte
	err  error // it could not be read: reported with the compile errors
}

// compiled is a script compiled once; its proto is shared by every state.
type compiled struct {
	name  string
	proto *lua.FunctionProto
}

// sources reads the stock scripts and the folder's: scripts in filename
// order (a folder file replacing the stock one of the same name) and lib
// modules by module name. A missing or unreadable folder is an error.
func (e *Engine) sources() (scripts []source, libs map[string]source, err error) {
	byName := map[string]source{}
	libs = map[string]source{}
	if e.stock != nil {
		if err := readStock(e.stock, e.opts.Disable, byName, libs); err != nil {
			return nil, nil, fmt.Errorf("stock scripts: %w", err)
		}
	}
	if e.opts.Dir != "" {
		if err := readDir(e.opts.Dir, byName, libs); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range byName {
		scripts = append(scripts, s)
	}
	sort.Slice(scripts, func(i, j int) bool { return scripts[i].name < scripts[j].name })
	return scripts, libs, nil
}

// isScriptName reports whether a file name is a script: *.lua, and not an
// editor's hidden or lock file.
func isScriptName(name string) bool {
	return strings.HasSuffix(name, ".lua") && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "#")
}

func readStock(fsys fs.FS, disable []string, scripts, libs map[string]source) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	for _, ent := range entries {
		if ent.IsDir() || !isScriptName(ent.Name()) || slices.Contains(disable, ent.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, ent.Name())
		if err != nil {
			return err
		}
		scripts[ent.Name()] = source{name: ent.Name(), data: data}
	}
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(p, "lib/") || !isScriptName(d.Name()) {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err == nil {
			libs[moduleName(p)] = source{name: p, data: data}
		}
		return err
	})
}

// readDir reads the scripts folder. Symbolic links are followed (a
// Kubernetes ConfigMap is a folder of links into a "..data" link).
func readDir(dir string, scripts, libs map[string]source) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("scripts folder %s does not exist", dir)
		}
		return fmt.Errorf("scripts folder: %w", err)
	}
	for _, ent := range entries {
		if !isScriptName(ent.Name()) {
			continue
		}
		data, ok, err := readFile(filepath.Join(dir, ent.Name()))
		if ok || err != nil {
			scripts[ent.Name()] = source{name: ent.Name(), data: data, err: err}
		}
	}
	return readLibs(dir, libs)
}

func readLibs(dir string, libs map[string]source) error {
	root := filepath.Join(dir, "lib")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isScriptName(d.Name()) {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, ok, err := readFile(p)
		if ok || err != nil {
			libs[moduleName(rel)] = source{name: rel, data: data, err: err}
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// readFile reads a regular file (following links) of bounded size; ok is
// false for a folder. A link to nothing is an error: skipping it would
// drop a script's handlers without a word.
func readFile(p string) (data []byte, ok bool, err error) {
	fi, err := os.Stat(p)
	if err != nil {
		if _, lerr := os.Lstat(p); lerr == nil {
			return nil, false, &ScriptError{Script: filepath.Base(p), Msg: "a link to a file that does not exist"}
		}
		return nil, false, nil // removed while we read the folder
	}
	if !fi.Mode().IsRegular() {
		return nil, false, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, false, &ScriptError{Script: filepath.Base(p), Msg: "cannot be read: " + ioErrText(err)}
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxScriptSize+1))
	if err != nil {
		return nil, false, &ScriptError{Script: filepath.Base(p), Msg: "cannot be read: " + ioErrText(err)}
	}
	return data, true, nil
}

// moduleName turns "lib/a/b.lua" into "a.b".
func moduleName(p string) string {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "lib/"), ".lua")
	return strings.ReplaceAll(p, "/", ".")
}

// fingerprint identifies a set of sources, so a rescan that finds the same
// contents does nothing.
func fingerprint(scripts []source, libs map[string]source) string {
	h := sha256.New()
	all := append([]source(nil), scripts...)
	for _, l := range libs {
		all = append(all, l)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	for _, s := range all {
		fmt.Fprintf(h, "%s\x00%d\x00%v\x00", s.name, len(s.data), s.err)
		h.Write(s.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ioErrText is an I/O error without the path, which the log line names.
func ioErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// compile checks and compiles one file.
func compile(s source) (*lua.FunctionProto, error) {
	if s.err != nil {
		var se *ScriptError
		if errors.As(s.err, &se) {
			se.Script = s.name
		}
		return nil, s.err
	}
	if len(s.data) > maxScriptSize {
		return nil, &ScriptError{Script: s.name, Msg: fmt.Sprintf("larger than %d bytes", maxScriptSize)}
	}
	if len(bytes.TrimSpace(s.data)) == 0 {
		return nil, &ScriptError{Script: s.name, Msg: "the file is empty (a save in progress? delete it to remove the script)"}
	}
	if !utf8.Valid(s.data) {
		return nil, &ScriptError{Script: s.name, Line: badUTF8Line(s.data), Msg: "not UTF-8 text"}
	}
	chunk, err := parse.Parse(bytes.NewReader(s.data), s.name)
	if err != nil {
		return nil, compileError(s.name, err)
	}
	proto, err := lua.Compile(chunk, s.name)
	if err != nil {
		return nil, compileError(s.name, err)
	}
	return proto, nil
}

// badUTF8Line is the line of the first byte that is not UTF-8.
func badUTF8Line(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[n:]
	}
	return line
}

// load reads, compiles and loads every script into a new set. The set is
// returned only if everything loaded; otherwise the error lists every
// failure (a *multierror.Error of *ScriptError and folder errors).
func (e *Engine) load() (*set, error) {
	scripts, libs, err := e.sources()
	if err != nil {
		return nil, err
	}
	s := &set{fp: fingerprint(scripts, libs), libs: map[string]*lua.FunctionProto{}}
	var errs *multierror.Error
	for _, src := range scripts {
		proto, err := compile(src)
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		s.scripts = append(s.scripts, compiled{name: src.name, proto: proto})
	}
	for name, src := range libs {
		proto, err := compile(src)
		if err != nil {
			errs = multierror.Append(errs, err)
			continue
		}
		s.libs[name] = proto
	}
	return e.build(s, errs)
}

// build runs the compiled scripts in the set's first state, which fixes
// the set's handlers, and starts its pool with that state. The scripts
// that compiled run even when others did not, so that one load reports
// every error.
func (e *Engine) build(s *set, errs *multierror.Error) (*set, error) {
	st, loadErrs := s.newState(e)
	errs = multierror.Append(errs, loadErrs...)
	if errs.ErrorOrNil() != nil {
		st.close()
		sortErrors(errs)
		return nil, errs
	}
	s.handlers, st.regs = st.regs, nil
	s.index()
	s.pool = newPool(e, s)
	s.pool.put(st)
	return s, nil
}

func sortErrors(errs *multierror.Error) {
	key := func(err error) string {
		var se *ScriptError
		if errors.As(err, &se) {
			return fmt.Sprintf("%s\x00%09d", se.Script, se.Line)
		}
		return err.Error()
	}
	sort.SliceStable(errs.Errors, func(i, j int) bool { return key(errs.Errors[i]) < key(errs.Errors[j]) })
	errs.ErrorFormat = listErrors
}

// listErrors formats a load failure on one line per error, each with its
// file and line.
func listErrors(errs []error) string {
	lines := make([]string, len(errs))
	for i, err := range errs {
		lines[i] = err.Error()
	}
	if len(errs) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d errors: %s", len(errs), strings.Join(lines, "; "))
}
