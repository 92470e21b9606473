package bolt

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Apply implements license.Store.
//
// It works in two steps. A plan, read in one read transaction, sorts the
// changes by email (so members are read and written in key order), folds
// duplicates of one claim (the last wins), drops what would write nothing
// (counted Unchanged), and orders the rest as license.Store says: removes,
// then updates of existing members, then new members teachers → other →
// students, by email. Then the plan is written in batches of BatchSize, each
// its own transaction that re-checks every change against what is stored
// then, so a concurrent writer between plan and batch loses nothing. A set
// with nothing to write opens no write transaction at all.
func (s *Store) Apply(ctx context.Context, licenseID string, changes []license.Change, opts license.ApplyOptions) (license.ApplyResult, error) {
	var res license.ApplyResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	for i := range changes {
		if err := validateChange(&changes[i]); err != nil {
			return res, fmt.Errorf("apply to license %q: change %d: %w", licenseID, i+1, err)
		}
	}
	now := s.clock(opts.Now)
	plan, unchanged, err := s.plan(ctx, licenseID, changes)
	if err != nil {
		return res, fmt.Errorf("apply to license %q: %w", licenseID, err)
	}
	res.Unchanged = unchanged
	if len(plan) == 0 {
		return res, nil
	}
	size := opts.BatchSize
	if size <= 0 {
		size = s.batch
	}
	// An all-or-nothing seat check only holds inside one transaction.
	if opts.Atomic || opts.AllOrNothingSeats {
		size = len(plan)
	}
	w := writer{licenseID: licenseID, changes: changes, now: now, actor: opts.Actor}
	for start := 0; start < len(plan); start += size {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("apply to license %q: stopped after %d of %d changes: %w", licenseID, start, len(plan), err)
		}
		part := plan[start:min(start+size, len(plan))]
		var r license.ApplyResult
		usedChanged := false
		err := s.db.Update(func(tx *bbolt.Tx) error {
			r = license.ApplyResult{}
			var err error
			usedChanged, err = w.batch(ctx, tx, part, &r)
			if err != nil {
				return err
			}
			if opts.AllOrNothingSeats {
				short := 0
				for _, o := range r.Overflow {
					if o.Reason == license.ReasonNoSeats {
						short++
					}
				}
				if short > 0 {
					return fmt.Errorf("%d new members do not fit: %w", short, license.ErrSeatLimit)
				}
			}
			return nil
		})
		if usedChanged && err == nil {
			s.cache.drop(licenseID)
		}
		if err != nil {
			return res, fmt.Errorf("apply to license %q: batch at change %d of %d: %w", licenseID, start+1, len(plan), err)
		}
		res.Add(r)
		s.log.Debug("applied batch", slog.String("license", licenseID), slog.Int("changes", len(part)),
			slog.Int("added", r.MembersAdded), slog.Int("removed", r.MembersRemoved), slog.Int("overflow", len(r.Overflow)))
	}
	s.log.Info("applied changes", slog.String("license", licenseID), slog.String("actor", opts.Actor),
		slog.Int("changes", len(changes)), slog.Int("members_added", res.MembersAdded), slog.Int("members_removed", res.MembersRemoved),
		slog.Int("claims_updated", res.ClaimsUpdated), slog.Int("unchanged", res.Unchanged), slog.Int("overflow", len(res.Overflow)))
	return res, nil
}

// validateChange refuses what no backend may store.
func validateChange(c *license.Change) error {
	if c.Op != license.OpUpsert && c.Op != license.OpRemove {
		return &license.FieldError{Field: "op", Value: c.Op.String(), Reason: "must be upsert or remove"}
	}
	if !validEmail(c.Email) {
		n, err := license.NormalizeEmail(c.Email)
		if err != nil {
			return err
		}
		return &license.FieldError{Field: "email", Value: c.Email, Reason: fmt.Sprintf("is not normalized (want %q)", n)}
	}
	if err := c.Source.Validate(); err != nil {
		return err
	}
	if c.Role != "" && !c.Role.Valid() {
		return &license.FieldError{Field: "role", Value: string(c.Role), Reason: "must be student, teacher or other"}
	}
	return nil
}

// validEmail accepts a normalized address. Most addresses are plain
// letters, digits and dots, checked here in nanoseconds; anything else
// goes through license.NormalizeEmail, the definition.
func validEmail(e string) bool {
	at := strings.LastIndexByte(e, '@')
	if at > 0 && at < len(e)-1 && len(e) <= 254 && plainLocal(e[:at]) && plainDomain(e[at+1:]) {
		return true
	}
	n, err := license.NormalizeEmail(e)
	return err == nil && n == e
}

