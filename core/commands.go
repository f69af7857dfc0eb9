package core

import "context"

// request is one command as the handler sees it.
type request struct {
	ctx  context.Context
	verb string // upper case
	arg  string // after Before hooks
	path string // for cmdPath commands: absolute, clean, inside the user's root

	// sent is the code of the final reply a handler wrote itself before
	// returning replied, for the log.
	sent int
}

// cmdFlags say what the dispatcher checks before a handler runs.
type cmdFlags uint16

const (
	cmdNoLogin  cmdFlags = 1 << iota // allowed before login
	cmdNeedArg                       // 501 without an argument
	cmdPath                          // the argument names a path (ev.path)
	cmdWrite                         // refused (550) for read-only users
	cmdTransfer                      // uses the data connection
)

type handler func(s *Session, r *request) Reply

// command is one row of the command table.
type command struct {
	fn    handler
	flags cmdFlags
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
		"FEAT": {fn: (*Session).cmdFEAT, flags: cmdNoLogin, help: "FEAT"},
		"OPTS": {fn: (*Session).cmdOPTS, flags: cmdNoLogin | cmdNeedArg, feat: "UTF8", help: "OPTS <command> [<options>]"},
		"LANG": {fn: (*Session).cmdLANG, flags: cmdNoLogin, feat: "LANG EN*", help: "LANG [<tag>]"},
		"HELP": {fn: (*Session).cmdHELP, flags: cmdNoLogin, help: "HELP [<command>]"},
		"NOOP": {fn: (*Session).cmdNOOP, flags: cmdNoLogin, help: "NOOP"},
		"STAT": {fn: (*Session).cmdSTAT, help: "STAT [<path>]"},
		"CLNT": {fn: (*Session).cmdCLNT, flags: cmdNoLogin, feat: "CLNT", help: "CLNT <client>"},
		"SITE": {fn: (*Session).cmdSITE, flags: cmdNeedArg, feat: "SITE CHMOD", help: "SITE <command> [<args>]"},
		"AVBL": {fn: (*Session).cmdAVBL, flags: cmdPath, feat: "AVBL", help: "AVBL [<path>]"},

		// navigation and file management (commands_files.go, commands_dirs.go)
		"CWD":     {fn: (*Session).cmdCWD, flags: cmdPath | cmdNeedArg, help: "CWD <path>"},
		"XCWD":    {fn: (*Session).cmdCWD, flags: cmdPath | cmdNeedArg, help: "XCWD <path>"},
		"CDUP":    {fn: (*Session).cmdCDUP, help: "CDUP"},
		"XCUP":    {fn: (*Session).cmdCDUP, help: "XCUP"},
		"PWD":     {fn: (*Session).cmdPWD, help: "PWD"},
		"XPWD":    {fn: (*Session).cmdPWD, help: "XPWD"},
		"MKD":     {fn: (*Session).cmdMKD, flags: cmdPath | cmdNeedArg | cmdWrite, help: "MKD <path>"},
		"XMKD":    {fn: (*Session).cmdMKD, flags: cmdPath | cmdNeedArg | cmdWrite, help: "XMKD <path>"},
		"RMD":     {fn: (*Session).cmdRMD, flags: cmdPath | cmdNeedArg | cmdWrite, help: "RMD <path>"},
		"XRMD":    {fn: (*Session).cmdRMD, flags: cmdPath | cmdNeedArg | cmdWrite, help: "XRMD <path>"},
		"DELE":    {fn: (*Session).cmdDELE, flags: cmdPath | cmdNeedArg | cmdWrite, help: "DELE <path>"},
		"RNFR":    {fn: (*Session).cmdRNFR, flags: cmdPath | cmdNeedArg | cmdWrite, help: "RNFR <path>"},
		"RNTO":    {fn: (*Session).cmdRNTO, flags: cmdPath | cmdNeedArg | cmdWrite, help: "RNTO <path>"},
		"SMNT":    {fn: (*Session).cmdSMNT, flags: cmdNeedArg, help: "SMNT <path>"},
		"SIZE":    {fn: (*Session).cmdSIZE, flags: cmdPath | cmdNeedArg, feat: "SIZE", help: "SIZE <path>"},
		"MDTM":    {fn: (*Session).cmdMDTM, flags: cmdPath | cmdNeedArg, feat: "MDTM", help: "MDTM <path>"},
		"MFMT":    {fn: (*Session).cmdMFMT, flags: cmdNeedArg | cmdWrite, feat: "MFMT", help: "MFMT <YYYYMMDDHHMMSS> <path>"},
		"MLST":    {fn: (*Session).cmdMLST, flags: cmdPath, feat: "MLST type*;size*;modify*;perm*;unique*;unix.mode*;", help: "MLST [<path>]"},
		"HASH":    {fn: (*Session).cmdHASH, flags: cmdPath | cmdNeedArg, feat: "HASH SHA-256*;SHA-1;MD5;CRC32", help: "HASH <path>"},
		"XCRC":    {fn: (*Session).cmdXCRC, flags: cmdPath | cmdNeedArg, feat: "XCRC", help: "XCRC <path>"},
		"XMD5":    {fn: (*Session).cmdXMD5, flags: cmdPath | cmdNeedArg, feat: "XMD5", help: "XMD5 <path>"},
		"XSHA1":   {fn: (*Session).cmdXSHA1, flags: cmdPath | cmdNeedArg, feat: "XSHA1", help: "XSHA1 <path>"},
		"XSHA256": {fn: (*Session).cmdXSHA256, flags: cmdPath | cmdNeedArg, feat: "XSHA256", help: "XSHA256 <path>"},
		"ALLO":    {fn: (*Session).cmdALLO, help: "ALLO <size>"},

		// listings (commands_list.go): sent over the data connection
		"LIST": {fn: (*Session).cmdLIST, flags: cmdPath | cmdTransfer, help: "LIST [<path>]"},
		"NLST": {fn: (*Session).cmdNLST, flags: cmdPath | cmdTransfer, help: "NLST [<path>]"},
		"MLSD": {fn: (*Session).cmdMLSD, flags: cmdPath | cmdTransfer, help: "MLSD [<path>]"},

		// data channel and transfers (commands_transfer.go, datachan*.go)
		"TYPE": {fn: (*Session).cmdTYPE, flags: cmdNeedArg, help: "TYPE A|I"},
		"STRU": {fn: (*Session).cmdSTRU, flags: cmdNeedArg, help: "STRU F"},
		"MODE": {fn: (*Session).cmdMODE, flags: cmdNeedArg, help: "MODE S"},
		"PORT": {fn: (*Session).cmdPORT, flags: cmdNeedArg, help: "PORT h1,h2,h3,h4,p1,p2"},
		"EPRT": {fn: (*Session).cmdEPRT, flags: cmdNeedArg, feat: "EPRT", help: "EPRT |proto|addr|port|"},
		"PASV": {fn: (*Session).cmdPASV, help: "PASV"},
		"EPSV": {fn: (*Session).cmdEPSV, feat: "EPSV", help: "EPSV [1|2|ALL]"},
		"REST": {fn: (*Session).cmdREST, flags: cmdNeedArg, feat: "REST STREAM", help: "REST <offset>"},
		"RETR": {fn: (*Session).cmdRETR, flags: cmdPath | cmdNeedArg | cmdTransfer, help: "RETR <path>"},
		"STOR": {fn: (*Session).cmdSTOR, flags: cmdPath | cmdNeedArg | cmdTransfer | cmdWrite, help: "STOR <path>"},
		"STOU": {fn: (*Session).cmdSTOU, flags: cmdPath | cmdTransfer | cmdWrite, help: "STOU [<path>]"},
		"APPE": {fn: (*Session).cmdAPPE, flags: cmdPath | cmdNeedArg | cmdTransfer | cmdWrite, help: "APPE <path>"},
		"ABOR": {fn: (*Session).cmdABOR, help: "ABOR"},
	}
}
