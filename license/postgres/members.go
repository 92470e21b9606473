package postgres

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
)

const (
	defaultLimit = 50
	maxLimit     = 1000
)

// Member implements license.Store.
func (s *Store) Member(ctx context.Context, licenseID, email string) (license.Member, error) {
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return license.Member{}, fmt.Errorf("member of license %q: %w", licenseID, err)
	}
	var m license.Member
	err = s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := licenseExists(ctx, tx, licenseID); err != nil {
			return err
		}
		m, err = scanMember(tx.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE license_id = $1 AND email = $2`, licenseID, e))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("member %s: %w", e, license.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return license.Member{}, fmt.Errorf("license %q: %w", licenseID, err)
	}
	return m, nil
}

// Claims implements license.Store from the claims table's (license,
// source, email) key, joined to the members it names.
func (s *Store) Claims(ctx context.Context, licenseID string, source license.Source, fn func(*license.Member) error) error {
	if err := source.Validate(); err != nil {
		return fmt.Errorf("claims of license %q: %w", licenseID, err)
	}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := licenseExists(ctx, tx, licenseID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT m.email, m.name, m.role, m.org_unit, m.added, m.claims
			FROM claims c JOIN members m ON m.license_id = c.license_id AND m.email = c.email
			WHERE c.license_id = $1 AND c.source = $2 ORDER BY c.email`, licenseID, string(source))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				return err
			}
			if err := fn(&m); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("claims of %s on license %q: %w", source, licenseID, err)
	}
	return nil
}

