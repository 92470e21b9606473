package static

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// Connector reads one roster file.
type Connector struct {
	name     string
	path     string // absolute, or relative to the process's folder
	format   string // csv or yaml
	pageSize int
}

var (
	_ connectors.Connector          = (*Connector)(nil)
	_ connectors.Checker            = (*Connector)(nil)
	_ connectors.SelectionValidator = (*Connector)(nil)
)

// Path is the file the connector reads.
func (c *Connector) Path() string { return c.path }

// Fetch reads the file from the start and emits the selected people a
// page at a time. It returns nil only after the last row was read; a
// malformed row, a cancelled context or an error from emit ends it with
// that error, and what was emitted before must be discarded.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func(page []connectors.Person) error) error {
	s, err := compile(sel)
	if err != nil {
		return fmt.Errorf("static connector %s: selection: %w", c.name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	page := make([]connectors.Person, 0, c.pageSize)
	err = c.scan(ctx, false, func(r *row) error {
		if !s.selects(r.orgUnit) {
			return nil
		}
		role, err := s.role(c, r)
		if err != nil {
			return err
		}
		page = append(page, connectors.Person{ExternalID: r.externalID, Email: r.email, Name: r.name, Role: role, OrgUnit: r.orgUnit})
		if len(page) < c.pageSize {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(page); err != nil {
			return err
		}
		// A fresh page: the receiver may keep the one it was given.
		page = make([]connectors.Person, 0, c.pageSize)
		return nil
	})
	if err != nil {
		return err
	}
	if len(page) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		return emit(page)
	}
	return nil
}

// Check reports whether the file exists and its header (CSV) or document
// (YAML) is well formed, without reading every row.
func (c *Connector) Check(ctx context.Context) error {
	return c.scan(ctx, true, func(*row) error { return nil })
}

// ValidateSelection reads the file once and reports every unit of sel that
// no one in the file is in or below, and any option or role the connector
// cannot use.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	s, err := compile(sel)
	if err != nil {
		return fmt.Errorf("static connector %s: selection: %w", c.name, err)
	}
	if len(s.units) == 0 {
		return c.Check(ctx)
	}
	seen := map[string]bool{} // distinct org units of the file: few, however many people
	if err := c.scan(ctx, false, func(r *row) error {
		if ou := trimUnit(r.orgUnit); !seen[ou] {
			seen[strings.Clone(ou)] = true // not a slice of the whole row
		}
		return nil
	}); err != nil {
		return err
	}
	var errs []error
	for i, u := range s.units {
		found := false
		for ou := range seen {
			if ou == u || s.subUnits && within(ou, u) {
				found = true
				break
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("units[%d]: no one in %s is in %q%s", i, c.path, u, below(s.subUnits)))
		}
	}
	if len(errs) > 0 {
		units := make([]string, 0, len(seen))
		for ou := range seen {
			units = append(units, ou)
		}
		slices.Sort(units)
		if len(units) > 20 {
			units = append(units[:20], "…")
		}
		errs = append(errs, fmt.Errorf("the file's org units: %v", units))
	}
	return errors.Join(errs...)
}

func below(sub bool) string {
	if sub {
		return " or below it"
	}
	return ""
}
