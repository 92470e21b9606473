package csvio

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// ImportOptions says what an upload does.
type ImportOptions struct {
	// Remove takes the listed members' admin-made claims away instead of
	// adding them.
	Remove bool
	// DryRun computes the result without writing anything.
	DryRun bool
	// UploadID names this upload; its claims have source csv:<UploadID>.
	// Required when adding (see NewUploadID).
	UploadID string
	// Actor is who uploaded, for the audit trail.
	Actor string
	// Now stamps claims and events; zero means the store's clock.
	Now time.Time
}

// KeptMember is a member a removal file lists who stays on the license,
// because sources an admin does not manage here still claim them.
type KeptMember struct {
	Email   string           `json:"email"`
	Sources []license.Source `json:"sources"`
}

// ImportResult is what an upload did, or under DryRun would do.
type ImportResult struct {
	license.ApplyResult
	// Kept lists members of a removal file that stay on the license.
	Kept []KeptMember `json:"kept,omitempty"`
	// NotFound lists emails of a removal file that are not on the license.
	NotFound []string `json:"not_found,omitempty"`
	DryRun   bool     `json:"dry_run,omitempty"`
}

// adminKinds are the kinds of claims an admin makes, and so a removal file
// takes away. Domain-wide deployments and connector syncs keep theirs.
var adminKinds = []string{"manual", "csv", "key"}

// NewUploadID returns a short id for an upload that sorts by day, such as
// 20261125-k3f9a: the UTC date and 25 random bits.
func NewUploadID(now time.Time) string {
	var b [5]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	r := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return now.UTC().Format("20060102") + "-" + r[:5]
}

// Import applies the rows of an upload to a license, all or nothing.
//
// Adding upserts a claim of source csv:<UploadID> for every row, in one
// transaction that is refused with license.ErrSeatLimit when the new
// members do not all fit, and with license.ErrExpired when the license has
// expired. Removing takes away each listed member's manual, csv and key
// claims; members another source still claims stay and are listed in Kept,
// and emails not on the license are listed in NotFound.
func Import(ctx context.Context, s license.Store, licenseID string, rows []Row, opts ImportOptions) (ImportResult, error) {
	res := ImportResult{DryRun: opts.DryRun}
	what := "import into"
	if opts.Remove {
		what = "remove by import from"
	}
	l, err := s.GetLicense(ctx, licenseID)
	if err != nil {
		return res, fmt.Errorf("%s license %s: %w", what, licenseID, err)
	}
	for i := range rows {
		if _, err := license.NormalizeEmail(rows[i].Email); err != nil || !rows[i].Role.Valid() {
			return res, fmt.Errorf("%s license %s: row %d (line %d) was not read by ReadImport: %w",
				what, licenseID, i+1, rows[i].Line, license.ErrInvalid)
		}
	}
	var changes []license.Change
	if opts.Remove {
		changes, err = removals(ctx, s, licenseID, rows, &res)
	} else {
		changes, err = additions(&l, rows, opts, time.Now)
	}
	if err != nil {
		return res, fmt.Errorf("%s license %s: %w", what, licenseID, err)
	}
	if opts.DryRun {
		err = dryRun(ctx, s, &l, changes, &res)
	} else {
		res.ApplyResult, err = s.Apply(ctx, licenseID, changes,
			license.ApplyOptions{Actor: opts.Actor, Now: opts.Now, Atomic: true, AllOrNothingSeats: true})
	}
	if err != nil {
		return ImportResult{DryRun: opts.DryRun}, fmt.Errorf("%s license %s: %w", what, licenseID, err)
	}
	return res, nil
}

func additions(l *license.License, rows []Row, opts ImportOptions, clock func() time.Time) ([]license.Change, error) {
	if opts.UploadID == "" {
		return nil, fmt.Errorf("an upload id is required to add members: %w", license.ErrInvalid)
	}
	src := license.CSVSource(opts.UploadID)
	if err := src.Validate(); err != nil {
		return nil, fmt.Errorf("upload id: %w", err)
	}
	now := opts.Now
	if now.IsZero() {
		now = clock()
	}
	// Claims on people already there would still apply, but an upload that
	// half works on an expired license surprises more than it helps.
	if l.Expired(now) {
		return nil, fmt.Errorf("the license expired on %s: %w", l.Expires.Format(time.DateOnly), license.ErrExpired)
	}
	changes := make([]license.Change, len(rows))
	for i, r := range rows {
		changes[i] = license.Change{Op: license.OpUpsert, Email: r.Email, Source: src, Name: r.Name, Role: r.Role}
	}
	return changes, nil
}

// removals reads each listed member and plans the removal of the claims an
// admin made, noting who stays and who was never there.
func removals(ctx context.Context, s license.Store, licenseID string, rows []Row, res *ImportResult) ([]license.Change, error) {
	var changes []license.Change
	for i, r := range rows {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		m, err := s.Member(ctx, licenseID, r.Email)
		if errors.Is(err, license.ErrNotFound) {
			res.NotFound = append(res.NotFound, r.Email)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", r.Line, err)
		}
		var others []license.Source
		for _, c := range m.Claims {
			if slices.Contains(adminKinds, c.Source.Kind()) {
				changes = append(changes, license.Change{Op: license.OpRemove, Email: m.Email, Source: c.Source})
			} else {
				others = append(others, c.Source)
			}
		}
		if len(others) > 0 {
			res.Kept = append(res.Kept, KeptMember{Email: m.Email, Sources: others})
		}
	}
	return changes, nil
}

// dryRun works out what Apply would do with changes, by the rules of
// license.Store, reading members but writing nothing.
func dryRun(ctx context.Context, s license.Store, l *license.License, changes []license.Change, res *ImportResult) error {
	r := &res.ApplyResult
	leaving := map[string]int{} // email → claims a removal takes
	newMembers := 0
	for i := range changes {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ch := &changes[i]
		m, err := s.Member(ctx, l.ID, ch.Email)
		if errors.Is(err, license.ErrNotFound) {
			if ch.Op == license.OpUpsert {
				r.MembersAdded++
				newMembers++
			} else {
				r.Unchanged++
			}
			continue
		}
		if err != nil {
			return err
		}
		c := m.Claim(ch.Source)
		switch {
		case ch.Op == license.OpRemove && c == nil:
			r.Unchanged++
		case ch.Op == license.OpRemove:
			r.ClaimsRemoved++
			leaving[ch.Email]++
			if leaving[ch.Email] == len(m.Claims) {
				r.MembersRemoved++
			}
		case c == nil:
			r.ClaimsAdded++
		case c.SameAttributes(&license.Claim{Name: ch.Name, Role: ch.Role, OrgUnit: ch.OrgUnit, ExternalID: ch.ExternalID, Attrs: ch.Attrs}):
			r.Unchanged++
		default:
			r.ClaimsUpdated++
		}
	}
	if short := newMembers - l.Free(); short > 0 {
		return fmt.Errorf("%d new members do not fit (%d seats free): %w", short, l.Free(), license.ErrSeatLimit)
	}
	return nil
}
