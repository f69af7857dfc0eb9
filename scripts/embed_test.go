package scripts

import (
	"io/fs"
	"strings"
	"testing"
)

// Every stock script is embedded; the hooks package runs each of them
// (hooks/stock_test.go, hooks/e2e_test.go).
func TestEmbedded(t *testing.T) {
	names, err := fs.Glob(FS(), "*.lua")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, " ") != "20-transfer-log.lua" {
		t.Errorf("stock scripts %v", names)
	}
	data, err := fs.ReadFile(FS(), "20-transfer-log.lua")
	if err != nil || !strings.Contains(string(data), `ftp.on("upload"`) {
		t.Errorf("20-transfer-log.lua: %v", err)
	}
}
