package core

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/luaftpd/luaftpd/vfs"
)

func (s *Session) cmdSYST(r *request) Reply { return NewReply(215, "UNIX Type: L8") }

func (s *Session) cmdNOOP(r *request) Reply { return NewReply(200, "NOOP ok.") }

func (s *Session) cmdCLNT(r *request) Reply {
	s.client = r.arg
	s.log.Debug("client", "client", r.arg)
	return NewReply(200, "Noted.")
}

// cmdFEAT lists the features of the commands in the table (and of the
// scripts' commands), so it never claims one that is not there.
func (s *Session) cmdFEAT(r *request) Reply {
	lines := []string{"Features:"}
	feats := []string{"TVFS"}
	for verb, c := range commands {
		if c.feat != "" && s.offers(verb) {
			feats = append(feats, s.featLine(verb, c.feat))
		}
	}
	if h := s.srv.Hooks; h != nil {
		for _, ci := range h.Commands() {
			if ci.Feat != "" {
				feats = append(feats, ci.Feat)
			}
		}
	}
	slices.Sort(feats)
	lines = append(lines, slices.Compact(feats)...)
	return Reply{Code: 211, Lines: append(lines, "End")}
}

// offers reports whether a verb's feature works with this server's
// configuration and storage.
func (s *Session) offers(verb string) bool {
	switch verb {
	case "AUTH", "PBSZ", "PROT":
		return s.srv.TLSConfig != nil
	case "AVBL":
		_, ok := s.srv.FS.(vfs.Availer)
		return ok
	case "MFMT", "MFF":
		_, ok := s.srv.FS.(vfs.Chtimeser)
		return ok
	case "SITE":
		_, ok := s.srv.FS.(vfs.Chmoder)
		return ok
	}
	return true
}

// featLine is a FEAT line; MLST and HASH mark the session's current choices.
func (s *Session) featLine(verb, feat string) string {
	switch verb {
	case "MLST":
		return "MLST " + s.mlstFactList(true)
	case "MFF":
		if _, ok := s.srv.FS.(vfs.Chmoder); !ok {
			return "MFF modify;"
		}
	case "HASH":
		names := make([]string, len(hashAlgos))
		for i, a := range hashAlgos {
			names[i] = a.name
			if uint8(i) == s.hashAlgo {
				names[i] += "*"
			}
		}
		return "HASH " + strings.Join(names, ";")
	}
	return feat
}

func (s *Session) cmdOPTS(r *request) Reply {
	name, val, _ := strings.Cut(r.arg, " ")
	switch strings.ToUpper(name) {
	case "UTF8", "UTF-8":
		// names are always UTF-8, so both answers are 200; anything else is
		// not the "OPTS UTF8 ON|OFF" of draft-ietf-ftpext-utf-8-option
		switch strings.ToUpper(strings.TrimSpace(val)) {
		case "ON", "OFF":
			return NewReply(200, "Always in UTF8 mode.")
		}
		return NewReply(501, "Syntax: OPTS UTF8 ON")
	case "MLST":
		s.setMLSTFacts(val)
		// RFC 3659 section 7.9: "200 MLST OPTS" then the facts now selected,
		// if any
		return NewReply(200, "%s", strings.TrimSpace("MLST OPTS "+s.mlstFactList(false)))
	case "HASH":
		return s.optsHash(strings.TrimSpace(val))
	}
	return NewReply(501, "Option not understood.")
}

func (s *Session) optsHash(val string) Reply {
	if val == "" {
		return NewReply(200, "%s", hashAlgos[s.hashAlgo].name)
	}
	for i, a := range hashAlgos {
		if strings.EqualFold(a.name, val) {
			s.hashAlgo = uint8(i)
			return NewReply(200, "%s", a.name)
		}
	}
	return NewReply(501, "Unknown hash algorithm.")
}

// cmdLANG selects the language of the replies (RFC 2640 section 4): only
// English is offered (504 for any other language); what is not a language
// tag at all is a syntax error (501).
func (s *Session) cmdLANG(r *request) Reply {
	tag := strings.ToUpper(strings.TrimSpace(r.arg))
	switch {
	case tag == "" || tag == "EN" || strings.HasPrefix(tag, "EN-") && isLangTag(tag):
		return NewReply(200, "Using language EN.")
	case !isLangTag(tag):
		return NewReply(501, "Syntax: LANG [<language tag>]")
	}
	return NewReply(504, "Language not supported.")
}

