package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/luaftpd/luaftpd/core"
)

// maxPasswordLen bounds the line read; bcrypt uses only the first 72 bytes
// and refuses longer passwords.
const maxPasswordLen = 72

// runPasswd is `luaftpd passwd FILE USER`: it reads one line from stdin as
// the password and writes its bcrypt hash to the users file.
func runPasswd(args []string, stdin io.Reader, stderr io.Writer) int {
	if len(args) != 2 {
		fmt.Fprintln(stderr, "usage: luaftpd passwd FILE USER   (the password is read from stdin)")
		return exitUsage
	}
	file, name := args[0], args[1]
	if _, err := (userSpec{name: name, password: "x"}).check(); err != nil {
		fmt.Fprintln(stderr, "luaftpd passwd:", err)
		return exitUsage
	}
	if isTerminal(stdin) {
		fmt.Fprintf(stderr, "Password for %s: ", name)
	}
	password, err := readPassword(stdin)
	if err != nil {
		fmt.Fprintln(stderr, "luaftpd passwd:", err)
		return exitFail
	}
	if err := core.SetPassword(file, name, password); err != nil {
		fmt.Fprintln(stderr, "luaftpd passwd:", err)
		return exitFail
	}
	return exitOK
}

// readPassword reads the first line of r, without its line end.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password on stdin")
		}
		return "", err
	}
	password := strings.TrimRight(line, "\r\n")
	switch {
	case password == "":
		return "", errors.New("empty password")
	case len(password) > maxPasswordLen:
		return "", fmt.Errorf("password longer than %d bytes", maxPasswordLen)
	}
	return password, nil
}
