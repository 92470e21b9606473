package bolt

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Entitlement implements license.Store: a prefix seek in emails/ for the
// licenses that hold the address as a member, one in domains/ for those
// deployed to its domain, and License records from the cache.
func (s *Store) Entitlement(ctx context.Context, email string) (license.Entitlement, error) {
	if err := ctx.Err(); err != nil {
		return license.Entitlement{}, err
	}
	e := email
	if !validEmail(e) {
		var err error
		if e, err = license.NormalizeEmail(email); err != nil {
			return license.Entitlement{}, fmt.Errorf("entitlement: %w", err)
		}
	}
	ent := license.Entitlement{Email: e, Licenses: []license.Grant{}, Features: map[string]bool{}}
	now := s.now()
	_, gen := s.cache.get("")
	var grants []grantRef
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		grants, err = s.grantsOf(tx, e, gen)
		return err
	})
	if err != nil {
		return license.Entitlement{}, fmt.Errorf("entitlement of %s: %w", e, err)
	}
	for _, g := range grants {
		if g.l.Expired(now) {
			continue
		}
		ent.Licenses = append(ent.Licenses, license.Grant{License: g.l.ID, Name: g.l.Name, Type: g.l.Type, Via: g.via, Features: maps.Clone(g.l.Features)})
		for f, on := range g.l.Features {
			ent.Features[f] = ent.Features[f] || on
		}
	}
	return ent, nil
}

type grantRef struct {
	l   *license.License // shared with the cache: read only
	via string
}

func (s *Store) grantsOf(tx *bbolt.Tx, email string, gen uint64) ([]grantRef, error) {
	out := make([]grantRef, 0, 4)
	add := func(id []byte, via string) error {
		for _, g := range out {
			if g.l.ID == string(id) {
				return nil // a member grant already covers it
			}
		}
		l, err := s.cachedLicense(tx, id, gen)
		if err != nil {
			return err
		}
		out = append(out, grantRef{l, via})
		return nil
	}
	// Seek keys are built on the stack: this is the sign-in path.
	var kb [320]byte
	p := append(append(kb[:0], email...), sep)
	c := tx.Bucket(bucketEmails).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if err := add(k[len(p):], "member"); err != nil {
			return nil, err
		}
	}
	domain := license.EmailDomain(email)
	p = append(append(kb[:0], domain...), sep)
	c = tx.Bucket(bucketDomains).Cursor()
	via := ""
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		if via == "" {
			via = "domain:" + domain
		}
		if err := add(k[len(p):], via); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b grantRef) int { return strings.Compare(a.l.ID, b.l.ID) })
	return out, nil
}

// cachedLicense returns the decoded record of id, reading it in tx (and
// caching it) when the cache lacks it.
func (s *Store) cachedLicense(tx *bbolt.Tx, id []byte, gen uint64) (*license.License, error) {
	if l := s.cache.lookup(id); l != nil {
		return l, nil
	}
	lb, err := licenseBucket(tx, string(id))
	if err != nil {
		return nil, fmt.Errorf("index names %w", err)
	}
	l, err := readLicense(lb, string(id))
	if err != nil {
		return nil, err
	}
	s.cache.put(l.ID, &l, gen)
	return &l, nil
}
