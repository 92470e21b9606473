package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/rollcall-sync/rollcall/license"
)

// emailItem is one address as the user gave it, with where it came from
// ("argument 2", "stdin line 7") so an error can point at it.
type emailItem struct {
	pos   string
	raw   string
	email string // normalized
}

// invalidEmailsError lists every address that failed to parse, so the user
// fixes them all in one go.
type invalidEmailsError struct {
	items []emailItem
	errs  []error
}

func (e *invalidEmailsError) Error() string {
	return fmt.Sprintf("%s, nothing changed:", plural(len(e.items), "invalid email address", "invalid email addresses"))
}

func (e *invalidEmailsError) Details() []string {
	out := make([]string, len(e.items))
	for i, it := range e.items {
		out[i] = fmt.Sprintf("%s: %q: %v", it.pos, it.raw, reason(e.errs[i]))
	}
	return out
}

// reason is the part of a FieldError after its field and value, which the
// list above already shows.
func reason(err error) string {
	if fe, ok := err.(*license.FieldError); ok {
		return fe.Reason
	}
	return err.Error()
}

// splitEmails splits one line or argument of a pasted list: addresses are
// separated by commas, semicolons or white space.
func splitEmails(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

// readEmails gathers the addresses of args, reading stdin in place of "-"
// or when there are no args. Every address is checked; if any fails, the
// error lists them all. Repeats are folded, keeping the first.
func readEmails(args []string, stdin io.Reader) ([]emailItem, error) {
	var items []emailItem
	readStdin := len(args) == 0
	for i, a := range args {
		if a == "-" {
			readStdin = true
			continue
		}
		for _, f := range splitEmails(a) {
			items = append(items, emailItem{pos: fmt.Sprintf("argument %d", i+1), raw: f})
		}
	}
	if readStdin {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if line == 1 {
				text = strings.TrimPrefix(text, "\uFEFF")
			}
			for _, f := range splitEmails(text) {
				items = append(items, emailItem{pos: fmt.Sprintf("stdin line %d", line), raw: f})
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read emails from stdin: %w", err)
		}
	}
	bad := &invalidEmailsError{}
	seen := make(map[string]bool, len(items))
	out := items[:0]
	for _, it := range items {
		e, err := license.NormalizeEmail(it.raw)
		if err != nil {
			bad.items = append(bad.items, it)
			bad.errs = append(bad.errs, err)
			continue
		}
		if seen[e] {
			continue
		}
		seen[e] = true
		it.email = e
		out = append(out, it)
	}
	if len(bad.items) > 0 {
		return nil, bad
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no email addresses given")
	}
	return out, nil
}
