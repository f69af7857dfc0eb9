package scripts

import (
	"embed"
	"io/fs"
)

//go:embed *.lua
var stock embed.FS

// FS returns the stock scripts: every *.lua file at its root is one script.
func FS() fs.FS { return stock }
