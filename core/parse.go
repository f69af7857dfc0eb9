package core

import "strings"

// Telnet bytes that clients mix into the control stream (RFC 854), most of
// all "IAC IP IAC DM" before ABOR.
const (
	telnetIAC  = 0xFF
	telnetWILL = 0xFB
	telnetDONT = 0xFE
	telnetSE   = 0xF0
)

// telnetDM is the Data Mark of the Synch that clients send before ABOR
// (IAC IP, IAC DM). When the IAC before it went out of band as urgent data,
// a lone DM starts the line: no verb begins with that byte, so it is dropped.
const telnetDM = 0xF2

// cleanLine turns a raw line into command text: Telnet sequences removed
// (IAC IAC stays a literal 0xFF byte), a leading lone Data Mark dropped,
// the CR and trailing spaces trimmed.
func cleanLine(line []byte) string {
	if i := indexIAC(line); i >= 0 {
		line = stripTelnet(line, i)
	}
	for len(line) > 0 && line[0] == telnetDM {
		line = line[1:]
	}
	end := len(line)
	for end > 0 && (line[end-1] == '\r' || line[end-1] == ' ') {
		end--
	}
	return string(line[:end])
}

func indexIAC(b []byte) int {
	for i, c := range b {
		if c == telnetIAC {
			return i
		}
	}
	return -1
}

// stripTelnet removes Telnet commands from b in place, starting at i.
func stripTelnet(b []byte, i int) []byte {
	out := b[:i]
	for i < len(b) {
		c := b[i]
		if c != telnetIAC {
			out = append(out, c)
			i++
			continue
		}
		switch {
		case i+1 >= len(b):
			i++
		case b[i+1] == telnetIAC:
			out = append(out, telnetIAC)
			i += 2
		case b[i+1] >= telnetWILL && b[i+1] <= telnetDONT:
			i += 3 // WILL/WONT/DO/DONT carry an option byte
		case b[i+1] >= telnetSE:
			i += 2
		default:
			i++ // a lone IAC (its partner went out of band)
		}
	}
	return out
}

// verbOf is the command's verb in upper case.
func verbOf(text string) string {
	verb, _ := splitCommand(text)
	return verb
}

// splitCommand splits command text into its verb (upper case) and argument
// at the first space, or at a tab (RFC 959 asks for a space; ProFTPD takes
// a tab too, and no verb holds one).
func splitCommand(text string) (verb, arg string) {
	i := strings.IndexAny(text, " \t")
	if i < 0 {
		return upperASCII(text), ""
	}
	return upperASCII(text[:i]), text[i+1:]
}

// upperASCII upper-cases ASCII letters without allocating when the verb is
// already upper case, which it nearly always is.
func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// skipOptions drops the ls-style options ("-la") that clients send before
// the path of LIST, NLST and STAT.
func skipOptions(arg string) string {
	for strings.HasPrefix(arg, "-") {
		_, rest, ok := strings.Cut(arg, " ")
		if !ok {
			return ""
		}
		arg = strings.TrimLeft(rest, " ")
	}
	return arg
}

// afterWord is what follows the first word of arg ("MFMT time path");
// ok is false when nothing does.
func afterWord(arg string) (string, bool) {
	_, rest, _ := strings.Cut(arg, " ")
	return rest, rest != ""
}

// quotedName splits `"name" rest` (the form XCRC takes from clients that
// add a byte range after the name); quoted is false when arg does not
// start with a quoted name.
func quotedName(arg string) (name, rest string, quoted bool) {
	if !strings.HasPrefix(arg, `"`) {
		return "", "", false
	}
	name, rest, quoted = strings.Cut(arg[1:], `"`)
	return name, strings.TrimSpace(rest), quoted
}

// pathPart is the part of arg that names a path for a command of kind k;
// ok is false when the argument names none.
func pathPart(k pathIn, arg string) (part string, ok bool) {
	switch k {
	case pathWhole:
		return arg, true
	case pathListing:
		return skipOptions(arg), true
	case pathStatus:
		return skipOptions(arg), arg != ""
	case pathSecond:
		return afterWord(arg)
	case pathSite:
		name, args, _ := strings.Cut(arg, " ")
		if name = upperASCII(name); name != "CHMOD" && name != "UTIME" {
			return "", false
		}
		return afterWord(strings.TrimLeft(args, " "))
	case pathQuoted:
		name, _ := hashArg(arg)
		return name, true
	case pathParent:
		return "..", true
	case pathUnique:
		if strings.TrimSpace(arg) == "" {
			return "ftp", true
		}
		return arg, true
	}
	return "", false
}

// isDecimal reports whether s is a non-empty string of ASCII digits.
func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
