package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem at a line and field of a file Rollcall reads: the
// config file, or a file a connector reads (the static connector's roster).
// Parse and DecodeStrict return every problem they find, each an *Error,
// joined with errors.Join; errors.As finds the first.
type Error struct {
	File  string // the file as the operator named it
	Line  int    // 1-based; 0 when unknown
	Field string // e.g. "deployments[1].connector"; empty for the file as a whole
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// Errors lists the *Error values inside err (as returned by Parse,
// DecodeStrict or connectors.Open), in order; other errors are skipped.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if x := u.Unwrap(); x != nil {
				walk(x)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

// joinSorted joins errs ordered by line, so an operator reads them top down.
func joinSorted(errs []error) error {
	slices.SortStableFunc(errs, func(a, b error) int {
		return cmp.Compare(lineOf(a), lineOf(b))
	})
	return errors.Join(errs...)
}

func lineOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Line
	}
	return 0
}