// isLangTag reports whether tag has the form of an RFC 1766 language tag:
// subtags of 1 to 8 letters or digits, joined by hyphens, the first one
// letters only.
func isLangTag(tag string) bool {
	for i, sub := range strings.Split(tag, "-") {
		if len(sub) < 1 || len(sub) > 8 {
			return false
		}
		for _, c := range sub {
			letter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// cmdHELP lists the verbs of the table and of the scripts, or one verb's
// syntax.
func (s *Session) cmdHELP(r *request) Reply {
	if arg := strings.TrimSpace(r.arg); arg != "" {
		verb := upperASCII(arg)
		if c := commands[verb]; c != nil {
			return NewReply(214, "Syntax: %s", c.help)
		}
		if h := s.srv.Hooks; h != nil {
			if ci, ok := h.Command(verb); ok {
				return NewReply(214, "Syntax: %s", orElse(ci.Help, verb))
			}
		}
		return NewReply(502, "Unknown command %s.", verb)
	}
	verbs := make([]string, 0, len(commands))
	for verb := range commands {
		verbs = append(verbs, verb)
	}
	if h := s.srv.Hooks; h != nil {
		for _, ci := range h.Commands() {
			verbs = append(verbs, ci.Verb)
		}
	}
	slices.Sort(verbs)
	lines := []string{"The following commands are recognized:"}
	lines = append(lines, columns(slices.Compact(verbs), 8)...)
	return Reply{Code: 214, Lines: append(lines, "Help OK.")}
}

// orElse returns a, or b when a is empty.
func orElse(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// columns lays words out n to a line.
func columns(words []string, n int) []string {
	var lines []string
	for len(words) > 0 {
		k := min(n, len(words))
		var b strings.Builder
		for _, w := range words[:k] {
			fmt.Fprintf(&b, "%-8s", w)
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
		words = words[k:]
	}
	return lines
}

// cmdSTAT without an argument describes the session; with one it lists a
// path on the control connection.
func (s *Session) cmdSTAT(r *request) Reply {
	if r.path != "" {
		return s.statPath(r, r.path)
	}
	typ := "BINARY"
	if s.ascii {
		typ = "ASCII"
	}
	lines := []string{
		"luaftpd status:",
		"Connected from " + s.RemoteIP(),
		"Logged in as " + s.user,
		"TYPE: " + typ + ", STRU: File, MODE: Stream",
		"Control channel TLS: " + strconv.FormatBool(s.tlsControl) + ", PROT P: " + strconv.FormatBool(s.protPrivate),
		"End of status.",
	}
	return Reply{Code: 211, Lines: lines}
}

// cmdSITE runs SITE HELP, SITE CHMOD or a SITE verb of the scripts.
func (s *Session) cmdSITE(r *request) Reply {
	name, args, _ := strings.Cut(r.arg, " ")
	name = upperASCII(name)
	args = strings.TrimLeft(args, " ")
	switch name {
	case "HELP":
		return s.siteHelp()
	case "CHMOD":
		return s.siteChmod(r, args)
	case "UTIME":
		return s.siteUtime(r, args)
	}
	if h := s.srv.Hooks; h != nil {
		if _, ok := h.Site(name); ok {
			rep, err := h.RunSite(r.ctx, name, &Event{Command: name, Arg: args, Session: s})
			if err != nil {
				s.log.Error("SITE handler failed", "site", name, "err", err)
				return replyLocalError
			}
			return rep
		}
	}
	return NewReply(500, "SITE %s not understood.", name)
}

func (s *Session) siteHelp() Reply {
	lines := []string{"SITE commands:", "CHMOD <mode> <path>", "HELP", "UTIME YYYYMMDDhhmm[ss] <path>"}
	if h := s.srv.Hooks; h != nil {
		for _, ci := range h.Sites() {
			lines = append(lines, orElse(ci.Help, ci.Verb))
		}
	}
	return Reply{Code: 214, Lines: append(lines, "End.")}
}

// siteChmod runs SITE CHMOD on r.path, the path after the mode: octal
// ("644") or symbolic as chmod(1) takes it ("u+x,go-w"), as ProFTPD and
// pure-ftpd accept.
func (s *Session) siteChmod(r *request, args string) Reply {
	modeText, _, _ := strings.Cut(args, " ")
	mode, err := strconv.ParseUint(modeText, 8, 32)
	symbolic := err != nil
	if symbolic && !validSymbolic(modeText) || r.path == "" {
		return NewReply(501, "Syntax: SITE CHMOD <mode> <path>")
	}
	if mode > 0o777 { // no backend sets setuid, setgid or sticky bits
		return NewReply(501, "SITE CHMOD sets permission bits only (000 to 777).")
	}
	if s.readOnly() {
		return replyReadOnly
	}
	ch, ok := s.fs.(vfs.Chmoder)
	if !ok {
		return NewReply(502, "SITE CHMOD not supported by this server's storage.")
	}
	perm := fs.FileMode(mode)
	if symbolic {
		fi, err := s.fs.Stat(r.ctx, r.path)
		if err != nil {
			return s.fail(err)
		}
		perm = applySymbolic(fi.Mode().Perm(), fi.IsDir(), modeText)
	}
	if err := ch.Chmod(r.ctx, r.path, perm); err != nil {
		return s.fail(err)
	}
	return NewReply(200, "SITE CHMOD command successful.")
}

// validSymbolic reports whether text is a symbolic mode of chmod(1) made of
// clauses "[ugoa]*[+-=][rwxX]*..." joined by commas (no s or t: they are
// refused in octal too).
func validSymbolic(text string) bool {
	for _, clause := range strings.Split(text, ",") {
		who := strings.TrimLeft(clause, "ugoa")
		if who == "" || strings.IndexByte("+-=", who[0]) < 0 {
			return false
		}
		if strings.Trim(who, "+-=rwxX") != "" {
			return false
		}
	}
	return true
}

// applySymbolic applies a valid symbolic mode to perm; X is x for a folder
// or for what is executable already. No "who" means all (ugoa), without
// chmod(1)'s umask, as ProFTPD applies it.
func applySymbolic(perm fs.FileMode, dir bool, text string) fs.FileMode {
	for _, clause := range strings.Split(text, ",") {
		ops := strings.TrimLeft(clause, "ugoa")
		mask := whoMask(clause[:len(clause)-len(ops)])
		for ops != "" {
			n := strings.IndexAny(ops[1:], "+-=") + 1
			if n == 0 {
				n = len(ops)
			}
			bits := permBits(ops[1:n], dir || perm&0o111 != 0) & mask
			switch ops[0] {
			case '+':
				perm |= bits
			case '-':
				perm &^= bits
			case '=':
				perm = perm&^mask | bits
			}
			ops = ops[n:]
		}
	}
	return perm
}

// whoMask is the permission bits that the "who" letters of a symbolic
// clause name; none means all.
func whoMask(who string) fs.FileMode {
	var mask fs.FileMode
	for _, c := range who {
		switch c {
		case 'u':
			mask |= 0o700
		case 'g':
			mask |= 0o070
		case 'o':
			mask |= 0o007
		case 'a':
			mask |= 0o777
		}
	}
	if mask == 0 {
		return 0o777
	}
	return mask
}

// permBits is the bits the "rwxX" letters of a symbolic clause set for
// user, group and others alike; X counts as x when execX.
func permBits(letters string, execX bool) fs.FileMode {
	var bits fs.FileMode
	for _, c := range letters {
		switch {
		case c == 'r':
			bits |= 0o444
		case c == 'w':
			bits |= 0o222
		case c == 'x', c == 'X' && execX:
			bits |= 0o111
		}
	}
	return bits
}

// siteUtime runs "SITE UTIME YYYYMMDDhhmm[ss] path" (ProFTPD's
// mod_site_misc, pure-ftpd) on r.path, the path after the time: MFMT by
// its older name.
func (s *Session) siteUtime(r *request, args string) Reply {
	stamp, _, _ := strings.Cut(args, " ")
	t, err := time.Parse(mdtmLayout, stamp)
	if err != nil {
		t, err = time.Parse("200601021504", stamp)
	}
	if err != nil || r.path == "" {
		return NewReply(501, "Syntax: SITE UTIME YYYYMMDDhhmm[ss] <path>")
	}
	if s.readOnly() {
		return replyReadOnly
	}
	if rep, ok := s.setModTime(r, "SITE UTIME", t); !ok {
		return rep
	}
	return NewReply(200, "SITE UTIME command successful.")
}

func (s *Session) cmdAVBL(r *request) Reply {
	av, ok := s.fs.(vfs.Availer)
	if !ok {
		return NewReply(502, "AVBL not supported by this server's storage.")
	}
	n, err := av.Avail(r.ctx, r.path)
	if err != nil {
		return s.fail(err)
	}
	return NewReply(213, "%d", n)
}
