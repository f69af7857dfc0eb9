// Package core is luaftpd's protocol engine: the Server (listeners, limits,
// shutdown), sessions, the command table, replies, passive and active data
// channels, TLS, ASCII mode, listings and the built-in users.
//
// It implements RFC 959 (FTP), RFC 775 (the X- directory commands),
// RFC 2228 and RFC 4217 (AUTH TLS, PBSZ, PROT, CCC), RFC 2389 (FEAT, OPTS),
// RFC 2428 (EPRT, EPSV, IPv6), RFC 3659 (SIZE, MDTM, REST STREAM, MLST, MLSD,
// TVFS), RFC 2640 (UTF8, LANG) and RFC 7151 (HOST), plus MFMT, MFF, HASH, RANG
// STREAM (draft-bryan-ftp-range, range.go), XCRC, XMD5, XSHA1, XSHA256,
// XSHA512, AVBL, CLNT and SITE CHMOD.
//
// core knows nothing of Lua: it declares the Authenticator and Hooks
// interfaces that the hooks package implements, and a session pays nothing
// for hooks on a verb no script has registered for.
package core