func plainLocal(s string) bool {
	if s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

func plainDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for label := range strings.SplitSeq(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

func roleOf(c *license.Change) license.Role {
	if c.Role == "" {
		return license.RoleStudent
	}
	return c.Role
}

// plan returns the indexes of the changes to write, in write order, and how
// many were found to change nothing.
func (s *Store) plan(ctx context.Context, licenseID string, changes []license.Change) ([]int32, int, error) {
	// Sorting (email, source, index) triples rather than indexes keeps the
	// comparisons in one contiguous slice: twice as fast at a million.
	type entry struct {
		email, source string
		idx           int32
	}
	sorted := make([]entry, len(changes))
	for i := range changes {
		sorted[i] = entry{changes[i].Email, string(changes[i].Source), int32(i)}
	}
	slices.SortFunc(sorted, func(a, b entry) int {
		return cmp.Or(strings.Compare(a.email, b.email), strings.Compare(a.source, b.source), cmp.Compare(a.idx, b.idx))
	})
	order := make([]int32, len(changes))
	for i := range sorted {
		order[i] = sorted[i].idx
	}
	sorted = nil
	var removes, updates []int32
	var adds [4][]int32 // by role rank
	unchanged := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		members := lb.Bucket(bucketMembers)
		c := members.Cursor()
		for i := 0; i < len(order); {
			if i%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			email := changes[order[i]].Email
			j := i
			for j < len(order) && changes[order[j]].Email == email {
				j++
			}
			var m *license.Member
			// Seek, not Get: the cursor walks forward through sorted emails.
			if k, v := c.Seek([]byte(email)); k != nil && string(k) == email {
				dm, err := decodeMember(email, v)
				if err != nil {
					return err
				}
				m = &dm
			}
			for n := i; n < j; n++ {
				idx := order[n]
				ch := &changes[idx]
				if n+1 < j && changes[order[n+1]].Source == ch.Source {
					continue // a later change of the same claim wins
				}
				switch ch.Op {
				case license.OpRemove:
					if m == nil || m.Claim(ch.Source) == nil {
						unchanged++
					} else {
						removes = append(removes, idx)
					}
				case license.OpUpsert:
					switch {
					case m == nil:
						adds[roleOf(ch).Rank()] = append(adds[roleOf(ch).Rank()], idx)
					case sameClaim(m.Claim(ch.Source), ch):
						unchanged++
					default:
						updates = append(updates, idx)
					}
				}
			}
			i = j
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	plan := order[:0] // reuse: every index kept is already read
	plan = append(plan, removes...)
	plan = append(plan, updates...)
	for r := len(adds) - 1; r >= 0; r-- {
		plan = append(plan, adds[r]...)
	}
	return plan, unchanged, nil
}

func claimOf(ch *license.Change, now time.Time) license.Claim {
	c := license.Claim{Source: ch.Source, FirstSeen: now, LastSeen: now, Name: ch.Name, Role: ch.Role,
		OrgUnit: ch.OrgUnit, ExternalID: ch.ExternalID}
	if len(ch.Attrs) > 0 {
		c.Attrs = maps.Clone(ch.Attrs)
	}
	return c
}

func sameClaim(c *license.Claim, ch *license.Change) bool {
	if c == nil {
		return false
	}
	nc := license.Claim{Name: ch.Name, Role: ch.Role, OrgUnit: ch.OrgUnit, ExternalID: ch.ExternalID, Attrs: ch.Attrs}
	return c.SameAttributes(&nc)
}

// writer writes planned changes of one Apply.
type writer struct {
	licenseID string
	changes   []license.Change
	now       time.Time
	actor     string
	arena     arena
	scratch   []byte // reused encoding buffer
}

// arena hands out byte slices carved from large chunks. bbolt keeps every
// key and value it is given until the transaction commits, so each needs
// its own memory; taking it from chunks makes a batch of ten thousand
// changes a few hundred allocations instead of a hundred thousand, which
// is most of what the garbage collector would otherwise chase.
type arena struct{ chunk []byte }

const arenaChunk = 1 << 20

// take returns an empty slice with room for n bytes.
func (a *arena) take(n int) []byte {
	if n > arenaChunk/8 {
		return make([]byte, 0, n)
	}
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]byte, 0, arenaChunk)
	}
	b := a.chunk[len(a.chunk) : len(a.chunk) : len(a.chunk)+n]
	a.chunk = a.chunk[:len(a.chunk)+n]
	return b
}

