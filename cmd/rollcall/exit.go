package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// usageError is a command line that cannot be run as typed: a wrong number
// of arguments, an unknown flag, a missing required flag.
type usageError struct {
	msg  string
	path string // command path for the help hint; empty: none
}

func (e *usageError) Error() string { return e.msg }

func usageErr(c *cobra.Command, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), path: c.CommandPath()}
}

// detailedError is an error whose first line is the message and whose
// further lines (a caret under a query, one line per bad row) help fix it.
type detailedError interface {
	error
	Details() []string
}

// reportError prints err for a person and returns the exit code.
func reportError(w io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(w, "rollcall: interrupted")
		return exitError
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "rollcall: %s\n", printable(ue.msg))
		if ue.path != "" {
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", ue.path)
		}
		return exitUsage
	}
	// Messages quote user input (ids, file contents): escape control
	// characters line by line so none reaches the terminal.
	for i, l := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		if i == 0 {
			fmt.Fprintf(w, "rollcall: %s\n", printable(l))
		} else {
			fmt.Fprintf(w, "  %s\n", printable(l))
		}
	}
	var de detailedError
	if errors.As(err, &de) {
		for _, l := range de.Details() {
			fmt.Fprintf(w, "  %s\n", printable(l))
		}
	}
	return exitError
}
