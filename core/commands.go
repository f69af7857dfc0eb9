package core

import "context"

// request is one command as the handler sees it.
type request struct {
	ctx  context.Context
	verb string // upper case
	arg  string // after Before hooks
	path string // the path it acts on (see pathIn): absolute, clean, inside the user's root; "" for none

	// moved is what a transfer of this command moved, for Result.Bytes:
	// 0 for every other command, and for a transfer that never started.
	moved int64

	// sent is the code of the final reply a handler wrote itself before
	// returning replied, for the log.
	sent int
}

// cmdFlags say what the dispatcher checks before a handler runs.
type cmdFlags uint16

const (
	cmdNoLogin  cmdFlags = 1 << iota // allowed before login
	cmdNeedArg                       // 501 without an argument
	cmdWrite                         // refused (550) for read-only users
	cmdTransfer                      // uses the data connection
	cmdNewName                       // names a new entry: no control characters in its name
	cmdNoArg                         // 501 with an argument (RFC 959 gives it none)
)

// pathIn says where a command's argument names the path it acts on. The
// dispatcher resolves that part into request.path (and ev.path) before the
// handler runs, and again from a rewritten ev.arg, so that handlers act on
// request.path only and a script sees, and may change, every path.
type pathIn uint8

const (
	pathNone    pathIn = iota // the argument names no path
	pathWhole                 // the whole argument; none means the current folder
	pathListing               // after ls-style options ("-la dir"); none means the current folder
	pathStatus                // as pathListing, but no argument means no path (STAT)
	pathSecond                // after the first word ("MFMT time path"); required
	pathSite                  // after the mode or time of "SITE CHMOD mode path" and "SITE UTIME time path"; other SITE verbs name none
	pathUnique                // STOU: the argument, or "ftp" in the current folder
	pathParent                // CDUP: no argument, the parent of the current folder (as "CWD ..")
	pathQuoted                // XCRC and kin: the whole argument, or the name in its leading quotes
)

type handler func(s *Session, r *request) Reply

// command is one row of the command table.
type command struct {
	fn    handler
	flags cmdFlags
	path  pathIn // where the argument names a path
	// no550 is, for a verb whose replies in RFC 959 section 5.4 lack 550,
	// the code a built-in 550 becomes: 553 for STOR, STOU and RNTO ("file
	// name not allowed"), 450 for LIST, NLST and STAT ("file unavailable").
	no550 int
	feat  string // the FEAT line it adds, if any
	help  string // the HELP syntax line
}

// commands is the command table: FEAT and HELP are built from it, so they
// never claim a verb that is not here.
var commands map[string]*command

