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
// licenses that hold the address as a member, the domain-wide deployments
// of its domain, and License records, the last two from the cache.
//
// Every map in the answer is the caller's own: a Grant's Features is a
// copy, never the cached license's map.
func (s *Store) Entitlement(ctx context.Context, email string) (license.Entitlement, error) {
	if err := ctx.Err(); err != nil {
		return license.Entitlement{}, err
	}
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return license.Entitlement{}, fmt.Errorf("entitlement: %w", err)
	}
	now := s.now()
	var buf [4]grantRef // room for most people's grants, on the stack
	grants, err := s.grantsOf(e, buf[:0])
	if err != nil {
		return license.Entitlement{}, fmt.Errorf("entitlement of %s: %w", e, err)
	}
	n, nf := 0, 0
	for _, g := range grants {
		if !g.l.Expired(now) {
			n++
			nf += len(g.l.Features)
		}
	}
	ent := license.Entitlement{Email: e, Licenses: make([]license.Grant, 0, n), Features: make(map[string]bool, nf)}
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

// grantsOf appends the grants of email to out, sorted by license id.
// It begins the read transaction itself rather than through View: the
// closure View takes would move out, and this whole path, to the heap.
func (s *Store) grantsOf(email string, out []grantRef) ([]grantRef, error) {
	gen := s.cache.generation()
	tx, err := s.db.Begin(false)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	// The seek key is built on the stack: this is the sign-in path.
	var kb [320]byte
	p := append(append(kb[:0], email...), sep)
	c := tx.Bucket(bucketEmails).Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if bytes.Equal(v, emailsRevoked) {
			continue // leaving, and the grace period keeps no access
		}
		if out, err = s.addGrant(tx, out, k[len(p):], "member", gen); err != nil {
			return nil, err
		}
	}
	dg, err := s.domainGrants(tx, license.EmailDomain(email), gen)
	if err != nil {
		return nil, err
	}
	for _, id := range dg.ids {
		if out, err = s.addGrant(tx, out, []byte(id), dg.via, gen); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b grantRef) int { return strings.Compare(a.l.ID, b.l.ID) })
	return out, nil
}

// addGrant appends license id's grant to out unless out already has one
// (a member grant covers a domain grant of the same license).
func (s *Store) addGrant(tx *bbolt.Tx, out []grantRef, id []byte, via string, gen uint64) ([]grantRef, error) {
	for _, g := range out {
		if g.l.ID == string(id) {
			return out, nil
		}
	}
	l, err := s.cachedLicense(tx, id, gen)
	if err != nil {
		return nil, err
	}
	return append(out, grantRef{l, via}), nil
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

// domainGrants returns the licenses deployed to domain, from the cache;
// on a miss it reads the whole domains/ index in tx, which holds one key
// per deployed domain and license, and caches it.
func (s *Store) domainGrants(tx *bbolt.Tx, domain string, gen uint64) (domainGrant, error) {
	if dm := s.cache.domainMap(); dm != nil {
		return dm[domain], nil
	}
	dm := map[string]domainGrant{}
	err := tx.Bucket(bucketDomains).ForEach(func(k, _ []byte) error {
		i := bytes.IndexByte(k, sep)
		if i < 0 {
			return fmt.Errorf("domains index key %q has no separator: %w", k, errCorrupt)
		}
		d := string(k[:i])
		g := dm[d]
		if g.via == "" {
			g.via = "domain:" + d
		}
		g.ids = append(g.ids, string(k[i+1:]))
		dm[d] = g
		return nil
	})
	if err != nil {
		return domainGrant{}, err
	}
	s.cache.putDomains(dm, gen)
	return dm[domain], nil
}
