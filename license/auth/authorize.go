package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/rollcall-sync/rollcall/license"
)

// Authorizer decides what a principal may see and do. The API and the
// dashboard both ask it, so the two can never disagree. It reads rights
// from the license store each time: an admin removed from a license loses
// access on their next request, not at their next sign-in.
type Authorizer struct {
	Store license.Store
}

// Access is how much of one license a principal reaches.
type Access int

// Access levels, weakest first.
const (
	AccessNone     Access = iota
	AccessDomain          // domain admin: read the license, members in shared domains
	AccessLicense         // license admin: manage the license
	AccessOperator        // operator: everything
)

// Grant is a principal's access to one license.
type Grant struct {
	License license.License
	Access  Access
	// Domains are the license's domains the principal administers, which
	// bound the members a domain admin reaches. Nil for license admins and
	// operators, who reach every member.
	Domains []string
}

// Covers reports whether the grant reaches a member with this email.
func (g Grant) Covers(email string) bool {
	if g.Access >= AccessLicense {
		return true
	}
	return g.Access == AccessDomain && slices.Contains(g.Domains, domainOf(email))
}

func domainOf(email string) string {
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return ""
	}
	return license.EmailDomain(e)
}

// signedIn refuses the anonymous with ErrUnauthenticated and applications
// (which reach no license) with ErrForbidden.
func signedIn(p Principal) error {
	switch p.Role {
	case RoleOperator, RoleAdmin:
		return nil
	case RoleApplication:
		return fmt.Errorf("role application may only look up entitlements and redeem keys: %w", ErrForbidden)
	case "":
		return ErrUnauthenticated
	}
	return fmt.Errorf("unknown role %q: %w", p.Role, ErrForbidden)
}

// grantOf works out p's access to l, given the domains p administers.
func grantOf(p Principal, l license.License, adminDomains []string) Grant {
	g := Grant{License: l}
	switch {
	case p.Role == RoleOperator:
		g.Access = AccessOperator
	case p.Role != RoleAdmin:
	case l.IsAdmin(p.Email):
		g.Access = AccessLicense
	default:
		for _, d := range l.Domains {
			if slices.Contains(adminDomains, d) {
				g.Domains = append(g.Domains, d)
			}
		}
		if len(g.Domains) > 0 {
			g.Access = AccessDomain
		}
	}
	return g
}

func (a Authorizer) adminDomains(ctx context.Context, p Principal) ([]string, error) {
	if p.Role != RoleAdmin || p.Email == "" {
		return nil, nil
	}
	ds, err := a.Store.AdminDomains(ctx, p.Email)
	if err != nil {
		return nil, fmt.Errorf("domains administered by %s: %w", p.Email, err)
	}
	return ds, nil
}

// Grant returns p's access to license id. A license that does not exist
// and one p may not read are the same ErrNotFound.
func (a Authorizer) Grant(ctx context.Context, p Principal, id string) (Grant, error) {
	if err := signedIn(p); err != nil {
		return Grant{}, err
	}
	l, err := a.Store.GetLicense(ctx, id)
	if errors.Is(err, license.ErrNotFound) {
		return Grant{}, notFound(id)
	}
	if err != nil {
		return Grant{}, err
	}
	ds, err := a.adminDomains(ctx, p)
	if err != nil {
		return Grant{}, err
	}
	g := grantOf(p, l, ds)
	if g.Access == AccessNone {
		return Grant{}, notFound(id)
	}
	return g, nil
}

func notFound(id string) error { return fmt.Errorf("license %q: %w", id, license.ErrNotFound) }

// VisibleLicenses lists the licenses p may read, by id.
func (a Authorizer) VisibleLicenses(ctx context.Context, p Principal) ([]license.License, error) {
	gs, err := a.VisibleGrants(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]license.License, len(gs))
	for i, g := range gs {
		out[i] = g.License
	}
	return out, nil
}

