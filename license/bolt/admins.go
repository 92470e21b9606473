package bolt

import (
	"bytes"
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// SetDomainAdmin implements license.Store; both directions are indexed.
func (s *Store) SetDomainAdmin(ctx context.Context, domain, email string, admin bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := license.NormalizeDomain(domain)
	if err != nil {
		return fmt.Errorf("set domain admin: %w", err)
	}
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return fmt.Errorf("set domain admin of %s: %w", d, err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		byDomain, byEmail := tx.Bucket(bucketDomainAdmins), tx.Bucket(bucketAdminDomains)
		if !admin {
			if err := byDomain.Delete(pair(d, e)); err != nil {
				return err
			}
			return byEmail.Delete(pair(e, d))
		}
		if byDomain.Get(pair(d, e)) != nil {
			return nil
		}
		if err := byDomain.Put(pair(d, e), nil); err != nil {
			return err
		}
		return byEmail.Put(pair(e, d), nil)
	})
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
	return s.seconds(ctx, bucketDomainAdmins, d)
}

// AdminDomains implements license.Store.
func (s *Store) AdminDomains(ctx context.Context, email string) ([]string, error) {
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return nil, fmt.Errorf("admin domains: %w", err)
	}
	return s.seconds(ctx, bucketAdminDomains, e)
}

// seconds lists the second halves of the pair keys starting with first.
func (s *Store) seconds(ctx context.Context, bucket []byte, first string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []string{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		p := prefix(first)
		c := tx.Bucket(bucket).Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			out = append(out, string(k[len(p):]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s of %s: %w", bucket, first, err)
	}
	return out, nil
}
