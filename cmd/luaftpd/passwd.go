package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/luaftpd/luaftpd/core"
	"golang.org/x/term"
)

// maxPasswordLen bounds the line read; bcrypt uses only the first 72 bytes
// and refuses longer passwords.
const maxPasswordLen = 72

// passwdUsage is printed for a wrong `luaftpd passwd` command line.
const passwdUsage = `usage: luaftpd passwd FILE USER      add USER or change their password (asked at a terminal, else read from stdin)
       luaftpd passwd -d FILE USER   remove USER from FILE`

// runPasswd is `luaftpd passwd FILE USER`: it reads the password (at a
// terminal without echo, twice; from a pipe one line) and writes its
// bcrypt hash to the users file. With -d it removes USER instead.
func runPasswd(args []string, stdin io.Reader, stderr io.Writer) int {
	fs := flag.NewFlagSet("luaftpd passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, passwdUsage) }
	remove := fs.Bool("d", false, "remove USER from FILE")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	file, name := fs.Arg(0), fs.Arg(1)
	if _, err := (userSpec{name: name, password: "x"}).check(); err != nil {
		fmt.Fprintln(stderr, "luaftpd passwd:", err)
		return exitUsage
	}
	if *remove {
		if err := core.RemoveUser(file, name); err != nil {
			fmt.Fprintln(stderr, "luaftpd passwd:", err)
			return exitFail
		}
		return exitOK
	}
	return setPassword(file, name, stdin, stderr)
}

// setPassword asks for name's password and writes its hash to file.
func setPassword(file, name string, stdin io.Reader, stderr io.Writer) int {
	var password string
	var err error
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		password, err = askPassword(int(f.Fd()), name, stderr)
	} else {
		password, err = readPassword(stdin)
	}
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

// askPassword reads the password twice from the terminal fd without
// echoing it, and refuses a mismatch: a typo nobody saw would lock the
// user out.
func askPassword(fd int, name string, prompt io.Writer) (string, error) {
	defer restoreOnInterrupt(fd)()
	fmt.Fprintf(prompt, "Password for %s: ", name)
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	if err := checkPassword(string(first)); err != nil {
		return "", err
	}
	fmt.Fprintf(prompt, "Retype the password for %s: ", name)
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	if string(first) != string(second) {
		return "", errors.New("the passwords do not match; nothing changed")
	}
	return string(first), nil
}

// restoreOnInterrupt makes Ctrl-C during a prompt give the terminal its
// echo back before luaftpd exits; the returned func ends that.
func restoreOnInterrupt(fd int) (stop func()) {
	state, err := term.GetState(fd)
	if err != nil {
		return func() {}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			term.Restore(fd, state)
			os.Exit(exitFail)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
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
	return password, checkPassword(password)
}

// checkPassword refuses what bcrypt cannot hash, or should not.
func checkPassword(password string) error {
	switch {
	case password == "":
		return errors.New("empty password")
	case len(password) > maxPasswordLen:
		return fmt.Errorf("password longer than %d bytes", maxPasswordLen)
	}
	return nil
}
