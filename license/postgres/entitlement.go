package postgres

import (
	"context"
	"fmt"
	"maps"

	"github.com/rollcall-sync/rollcall/license"
)

// Entitlement implements license.Store in one query: the licenses that
// hold the address as a member (members_by_email; a member leaving
// without access is skipped), and those deployed to its domain, with
// their records. A member grant covers a domain grant of one license.
func (s *Store) Entitlement(ctx context.Context, email string) (license.Entitlement, error) {
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return license.Entitlement{}, fmt.Errorf("entitlement: %w", err)
	}
	domain := license.EmailDomain(e)
	rows, err := s.pool.Query(ctx, `SELECT l.id, l.record, g.via FROM (
			SELECT license_id, 'member' AS via, 0 AS pri FROM members WHERE email = $1 AND NOT revoked
			UNION ALL
			SELECT license_id, 'domain:' || $2, 1 FROM license_domains WHERE domain = $2
		) g JOIN licenses l ON l.id = g.license_id
		ORDER BY l.id, g.pri`, e, domain)
	if err != nil {
		return license.Entitlement{}, fmt.Errorf("entitlement of %s: %w", e, err)
	}
	defer rows.Close()
	now := s.now()
	ent := license.Entitlement{Email: e, Licenses: []license.Grant{}, Features: map[string]bool{}}
	last := ""
	for rows.Next() {
		var id, via string
		var raw []byte
		if err := rows.Scan(&id, &raw, &via); err != nil {
			return license.Entitlement{}, fmt.Errorf("entitlement of %s: %w", e, err)
		}
		if id == last {
			continue
		}
		last = id
		l, err := decodeLicense(id, raw)
		if err != nil {
			return license.Entitlement{}, fmt.Errorf("entitlement of %s: %w", e, err)
		}
		if l.Expired(now) {
			continue
		}
		ent.Licenses = append(ent.Licenses, license.Grant{License: l.ID, Name: l.Name, Type: l.Type, Via: via, Features: maps.Clone(l.Features)})
		for f, on := range l.Features {
			ent.Features[f] = ent.Features[f] || on
		}
	}
	if err := rows.Err(); err != nil {
		return license.Entitlement{}, fmt.Errorf("entitlement of %s: %w", e, err)
	}
	return ent, nil
}