// keep copies b into the arena.
func (a *arena) keep(b []byte) []byte { return append(a.take(len(b)), b...) }

// pair is the arena's composite key x 0x00 y.
func (a *arena) pair(x, y string) []byte {
	k := a.take(len(x) + 1 + len(y))
	k = append(k, x...)
	k = append(k, sep)
	return append(k, y...)
}

// memberBuckets are the buckets one member write touches.
type memberBuckets struct {
	lb, members, byName, byAdded, bySource, emails *bbolt.Bucket
}

func (w *writer) nameKey(m *license.Member) []byte {
	return w.arena.pair(strings.ToLower(m.Name), m.Email)
}

func (w *writer) addedKey(m *license.Member) []byte {
	return append(append(w.arena.take(8+len(m.Email)), timeKey(m.Added)...), m.Email...)
}

// batch writes part inside tx and reports whether the seat count moved.
func (w *writer) batch(ctx context.Context, tx *bbolt.Tx, part []int32, r *license.ApplyResult) (bool, error) {
	lb, err := licenseBucket(tx, w.licenseID)
	if err != nil {
		return false, err
	}
	l, err := readLicense(lb, w.licenseID)
	if err != nil {
		return false, err
	}
	bk := memberBuckets{lb: lb, members: lb.Bucket(bucketMembers), byName: lb.Bucket(bucketByName),
		byAdded: lb.Bucket(bucketByAdded), bySource: lb.Bucket(bucketBySource), emails: tx.Bucket(bucketEmails)}
	// Batches add members mostly in key order; fuller pages make a smaller file.
	bk.members.FillPercent = 0.8
	bk.byAdded.FillPercent = 0.9
	expired := l.Expired(w.now)
	used := l.Used
	for n, idx := range part {
		if n%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		if err := w.one(&bk, &l, expired, &w.changes[idx], r); err != nil {
			return false, fmt.Errorf("%s %s from %s: %w", w.changes[idx].Op, w.changes[idx].Email, w.changes[idx].Source, err)
		}
	}
	if l.Used == used {
		return false, nil
	}
	return true, writeLicense(lb, &l)
}

func (w *writer) event(bk *memberBuckets, action license.Action, email string, src license.Source, detail string) error {
	return addEvent(bk.lb, &license.Event{Time: w.now, License: w.licenseID, Email: email, Action: action,
		Source: src, Actor: w.actor, Detail: detail}, &w.arena)
}

// one applies a single change as the stored state now stands.
func (w *writer) one(bk *memberBuckets, l *license.License, expired bool, ch *license.Change, r *license.ApplyResult) error {
	var m license.Member
	v := bk.members.Get([]byte(ch.Email))
	exists := v != nil
	if exists {
		var err error
		if m, err = decodeMember(ch.Email, v); err != nil {
			return err
		}
	}
	if ch.Op == license.OpRemove {
		if !exists || m.Claim(ch.Source) == nil {
			r.Unchanged++
			return nil
		}
		old := m
		m.Claims = slices.DeleteFunc(slices.Clone(m.Claims), func(c license.Claim) bool { return c.Source == ch.Source })
		if err := bk.bySource.Delete(w.arena.pair(string(ch.Source), ch.Email)); err != nil {
			return err
		}
		r.ClaimsRemoved++
		if len(m.Claims) == 0 {
			l.Used--
			r.MembersRemoved++
			if err := w.deleteMember(bk, &old); err != nil {
				return err
			}
			return w.event(bk, license.ActionMemberRemoved, ch.Email, ch.Source, "last claim removed")
		}
		m.Resolve()
		if err := w.putMember(bk, &old, &m); err != nil {
			return err
		}
		return w.event(bk, license.ActionClaimRemoved, ch.Email, ch.Source, "")
	}

	nc := claimOf(ch, w.now)
	if !exists {
		if expired {
			r.Overflow = append(r.Overflow, license.Overflow{Email: ch.Email, Source: ch.Source, Role: roleOf(ch), Reason: license.ReasonExpired})
			return nil
		}
		if l.Used >= l.Seats {
			r.Overflow = append(r.Overflow, license.Overflow{Email: ch.Email, Source: ch.Source, Role: roleOf(ch), Reason: license.ReasonNoSeats})
			return nil
		}
		// What Resolve derives from a single claim, without its allocations.
		m = license.Member{Email: ch.Email, Claims: []license.Claim{nc}, Name: nc.Name, OrgUnit: nc.OrgUnit, Role: roleOf(ch), Added: nc.FirstSeen}
		l.Used++
		r.MembersAdded++
		if err := w.putMember(bk, nil, &m); err != nil {
			return err
		}
		if err := bk.bySource.Put(w.arena.pair(string(ch.Source), ch.Email), nil); err != nil {
			return err
		}
		return w.event(bk, license.ActionMemberAdded, ch.Email, ch.Source, string(roleOf(ch)))
	}
	old := m
	m.Claims = slices.Clone(m.Claims)
	c := m.Claim(ch.Source)
	if c == nil {
		m.Claims = append(m.Claims, nc)
		m.Resolve()
		r.ClaimsAdded++
		if err := w.putMember(bk, &old, &m); err != nil {
			return err
		}
		if err := bk.bySource.Put(w.arena.pair(string(ch.Source), ch.Email), nil); err != nil {
			return err
		}
		return w.event(bk, license.ActionClaimAdded, ch.Email, ch.Source, "")
	}
	if c.SameAttributes(&nc) {
		r.Unchanged++
		return nil
	}
	detail := claimDiff(c, &nc)
	nc.FirstSeen = c.FirstSeen
	*c = nc
	m.Resolve()
	r.ClaimsUpdated++
	if err := w.putMember(bk, &old, &m); err != nil {
		return err
	}
	return w.event(bk, license.ActionClaimUpdated, ch.Email, ch.Source, detail)
}

