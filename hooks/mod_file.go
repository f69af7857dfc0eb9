package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// maxDataFile caps a file the file module reads: it is read whole, in one
// Go call the VM cannot interrupt.
const maxDataFile = 4 << 20

// fileFuncs is the file module: read-only access to the data folder.
func fileFuncs(env *moduleEnv) map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"read": func(L *lua.LState) int {
			name := L.CheckString(1)
			data, err := readDataFile(env.dataDir, name)
			if err != nil {
				return pushFail(L, "file.read: "+err.Error())
			}
			L.Push(lua.LString(data))
			return 1
		},
		"lines": func(L *lua.LState) int {
			name := L.CheckString(1)
			data, err := readDataFile(env.dataDir, name)
			if err != nil {
				return pushFail(L, "file.lines: "+err.Error())
			}
			L.Push(L.NewFunction(lineIterator(data)))
			return 1
		},
	}
}

// readDataFile reads name under dir through os.Root, which refuses any
// path (a "..", a symlink) that leads out of dir. Names are checked first
// as well, so that the refusal reads plainly.
func readDataFile(dir, name string) ([]byte, error) {
	if dir == "" {
		return nil, errors.New("there is no data folder")
	}
	if err := checkDataName(name); err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("there is no data folder")
	}
	if err != nil {
		return nil, errors.New("the data folder cannot be opened")
	}
	defer root.Close()
	data, err := readCapped(root, name)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", name, err)
	}
	return data, nil
}

func checkDataName(name string) error {
	if name == "" || path.IsAbs(name) || strings.HasPrefix(name, `\`) {
		return errors.New("the name must be relative to the data folder")
	}
	for _, elem := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == ".." {
			return errors.New(`".." is not allowed`)
		}
	}
	if strings.IndexByte(name, 0) >= 0 {
		return errors.New("the name holds a NUL byte")
	}
	return nil
}

func readCapped(root *os.Root, name string) ([]byte, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, plainFileError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, plainFileError(err)
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if st.Size() > maxDataFile {
		return nil, fmt.Errorf("larger than %d bytes", maxDataFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxDataFile+1))
	if err != nil {
		return nil, plainFileError(err)
	}
	if len(data) > maxDataFile {
		return nil, fmt.Errorf("larger than %d bytes", maxDataFile)
	}
	return data, nil
}

// plainFileError drops the path from an os error: the message reaches
// scripts and logs, and the data folder's place on disk is none of theirs.
func plainFileError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lineIterator returns the lines of data one per call, without their "\n"
// or "\r\n", then nil. A last line without a newline still counts.
func lineIterator(data []byte) lua.LGFunction {
	rest := data
	return func(L *lua.LState) int {
		if len(rest) == 0 {
			L.Push(lua.LNil)
			return 1
		}
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		L.Push(lua.LString(bytes.TrimSuffix(line, []byte("\r"))))
		return 1
	}
}