// SourceClaims implements license.Store from the claims table alone.
func (s *Store) SourceClaims(ctx context.Context, licenseID string, source license.Source, fn func(email string, c *license.Claim, sole bool) error) error {
	if err := source.Validate(); err != nil {
		return fmt.Errorf("claims of license %q: %w", licenseID, err)
	}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := licenseExists(ctx, tx, licenseID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT email, claim, sole FROM claims WHERE license_id = $1 AND source = $2 ORDER BY email`, licenseID, string(source))
		if err != nil {
			return err
		}
		defer rows.Close()
		var email string
		var raw []byte
		var sole bool
		for rows.Next() {
			if err := rows.Scan(&email, &raw, &sole); err != nil {
				return err
			}
			var c license.Claim
			if err := decodeClaim(raw, &c); err != nil {
				return fmt.Errorf("claim of %s: %w", email, err)
			}
			c.Source = source
			if err := fn(email, &c, sole); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("claims of %s on license %q: %w", source, licenseID, err)
	}
	return nil
}

// sortColumns are the members table's columns for each sort; each has an
// index (license_id, column, email).
var sortColumns = map[license.SortField]string{
	license.SortEmail: "email", license.SortName: "name_key", license.SortRole: "role",
	license.SortOrgUnit: "org_unit", license.SortAdded: "added", license.SortSource: "first_source",
}

// Cursors are base64url of: the sort column's code, 'a' or 'd', then the
// last member shown as value 0x00 email (the value empty for the email
// sort, decimal nanoseconds for added).
var sortCodes = map[license.SortField]byte{
	license.SortEmail: 'e', license.SortName: 'n', license.SortRole: 'r',
	license.SortOrgUnit: 'o', license.SortAdded: 'a', license.SortSource: 's',
}

type position struct {
	value string // the sort column's value ("" for email)
	email string
}

func encodeCursor(f license.SortField, desc bool, p position) string {
	d := byte('a')
	if desc {
		d = 'd'
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string([]byte{sortCodes[f], d}) + p.value + "\x00" + p.email))
}

func decodeCursor(f license.SortField, desc bool, cur string) (position, error) {
	bad := &license.FieldError{Field: "cursor", Reason: "is not a cursor this store made"}
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil || len(b) < 4 {
		return position{}, bad
	}
	d := byte('a')
	if desc {
		d = 'd'
	}
	if b[0] != sortCodes[f] || b[1] != d {
		return position{}, &license.FieldError{Field: "cursor", Reason: "belongs to a different sort order"}
	}
	value, email, ok := strings.Cut(string(b[2:]), "\x00")
	if !ok || email == "" || f == license.SortEmail && value != "" {
		return position{}, bad
	}
	if f == license.SortAdded {
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return position{}, bad
		}
	}
	return position{value, email}, nil
}

func sortValue(f license.SortField, m *license.Member) string {
	switch f {
	case license.SortName:
		return lowerKey(m.Name)
	case license.SortRole:
		return string(m.Role)
	case license.SortOrgUnit:
		return m.OrgUnit
	case license.SortAdded:
		return strconv.FormatInt(nanos(m.Added), 10)
	case license.SortSource:
		if len(m.Claims) > 0 {
			return string(m.Claims[0].Source)
		}
	}
	return ""
}

// ListMembers implements license.Store. Every sort walks its index in
// keyset chunks inside one snapshot; the filter (a license/query program
// or any other license.Filter) runs here, on each decoded member, and the
// walk stops as soon as the page is full and one more match is seen.
func (s *Store) ListMembers(ctx context.Context, licenseID string, opts license.ListOptions) (license.Page, error) {
	var page license.Page
	if opts.Sort == "" {
		opts.Sort = license.SortEmail
	}
	col, ok := sortColumns[opts.Sort]
	if !ok {
		return page, fmt.Errorf("list members of license %q: %w", licenseID,
			&license.FieldError{Field: "sort", Value: string(opts.Sort), Reason: "is not a sortable column"})
	}
	limit := opts.Limit
	switch {
	case limit < 0:
		return page, fmt.Errorf("list members of license %q: %w", licenseID, &license.FieldError{Field: "limit", Reason: "must not be negative"})
	case limit == 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	var after *position
	if opts.Cursor != "" {
		p, err := decodeCursor(opts.Sort, opts.Desc, opts.Cursor)
		if err != nil {
			return page, fmt.Errorf("list members of license %q: %w", licenseID, err)
		}
		after = &p
	}
	dir, cmpOp := "ASC", ">"
	if opts.Desc {
		dir, cmpOp = "DESC", "<"
	}
	order := fmt.Sprintf(" ORDER BY %s %s, email %s LIMIT $2", col, dir, dir)
	first := `SELECT ` + memberCols + ` FROM members WHERE license_id = $1` + order
	next := `SELECT ` + memberCols + ` FROM members WHERE license_id = $1 AND (` + col + `, email) ` + cmpOp + ` ($3, $4)` + order
	if opts.Sort == license.SortEmail {
		next = `SELECT ` + memberCols + ` FROM members WHERE license_id = $1 AND email ` + cmpOp + ` $3` + order
	}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := licenseExists(ctx, tx, licenseID); err != nil {
			return err
		}
		chunk := limit + 1
		if opts.Filter != nil {
			chunk = max(4*limit, 256)
		}
		var lastShown position
		for {
			var rows pgx.Rows
			var err error
			switch {
			case after == nil:
				rows, err = tx.Query(ctx, first, licenseID, chunk)
			case opts.Sort == license.SortEmail:
				rows, err = tx.Query(ctx, next, licenseID, chunk, after.email)
			case opts.Sort == license.SortAdded:
				v, _ := strconv.ParseInt(after.value, 10, 64)
				rows, err = tx.Query(ctx, next, licenseID, chunk, v, after.email)
			default:
				rows, err = tx.Query(ctx, next, licenseID, chunk, after.value, after.email)
			}
			if err != nil {
				return err
			}
			n, done := 0, false
			for rows.Next() {
				n++
				m, err := scanMember(rows)
				if err != nil {
					rows.Close()
					return err
				}
				after = &position{sortValue(opts.Sort, &m), m.Email}
				if opts.Filter != nil && !opts.Filter.Match(&m) {
					continue
				}
				if len(page.Members) == limit {
					page.Next = encodeCursor(opts.Sort, opts.Desc, lastShown)
					done = true
					break
				}
				page.Members = append(page.Members, m)
				lastShown = *after
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if done || n < chunk {
				return nil
			}
			chunk = min(2*chunk, 16384)
		}
	})
	if err != nil {
		return license.Page{}, fmt.Errorf("list members of license %q: %w", licenseID, err)
	}
	return page, nil
}
