// Package scripts holds luaftpd's stock Lua scripts, embedded into the
// binary. The hook engine loads them together with the scripts folder; a
// file of the same name in the folder replaces the stock one, and
// hooks.Options.Disable turns one off.
package scripts
