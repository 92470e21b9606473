package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
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
	// People are the folded people when the snapshot is in memory; a
	// spilled one (Spilled) keeps them on disk and People is nil: Len
	// counts them either way.
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

	// runs hold the people on disk instead of in People (see
	// CollectOptions.SpillDir): sorted runs, merged and folded as they are
	// read; count is how many people they fold to.
	runs   []*spill
	count  int
	closed bool
}

// Len is the number of people the snapshot holds, in memory or spilled.
func (s *Snapshot) Len() int {
	if s.count > 0 {
		return s.count
	}
	return len(s.People)
}

// Spilled reports whether the people are on disk rather than in People.
func (s *Snapshot) Spilled() bool { return len(s.runs) > 0 }

// SpilledBytes is the disk a spilled snapshot takes (0 in memory).
func (s *Snapshot) SpilledBytes() int64 {
	var n int64
	for _, r := range s.runs {
		n += r.size
	}
	return n
}

// stream reads a spilled snapshot's people from the start, in email
// order, folded. A closed one is an error, never an empty source.
func (s *Snapshot) stream() (*foldMerge, error) {
	if len(s.runs) == 0 {
		return nil, errors.New("read the spilled snapshot: it was closed (a plan was used after its snapshot was closed)")
	}
	return newFoldMerge(s.runs, false)
}

// Close gives back the disk space of a spilled snapshot. A plan built
// from the snapshot reads its adds from it, so close it after Apply. It is
// safe to call on any snapshot, more than once.
func (s *Snapshot) Close() error {
	if s == nil || len(s.runs) == 0 {
		return nil
	}
	var err error
	for _, r := range s.runs {
		err = cmp.Or(err, r.close())
	}
	s.runs, s.closed = nil, true
	if err != nil {
		return fmt.Errorf("close the spilled snapshot: %w", err)
	}
	return nil
}

func (s *Snapshot) skip(p *connectors.Person, reason string) {
	s.SkippedCount++
	if len(s.Skipped) < MaxSkipsRecorded {
		s.Skipped = append(s.Skipped, Skip{ExternalID: p.ExternalID, Email: p.Email, Reason: reason})
	}
}

// fold sorts people by email and merges entries with the same email: the
// strongest role wins, and name, org unit and external id come from the
// first entry that has one in an order that does not depend on the order
// the source emitted them (role strength, then external id, name, org
// unit), so equal sources fold equal.
func fold(people []Person) ([]Person, int) {
	sortFold(people)
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

func sortFold(people []Person) { slices.SortFunc(people, compareFold) }

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
