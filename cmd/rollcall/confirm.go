package main

import (
	"bufio"
	"fmt"
	"strings"
)

// confirm asks a yes/no question on stderr and reads the answer from
// stdin; anything but y or yes is no.
func (a *app) confirm(question string) bool {
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(a.stderr) // end of input: no, on a fresh line
		return false
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}