// putMember stores m and moves its index entries from old (nil: new member).
func (w *writer) putMember(bk *memberBuckets, old, m *license.Member) error {
	// bbolt keeps the value until commit: a fresh buffer each time.
	key := append(w.arena.take(len(m.Email)), m.Email...)
	w.scratch = encodeMember(w.scratch[:0], m)
	val := w.arena.keep(w.scratch)
	if err := bk.members.Put(key, val); err != nil {
		return err
	}
	if old == nil {
		if err := bk.emails.Put(w.arena.pair(m.Email, w.licenseID), nil); err != nil {
			return err
		}
	}
	// Compare the index keys' name parts, not names: the index lower-cases.
	newName, oldName := strings.ToLower(m.Name), ""
	if old != nil {
		oldName = strings.ToLower(old.Name)
	}
	if old == nil || oldName != newName {
		if old != nil {
			if err := bk.byName.Delete(w.nameKey(old)); err != nil {
				return err
			}
		}
		if err := bk.byName.Put(w.nameKey(m), nil); err != nil {
			return err
		}
	}
	if old == nil || !old.Added.Equal(m.Added) {
		if old != nil {
			if err := bk.byAdded.Delete(w.addedKey(old)); err != nil {
				return err
			}
		}
		if err := bk.byAdded.Put(w.addedKey(m), nil); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) deleteMember(bk *memberBuckets, m *license.Member) error {
	for _, del := range []struct {
		b *bbolt.Bucket
		k []byte
	}{
		{bk.members, append(w.arena.take(len(m.Email)), m.Email...)},
		{bk.byName, w.nameKey(m)},
		{bk.byAdded, w.addedKey(m)},
		{bk.emails, w.arena.pair(m.Email, w.licenseID)},
	} {
		if err := del.b.Delete(del.k); err != nil {
			return err
		}
	}
	return nil
}

// claimDiff says what an update changed, for the audit trail.
func claimDiff(a, b *license.Claim) string {
	var parts []string
	if a.Name != b.Name {
		parts = append(parts, fmt.Sprintf("name %q → %q", a.Name, b.Name))
	}
	if a.Role != b.Role {
		parts = append(parts, fmt.Sprintf("role %s → %s", orNone(string(a.Role)), orNone(string(b.Role))))
	}
	if a.OrgUnit != b.OrgUnit {
		parts = append(parts, fmt.Sprintf("org unit %q → %q", a.OrgUnit, b.OrgUnit))
	}
	if a.ExternalID != b.ExternalID {
		parts = append(parts, fmt.Sprintf("external id %q → %q", a.ExternalID, b.ExternalID))
	}
	if !maps.Equal(a.Attrs, b.Attrs) {
		parts = append(parts, "attributes changed")
	}
	return strings.Join(parts, "; ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