func init() {
	commands = map[string]*command{
		// access control (commands_auth.go)
		"USER": {fn: (*Session).cmdUSER, flags: cmdNoLogin | cmdNeedArg, help: "USER <name>"},
		"PASS": {fn: (*Session).cmdPASS, flags: cmdNoLogin, help: "PASS <password>"},
		"ACCT": {fn: (*Session).cmdACCT, flags: cmdNoLogin, help: "ACCT <account>"},
		"REIN": {fn: (*Session).cmdREIN, flags: cmdNoLogin, help: "REIN"},
		"QUIT": {fn: (*Session).cmdQUIT, flags: cmdNoLogin, help: "QUIT"},
		"HOST": {fn: (*Session).cmdHOST, flags: cmdNoLogin | cmdNeedArg, feat: "HOST", help: "HOST <hostname>"},
		"AUTH": {fn: (*Session).cmdAUTH, flags: cmdNoLogin | cmdNeedArg, feat: "AUTH TLS", help: "AUTH TLS"},
		"PBSZ": {fn: (*Session).cmdPBSZ, flags: cmdNoLogin | cmdNeedArg, feat: "PBSZ", help: "PBSZ 0"},
		"PROT": {fn: (*Session).cmdPROT, flags: cmdNoLogin | cmdNeedArg, feat: "PROT", help: "PROT P|C"},
		"CCC":  {fn: (*Session).cmdCCC, flags: cmdNoLogin, help: "CCC"},

		// informational (commands_info.go)
		"SYST": {fn: (*Session).cmdSYST, flags: cmdNoLogin, help: "SYST"},
		"FEAT": {fn: (*Session).cmdFEAT, flags: cmdNoLogin | cmdNoArg, help: "FEAT"},
		"OPTS": {fn: (*Session).cmdOPTS, flags: cmdNoLogin | cmdNeedArg, feat: "UTF8", help: "OPTS <command> [<options>]"},
		"LANG": {fn: (*Session).cmdLANG, flags: cmdNoLogin, feat: "LANG EN*", help: "LANG [<tag>]"},
		"HELP": {fn: (*Session).cmdHELP, flags: cmdNoLogin, help: "HELP [<command>]"},
		"NOOP": {fn: (*Session).cmdNOOP, flags: cmdNoLogin, help: "NOOP"},
		"STAT": {fn: (*Session).cmdSTAT, no550: 450, path: pathStatus, help: "STAT [<path>]"},
		"CLNT": {fn: (*Session).cmdCLNT, flags: cmdNoLogin, feat: "CLNT", help: "CLNT <client>"},
		"SITE": {fn: (*Session).cmdSITE, path: pathSite, flags: cmdNeedArg, feat: "SITE CHMOD", help: "SITE <command> [<args>]"},
		"AVBL": {fn: (*Session).cmdAVBL, path: pathWhole, feat: "AVBL", help: "AVBL [<path>]"},

		// navigation and file management (commands_files.go, commands_dirs.go)
		"CWD":     {fn: (*Session).cmdCWD, path: pathWhole, flags: cmdNeedArg, help: "CWD <path>"},
		"XCWD":    {fn: (*Session).cmdCWD, path: pathWhole, flags: cmdNeedArg, help: "XCWD <path>"},
		"CDUP":    {fn: (*Session).cmdCDUP, flags: cmdNoArg, path: pathParent, help: "CDUP"},
		"XCUP":    {fn: (*Session).cmdCDUP, flags: cmdNoArg, path: pathParent, help: "XCUP"},
		"PWD":     {fn: (*Session).cmdPWD, flags: cmdNoArg, help: "PWD"},
		"XPWD":    {fn: (*Session).cmdPWD, flags: cmdNoArg, help: "XPWD"},
		"MKD":     {fn: (*Session).cmdMKD, path: pathWhole, flags: cmdNeedArg | cmdWrite | cmdNewName, help: "MKD <path>"},
		"XMKD":    {fn: (*Session).cmdMKD, path: pathWhole, flags: cmdNeedArg | cmdWrite | cmdNewName, help: "XMKD <path>"},
		"RMD":     {fn: (*Session).cmdRMD, path: pathWhole, flags: cmdNeedArg | cmdWrite, help: "RMD <path>"},
		"XRMD":    {fn: (*Session).cmdRMD, path: pathWhole, flags: cmdNeedArg | cmdWrite, help: "XRMD <path>"},
		"DELE":    {fn: (*Session).cmdDELE, path: pathWhole, flags: cmdNeedArg | cmdWrite, help: "DELE <path>"},
		"RNFR":    {fn: (*Session).cmdRNFR, path: pathWhole, flags: cmdNeedArg | cmdWrite, help: "RNFR <path>"},
		"RNTO":    {fn: (*Session).cmdRNTO, no550: 553, path: pathWhole, flags: cmdNeedArg | cmdWrite | cmdNewName, help: "RNTO <path>"},
		"SMNT":    {fn: (*Session).cmdSMNT, help: "SMNT <path>"}, // 502 with or without an argument
		"SIZE":    {fn: (*Session).cmdSIZE, path: pathWhole, flags: cmdNeedArg, feat: "SIZE", help: "SIZE <path>"},
		"MDTM":    {fn: (*Session).cmdMDTM, path: pathWhole, flags: cmdNeedArg, feat: "MDTM", help: "MDTM <path>"},
		"MFMT":    {fn: (*Session).cmdMFMT, path: pathSecond, flags: cmdNeedArg | cmdWrite, feat: "MFMT", help: "MFMT <YYYYMMDDHHMMSS> <path>"},
		"MFF":     {fn: (*Session).cmdMFF, path: pathSecond, flags: cmdNeedArg | cmdWrite, feat: "MFF modify;unix.mode;", help: "MFF <fact>=<value>;... <path>"},
		"MLST":    {fn: (*Session).cmdMLST, path: pathWhole, feat: "MLST type*;size*;modify*;perm*;unique*;unix.mode*;", help: "MLST [<path>]"},
		"HASH":    {fn: (*Session).cmdHASH, path: pathWhole, flags: cmdNeedArg, feat: "HASH SHA-256*;SHA-1;MD5;CRC32;SHA-512", help: "HASH <path>"},
		"RANG":    {fn: (*Session).cmdRANG, flags: cmdNeedArg, feat: "RANG STREAM", help: "RANG <start> <end> (before RETR, STOR or HASH)"},
		"XCRC":    {fn: (*Session).cmdXCRC, path: pathQuoted, flags: cmdNeedArg, feat: "XCRC", help: "XCRC <path> | XCRC \"<path>\" <start> <end>"},
		"XMD5":    {fn: (*Session).cmdXMD5, path: pathQuoted, flags: cmdNeedArg, feat: "XMD5", help: "XMD5 <path> | XMD5 \"<path>\" <start> <end>"},
		"XSHA1":   {fn: (*Session).cmdXSHA1, path: pathQuoted, flags: cmdNeedArg, feat: "XSHA1", help: "XSHA1 <path> | XSHA1 \"<path>\" <start> <end>"},
		"XSHA":    {fn: (*Session).cmdXSHA1, path: pathQuoted, flags: cmdNeedArg, feat: "XSHA", help: "XSHA <path> | XSHA \"<path>\" <start> <end>"},
		"XSHA256": {fn: (*Session).cmdXSHA256, path: pathQuoted, flags: cmdNeedArg, feat: "XSHA256", help: "XSHA256 <path> | XSHA256 \"<path>\" <start> <end>"},
		"XSHA512": {fn: (*Session).cmdXSHA512, path: pathQuoted, flags: cmdNeedArg, feat: "XSHA512", help: "XSHA512 <path> | XSHA512 \"<path>\" <start> <end>"},
		"ALLO":    {fn: (*Session).cmdALLO, help: "ALLO <size>"},

		// listings (commands_list.go): sent over the data connection
		"LIST": {fn: (*Session).cmdLIST, no550: 450, path: pathListing, flags: cmdTransfer, help: "LIST [<path>]"},
		"NLST": {fn: (*Session).cmdNLST, no550: 450, path: pathListing, flags: cmdTransfer, help: "NLST [<path>]"},
		"MLSD": {fn: (*Session).cmdMLSD, path: pathWhole, flags: cmdTransfer, help: "MLSD [<path>]"},

		// data channel and transfers (commands_transfer.go, datachan*.go)
		"TYPE": {fn: (*Session).cmdTYPE, flags: cmdNeedArg, help: "TYPE A|I"},
		"STRU": {fn: (*Session).cmdSTRU, flags: cmdNeedArg, help: "STRU F"},
		"MODE": {fn: (*Session).cmdMODE, flags: cmdNeedArg, help: "MODE S"},
		"PORT": {fn: (*Session).cmdPORT, flags: cmdNeedArg, help: "PORT h1,h2,h3,h4,p1,p2"},
		"EPRT": {fn: (*Session).cmdEPRT, flags: cmdNeedArg, feat: "EPRT", help: "EPRT |proto|addr|port|"},
		"PASV": {fn: (*Session).cmdPASV, flags: cmdNoArg, help: "PASV"},
		"EPSV": {fn: (*Session).cmdEPSV, feat: "EPSV", help: "EPSV [1|2|ALL]"},
		"REST": {fn: (*Session).cmdREST, flags: cmdNeedArg, feat: "REST STREAM", help: "REST <offset>"},
		"RETR": {fn: (*Session).cmdRETR, path: pathWhole, flags: cmdNeedArg | cmdTransfer, help: "RETR <path>"},
		"STOR": {fn: (*Session).cmdSTOR, no550: 553, path: pathWhole, flags: cmdNeedArg | cmdTransfer | cmdWrite | cmdNewName, help: "STOR <path>"},
		"STOU": {fn: (*Session).cmdSTOU, no550: 553, path: pathUnique, flags: cmdTransfer | cmdWrite | cmdNewName, help: "STOU [<path>]"},
		"APPE": {fn: (*Session).cmdAPPE, path: pathWhole, flags: cmdNeedArg | cmdTransfer | cmdWrite | cmdNewName, help: "APPE <path>"},
		"ABOR": {fn: (*Session).cmdABOR, help: "ABOR"},
	}
}