// VisibleGrants is VisibleLicenses with p's access to each.
func (a Authorizer) VisibleGrants(ctx context.Context, p Principal) ([]Grant, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	all, err := a.Store.ListLicenses(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := a.adminDomains(ctx, p)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, l := range all {
		if g := grantOf(p, l, ds); g.Access > AccessNone {
			out = append(out, g)
		}
	}
	return out, nil
}

// CanReadLicense allows license admins, domain admins of the license's
// domains and operators; anyone else gets ErrNotFound.
func (a Authorizer) CanReadLicense(ctx context.Context, p Principal, id string) error {
	_, err := a.Grant(ctx, p, id)
	return err
}

// CanManageLicense allows license admins and operators: seats, expiry,
// domains, admins, LMS, features, the key, deployments, syncs and every
// member. A domain admin, who can see the license, gets ErrForbidden.
func (a Authorizer) CanManageLicense(ctx context.Context, p Principal, id string) error {
	g, err := a.Grant(ctx, p, id)
	if err != nil {
		return err
	}
	if g.Access < AccessLicense {
		return fmt.Errorf("license %q: only its admins may change it: %w", id, ErrForbidden)
	}
	return nil
}

// CanReadMember allows whoever reaches the member: license admins and
// operators for everyone, domain admins for emails in their shared
// domains. A member out of reach is ErrNotFound, like a license.
func (a Authorizer) CanReadMember(ctx context.Context, p Principal, licenseID, email string) error {
	g, err := a.Grant(ctx, p, licenseID)
	if err != nil {
		return err
	}
	if !g.Covers(email) {
		return fmt.Errorf("member %q of license %q: %w", email, licenseID, license.ErrNotFound)
	}
	return nil
}

// CanManageMember allows adding and removing the member: the same people
// as CanReadMember. A domain admin asking for an email outside their
// domains gets ErrForbidden (they named it; nothing is revealed).
func (a Authorizer) CanManageMember(ctx context.Context, p Principal, licenseID, email string) error {
	g, err := a.Grant(ctx, p, licenseID)
	if err != nil {
		return err
	}
	if !g.Covers(email) {
		return fmt.Errorf("%s is not in a domain you administer on license %q: %w", email, licenseID, ErrForbidden)
	}
	return nil
}

// MemberScope returns the filter bounding the members p sees on a license:
// nil for license admins and operators (everyone), the shared domains for
// a domain admin. It fails as CanReadLicense does.
func (a Authorizer) MemberScope(ctx context.Context, p Principal, licenseID string) (license.Filter, error) {
	g, err := a.Grant(ctx, p, licenseID)
	if err != nil {
		return nil, err
	}
	if g.Access >= AccessLicense {
		return nil, nil
	}
	return DomainFilter(g.Domains), nil
}

// CanOperate allows operators only: creating and deleting licenses,
// tokens, domain admins.
func (a Authorizer) CanOperate(p Principal) error {
	switch p.Role {
	case RoleOperator:
		return nil
	case "":
		return ErrUnauthenticated
	}
	return fmt.Errorf("only operators may do this: %w", ErrForbidden)
}

// CanLookUp allows entitlement lookups and key redemption: applications
// and operators.
func (a Authorizer) CanLookUp(p Principal) error {
	switch p.Role {
	case RoleOperator, RoleApplication:
		return nil
	case "":
		return ErrUnauthenticated
	}
	return fmt.Errorf("only applications and operators may look up entitlements: %w", ErrForbidden)
}

// DomainFilter matches members whose email domain is one of domains.
type DomainFilter []string

// Match implements license.Filter.
func (f DomainFilter) Match(m *license.Member) bool {
	return slices.Contains(f, license.EmailDomain(m.Email))
}

// And combines two filters; a nil one matches everyone.
func And(a, b license.Filter) license.Filter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return andFilter{a, b}
}

type andFilter [2]license.Filter

func (f andFilter) Match(m *license.Member) bool { return f[0].Match(m) && f[1].Match(m) }
