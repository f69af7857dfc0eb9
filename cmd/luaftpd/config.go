package main

import (
	"flag"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/luaftpd/luaftpd/hooks"
)

// applyConfigFile merges the Lua config file at path into o. Its keys are
// the flags' names, with "_" accepted for "-" (max_sessions); "users" may
// also be a list of users (strings NAME:PASSWORD[:ROOT] or tables
// {name=, password=, root=}), and a string is then the users file as with
// -users. A value given on the command line wins; for -user the command
// line's list replaces the file's whole list.
func applyConfigFile(fs *flag.FlagSet, o *options, path string) error {
	cfg, err := hooks.LoadConfig(path)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report problems in a stable order
	for _, k := range keys {
		if err := applyConfigKey(fs, o, k, cfg[k]); err != nil {
			return fmt.Errorf("config %s: %s: %w", path, k, err)
		}
	}
	return nil
}

// applyConfigKey sets one option from the config file unless the command
// line set it.
func applyConfigKey(fs *flag.FlagSet, o *options, key string, v any) error {
	name := strings.ReplaceAll(key, "_", "-")
	if list, ok := v.([]any); ok && (name == "users" || name == "user") {
		return applyConfigUsers(o, list)
	}
	if name == "config" {
		return fmt.Errorf("a config file cannot name another")
	}
	f := fs.Lookup(name)
	if f == nil {
		return fmt.Errorf("unknown option (keys are the flags' names)")
	}
	if o.set[name] {
		return nil
	}
	values, err := configStrings(f, v)
	if err != nil {
		return err
	}
	for _, s := range values {
		if err := fs.Set(name, s); err != nil {
			return fmt.Errorf("invalid value %q: %w", s, err)
		}
	}
	o.set[name] = true
	return nil
}

// applyConfigUsers adds the config file's list of users, unless -user was
// given on the command line.
func applyConfigUsers(o *options, list []any) error {
	if o.set["user"] {
		return nil
	}
	for i, item := range list {
		u, err := configUser(item)
		if err != nil {
			return fmt.Errorf("[%d]: %w", i+1, err)
		}
		o.users = append(o.users, u)
	}
	o.set["user"] = true
	return nil
}

func configUser(item any) (userSpec, error) {
	switch item := item.(type) {
	case string:
		return parseUserSpec(item)
	case map[string]any:
		var u userSpec
		fields := map[string]*string{"name": &u.name, "password": &u.password, "root": &u.root}
		for k, v := range item {
			dst, ok := fields[k]
			s, isString := v.(string)
			if !ok || !isString {
				return u, fmt.Errorf("a user table has the string fields name, password and root")
			}
			*dst = s
		}
		return u.check()
	default:
		return userSpec{}, fmt.Errorf("a user is a string NAME:PASSWORD[:ROOT] or a table {name=, password=, root=}")
	}
}

// configStrings turns a config value into the text(s) the flag would take
// on the command line: a list gives one text per item (repeatable and
// comma-list flags), a number given for a duration counts seconds.
func configStrings(f *flag.Flag, v any) ([]string, error) {
	if list, ok := v.([]any); ok {
		var out []string
		for _, item := range list {
			s, err := configString(f, item)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := configString(f, v)
	return []string{s}, err
}

func configString(f *flag.Flag, v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		if isDuration(f) {
			return time.Duration(v * float64(time.Second)).String(), nil
		}
		if v != math.Trunc(v) {
			return "", fmt.Errorf("want a whole number, got %v", v)
		}
		return strconv.FormatInt(int64(v), 10), nil
	default:
		return "", fmt.Errorf("want a string, number or boolean")
	}
}

func isDuration(f *flag.Flag) bool {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	_, ok = g.Get().(time.Duration)
	return ok
}
