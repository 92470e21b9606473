package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
)

// SetDomainAdmin implements license.Store.
func (s *Store) SetDomainAdmin(ctx context.Context, domain, email string, admin bool) error {
	d, err := license.NormalizeDomain(domain)
	if err != nil {
		return fmt.Errorf("set domain admin: %w", err)
	}
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return fmt.Errorf("set domain admin of %s: %w", d, err)
	}
	if admin {
		_, err = s.pool.Exec(ctx, `INSERT INTO domain_admins (domain, email) VALUES ($1, $2) ON CONFLICT DO NOTHING`, d, e)
	} else {
		_, err = s.pool.Exec(ctx, `DELETE FROM domain_admins WHERE domain = $1 AND email = $2`, d, e)
	}
	if err != nil {
		return fmt.Errorf("set %s admin of %s: %w", e, d, err)
	}
	return nil
}

// DomainAdmins implements license.Store.
func (s *Store) DomainAdmins(ctx context.Context, domain string) ([]string, error) {
	d, err := license.NormalizeDomain(domain)
	if err != nil {
		return nil, fmt.Errorf("domain admins: %w", err)
	}
	return s.strings(ctx, `SELECT email FROM domain_admins WHERE domain = $1 ORDER BY email`, d)
}

// AdminDomains implements license.Store.
func (s *Store) AdminDomains(ctx context.Context, email string) ([]string, error) {
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return nil, fmt.Errorf("admin domains: %w", err)
	}
	return s.strings(ctx, `SELECT domain FROM domain_admins WHERE email = $1 ORDER BY domain`, e)
}

func (s *Store) strings(ctx context.Context, sql, arg string) ([]string, error) {
	rows, err := s.pool.Query(ctx, sql, arg)
	if err != nil {
		return nil, fmt.Errorf("admins of %s: %w", arg, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("admins of %s: %w", arg, err)
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}
