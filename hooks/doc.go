// Package hooks is luaftpd's Lua runtime: it loads the scripts folder (and
// the stock scripts the binary passes in, Options.Stock), runs them in a sandbox on a pool
// of Lua states under time budgets, implements core.Hooks and
// core.Authenticator, provides the modules of HOOKS.md (log, json, http, kv,
// crypto, time, file) and reloads the scripts when their folder changes.
package hooks
