package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rollcall-sync/rollcall/license/bolt"
)

// checkError carries every problem Check found, one per detail line.
type checkError struct {
	path     string
	problems []string
}

func (e *checkError) Error() string {
	return fmt.Sprintf("database %s has %s:", e.path, plural(len(e.problems), "problem", "problems"))
}
func (e *checkError) Details() []string { return e.problems }

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the database file for corruption",
		Args:  exactArgs(),
		RunE: func(c *cobra.Command, _ []string) error {
			return a.withStore(c.Context(), func(ctx context.Context, s *bolt.Store) error {
				err := s.Check()
				var problems []string
				if err != nil {
					problems = checkProblems(err)
				}
				if a.jsonOut {
					if perr := a.printJSON(map[string]any{"database": s.Path(), "ok": err == nil, "problems": orEmpty(problems)}); perr != nil {
						return perr
					}
				} else if err == nil {
					fmt.Fprintf(a.stdout, "OK: %s\n", s.Path())
				}
				if err != nil {
					return &checkError{path: s.Path(), problems: problems}
				}
				return nil
			})
		},
	}
}

// checkProblems splits the joined error of Check into one line per problem.
func checkProblems(err error) []string {
	var leaves []string
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if u := errors.Unwrap(e); u != nil {
			if _, ok := u.(interface{ Unwrap() []error }); ok {
				walk(u)
				return
			}
		}
		for _, l := range strings.Split(e.Error(), "\n") {
			if l != "" {
				leaves = append(leaves, l)
			}
		}
	}
	walk(err)
	return leaves
}
