package reconcile

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"slices"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// Person is one person as a deployment wants them claimed: the email
// normalized, the role resolved, duplicates folded. It is also the compact
// form of a claim change in a Plan.
type Person struct {
	Email      string            `json:"email"`
	Name       string            `json:"name,omitempty"`
	Role       license.Role      `json:"role"`
	OrgUnit    string            `json:"org_unit,omitempty"`
	ExternalID string            `json:"external_id,omitempty"`
	Attrs      map[string]string `json:"attrs,omitempty"`
}

// sameAttributes reports whether p says what claim c says.
func (p *Person) sameAttributes(c *license.Claim) bool {
	return p.Name == c.Name && p.Role == c.Role && p.OrgUnit == c.OrgUnit &&
		p.ExternalID == c.ExternalID && maps.Equal(p.Attrs, c.Attrs)
}

// Skip is a person the source reported that cannot be claimed, and why.
type Skip struct {
	ExternalID string `json:"external_id,omitempty"`
	Email      string `json:"email,omitempty"`
	Reason     string `json:"reason"`
}

// MaxSkipsRecorded bounds Snapshot.Skipped, so a source full of bad rows
// cannot grow a snapshot without limit; SkippedCount still counts them all.
const MaxSkipsRecorded = 1000

// Snapshot is everything a source said, in one piece: the people a
// deployment wants claimed, sorted by email with one entry per email.
type Snapshot struct {
	People []Person `json:"people"`
	// Skipped lists the first MaxSkipsRecorded people that had no or an
	// invalid email or role; SkippedCount counts all of them.
	Skipped      []Skip `json:"skipped,omitempty"`
	SkippedCount int    `json:"skipped_count"`
	Fetched      int    `json:"fetched"` // people the connector emitted, before folding and skipping
	Folded       int    `json:"folded"`  // duplicate entries folded into another (same email)
	Pages        int    `json:"pages"`
	// Hash is a SHA-256 over the folded people: equal sources hash equal
	// whatever their page order, so an unchanged source can be detected.
	Hash string `json:"hash"`
}

func (s *Snapshot) skip(p *connectors.Person, reason string) {
	s.SkippedCount++
	if len(s.Skipped) < MaxSkipsRecorded {
		s.Skipped = append(s.Skipped, Skip{ExternalID: p.ExternalID, Email: p.Email, Reason: reason})
	}
}

// Collect reads the whole selection from c and folds it into a Snapshot.
//
// If the connector fails at any point, Collect returns the error and no
// snapshot: a partial read must never be planned against, as the people on
// the pages not read would look like people who left.
func Collect(ctx context.Context, c connectors.Connector, sel connectors.Selection) (*Snapshot, error) {
	def := sel.DefaultRole
	if def == "" {
		def = license.RoleStudent
	}
	if !def.Valid() {
		return nil, fmt.Errorf("collect: selection default_role %q: must be student, teacher or other: %w", def, license.ErrInvalid)
	}
	snap := &Snapshot{}
	people := make([]Person, 0, 1024)
	err := c.Fetch(ctx, sel, func(page []connectors.Person) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		snap.Pages++
		snap.Fetched += len(page)
		for i := range page {
			p := &page[i]
			if strings.TrimSpace(p.Email) == "" {
				snap.skip(p, "no email")
				continue
			}
			email, err := license.NormalizeEmail(p.Email)
			if err != nil {
				snap.skip(p, err.Error())
				continue
			}
			role := def
			if p.Role != "" {
				if role, err = license.ParseRole(string(p.Role)); err != nil {
					snap.skip(p, err.Error())
					continue
				}
			}
			var attrs map[string]string
			if len(p.Attrs) > 0 {
				// The connector may reuse its maps between pages.
				attrs = maps.Clone(p.Attrs)
			}
			people = append(people, Person{
				Email:      email,
				Name:       strings.TrimSpace(p.Name),
				Role:       role,
				OrgUnit:    strings.TrimSpace(p.OrgUnit),
				ExternalID: strings.TrimSpace(p.ExternalID),
				Attrs:      attrs,
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("connector failed after %d pages (%d people read); no snapshot, so nothing is planned from a partial read: %w",
			snap.Pages, snap.Fetched, err)
	}
	snap.People, snap.Folded = fold(people)
	snap.Hash = hashPeople(snap.People)
	return snap, nil
}

// fold sorts people by email and merges entries with the same email: the
// strongest role wins, and name, org unit and external id come from the
// first entry that has one in an order that does not depend on the order
// the source emitted them (role strength, then external id, name, org
// unit), so equal sources fold equal.
func fold(people []Person) ([]Person, int) {
	slices.SortFunc(people, compareFold)
	out := people[:0]
	folded := 0
	for i := 0; i < len(people); {
		j := i + 1
		for j < len(people) && people[j].Email == people[i].Email {
			j++
		}
		p := people[i]
		if j-i > 1 {
			p = merge(people[i:j])
			folded += j - i - 1
		}
		out = append(out, p)
		i = j
	}
	clear(people[len(out):]) // drop references held past the new length
	return out, folded
}

func compareFold(a, b Person) int {
	if c := strings.Compare(a.Email, b.Email); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Role.Rank(), a.Role.Rank()); c != 0 {
		return c
	}
	if c := strings.Compare(a.ExternalID, b.ExternalID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.OrgUnit, b.OrgUnit)
}

// merge folds entries of one email, sorted by compareFold.
func merge(dups []Person) Person {
	p := dups[0] // the strongest role sorts first
	for _, d := range dups[1:] {
		if p.Name == "" {
			p.Name = d.Name
		}
		if p.OrgUnit == "" {
			p.OrgUnit = d.OrgUnit
		}
		if p.ExternalID == "" {
			p.ExternalID = d.ExternalID
		}
		for k, v := range d.Attrs {
			if p.Attrs == nil {
				// Collect cloned every map, so writing into dups[0]'s is safe.
				p.Attrs = make(map[string]string, len(d.Attrs))
			}
			// Entries equal up to their attrs sort in emission order, so a
			// conflict keeps the smaller value to stay order-independent.
			if w, ok := p.Attrs[k]; !ok || v < w {
				p.Attrs[k] = v
			}
		}
	}
	return p
}

// hashPeople hashes people in their (email) order.
func hashPeople(people []Person) string {
	h := sha256.New()
	var buf []byte
	for i := range people {
		p := &people[i]
		buf = appendRecord(buf[:0], p.Email, p.Name, p.Role, p.OrgUnit, p.ExternalID, p.Attrs)
		h.Write(buf)
	}
	return sum(h)
}

// appendRecord encodes one person or claim unambiguously: every field is
// length-prefixed, attrs in key order.
func appendRecord(buf []byte, email, name string, role license.Role, orgUnit, externalID string, attrs map[string]string) []byte {
	buf = appendField(buf, email)
	buf = appendField(buf, name)
	buf = appendField(buf, string(role))
	buf = appendField(buf, orgUnit)
	buf = appendField(buf, externalID)
	buf = binary.AppendUvarint(buf, uint64(len(attrs)))
	if len(attrs) > 0 {
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			buf = appendField(buf, k)
			buf = appendField(buf, attrs[k])
		}
	}
	return buf
}

func appendField(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func sum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }
