package license

import "context"

// Store keeps licenses, their members and the audit trail. Every backend
// passes license/storetest.Run, which is the full statement of these rules.
//
// Membership rules every backend enforces inside Apply:
//   - membership is the union of claims: removing a claim removes the member
//     only when no claim is left;
//   - a license never has more members than seats. Within one Apply, removes
//     run first (freeing seats), then updates, then the upserts that would
//     add new members, ordered teachers first, then other, then students,
//     and by email within a role. What does not fit comes back as Overflow
//     with ReasonNoSeats (or ErrSeatLimit under AllOrNothingSeats). Claims
//     added to existing members need no seat;
//   - an expired license takes no new members (Overflow with ReasonExpired);
//     claims on existing members still update and remove;
//   - every write records audit events; an upsert equal to what is stored
//     and a remove of an absent claim write nothing at all.
type Store interface {
	// CreateLicense stores a new license. An empty ID gets NewID(); an
	// empty Created gets the current time. ErrExists if the id is taken.
	CreateLicense(ctx context.Context, l License) (License, error)
	// GetLicense returns one license, or ErrNotFound.
	GetLicense(ctx context.Context, id string) (License, error)
	// ListLicenses returns every license, by id.
	ListLicenses(ctx context.Context) ([]License, error)
	// UpdateLicense runs fn on the stored license and saves the result
	// atomically. fn may not change ID, Created or Used. Seats below the
	// current member count are refused with ErrSeatLimit.
	UpdateLicense(ctx context.Context, id string, actor string, fn func(*License) error) (License, error)
	// DeleteLicense removes a license, its members and its audit trail.
	DeleteLicense(ctx context.Context, id string) error
	// LicenseByKey finds the license whose key hash is keyHash (HashKey).
	LicenseByKey(ctx context.Context, keyHash []byte) (License, error)

	// Apply writes claim changes to one license, in bounded batches (see
	// ApplyOptions). Input errors (bad email, source or role) fail the call
	// before anything is written.
	Apply(ctx context.Context, licenseID string, changes []Change, opts ApplyOptions) (ApplyResult, error)
	// Member returns one member, or ErrNotFound.
	Member(ctx context.Context, licenseID, email string) (Member, error)
	// ListMembers returns one page of members.
	ListMembers(ctx context.Context, licenseID string, opts ListOptions) (Page, error)
	// Claims calls fn with every member that source claims, in email order,
	// without scanning members it does not claim. fn must not call the store.
	Claims(ctx context.Context, licenseID string, source Source, fn func(*Member) error) error
	// SourceClaims calls fn with the email and the claim of every member
	// that source claims, in email order, as Claims would list them, but
	// without the rest of each member: a planner that only compares one
	// source's claims need not pay for decoding whole members. sole
	// reports that the member has no other claim, so removing this one
	// frees a seat. c is only valid during the call; fn must not call
	// the store.
	SourceClaims(ctx context.Context, licenseID string, source Source, fn func(email string, c *Claim, sole bool) error) error
	// Events returns audit events of a license, oldest first.
	Events(ctx context.Context, licenseID string, q EventQuery) ([]Event, error)

	// Entitlement answers which licenses hold email, directly or through
	// a domain-wide deployment of its domain; expired licenses grant nothing.
	Entitlement(ctx context.Context, email string) (Entitlement, error)

	// SetDomainAdmin makes email an admin of domain, or stops it being one.
	SetDomainAdmin(ctx context.Context, domain, email string, admin bool) error
	// DomainAdmins lists the admins of a domain, sorted.
	DomainAdmins(ctx context.Context, domain string) ([]string, error)
	// AdminDomains lists the domains email administers, sorted.
	AdminDomains(ctx context.Context, email string) ([]string, error)

	Close() error
}
