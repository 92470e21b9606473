package postgres

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/connectors/syncstate/pgstate"
	"github.com/rollcall-sync/rollcall/license"
)

// Apply implements license.Store, as license/bolt does: a plan, read
// outside any write transaction, sorts the changes by email, folds
// duplicates of one claim (the last wins), drops what would write nothing
// (counted Unchanged) and orders the rest removes → updates → new members
// teachers, other, students. Then each batch of BatchSize is one
// transaction that locks the license row (so writers in every process take
// turns and seats cannot be overfilled), re-checks each change against
// what is stored then, and writes members, claims, audit events and feed
// entries together.
func (s *Store) Apply(ctx context.Context, licenseID string, changes []license.Change, opts license.ApplyOptions) (license.ApplyResult, error) {
	var res license.ApplyResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	for i := range changes {
		if err := changes[i].Validate(); err != nil {
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
		err := s.tx(ctx, func(tx pgx.Tx) error {
			r = license.ApplyResult{}
			// A replica running the deployment under a lease it has since
			// lost (paused, cut off) must not apply a stale plan.
			if err := pgstate.CheckContextFence(ctx, tx); err != nil {
				return err
			}
			if err := w.batch(ctx, tx, part, &r, opts.AllOrNothingSeats, s.checkWrite); err != nil {
				return err
			}
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("apply to license %q: batch at change %d of %d: %w", licenseID, start+1, len(plan), err)
		}
		if r.Changed() {
			s.feedNotify()
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

func roleOf(c *license.Change) license.Role {
	if c.Role == "" {
		return license.RoleStudent
	}
	return c.Role
}

// planChunk is how many members one plan query reads.
const planChunk = 10000

// plan returns the indexes of the changes to write, in write order, and
// how many were found to change nothing.
func (s *Store) plan(ctx context.Context, licenseID string, changes []license.Change) (plan []int32, unchanged int, err error) {
	order := make([]int32, len(changes))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ca, cb := &changes[a], &changes[b]
		return cmp.Or(strings.Compare(ca.Email, cb.Email), strings.Compare(string(ca.Source), string(cb.Source)), cmp.Compare(a, b))
	})
	if err := licenseExists(ctx, s.pool, licenseID); err != nil {
		return nil, 0, err
	}
	var removes, updates []int32
	var adds [4][]int32 // by role rank
	var emails []string
	for i := 0; i < len(order); {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		// A chunk of whole email groups.
		j := min(i+planChunk, len(order))
		for j < len(order) && changes[order[j]].Email == changes[order[j-1]].Email {
			j++
		}
		emails = emails[:0]
		for n := i; n < j; n++ {
			if e := changes[order[n]].Email; len(emails) == 0 || emails[len(emails)-1] != e {
				emails = append(emails, e)
			}
		}
		stored, err := readMembers(ctx, s.pool, licenseID, emails)
		if err != nil {
			return nil, 0, err
		}
		for n := i; n < j; n++ {
			idx := order[n]
			ch := &changes[idx]
			if n+1 < j && changes[order[n+1]].Email == ch.Email && changes[order[n+1]].Source == ch.Source {
				continue // a later change of the same claim wins
			}
			m := stored[ch.Email]
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
	plan = order[:0] // reuse: every index kept is already read
	plan = append(plan, removes...)
	plan = append(plan, updates...)
	for r := len(adds) - 1; r >= 0; r-- {
		plan = append(plan, adds[r]...)
	}
	return plan, unchanged, nil
}

// readMembers reads the stored members of licenseID among emails.
func readMembers(ctx context.Context, q querier, licenseID string, emails []string) (map[string]*license.Member, error) {
	rows, err := q.Query(ctx, `SELECT `+memberCols+` FROM members WHERE license_id = $1 AND email = ANY($2)`, licenseID, emails)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]*license.Member, len(emails))
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out[m.Email] = &m
	}
	return out, rows.Err()
}

func claimOf(ch *license.Change, now time.Time) license.Claim {
	c := license.Claim{Source: ch.Source, FirstSeen: now, LastSeen: now, Name: ch.Name, Role: ch.Role,
		OrgUnit: ch.OrgUnit, ExternalID: ch.ExternalID, Leaving: ch.Leaving, LeavingRevokes: ch.LeavingRevokes}
	if len(ch.Attrs) > 0 {
		c.Attrs = maps.Clone(ch.Attrs)
	}
	return c
}

func sameClaim(c *license.Claim, ch *license.Change) bool {
	if c == nil {
		return false
	}
	nc := license.Claim{Name: ch.Name, Role: ch.Role, OrgUnit: ch.OrgUnit, ExternalID: ch.ExternalID, Attrs: ch.Attrs,
		Leaving: ch.Leaving, LeavingRevokes: ch.LeavingRevokes}
	return c.SameAttributes(&nc)
}

// writer writes the planned changes of one Apply, a batch at a time.
type writer struct {
	licenseID string
	changes   []license.Change
	now       time.Time
	actor     string
}

// slot is one member a batch touches: as stored when the batch began and
// as the batch's changes, applied so far, leave it.
type slot struct {
	old    *license.Member // nil: not a member when the batch began
	cur    license.Member  // meaningful when exists
	exists bool
	dirty  bool
}

// batch decides part in plan order, which is seat order, against the
// members as stored under the license's lock, then writes the result in
// one pipelined round of statements.
func (w *writer) batch(ctx context.Context, tx pgx.Tx, part []int32, r *license.ApplyResult, allOrNothing bool, check func(context.Context, pgx.Tx) error) error {
	l, seq, err := lockLicense(ctx, tx, w.licenseID)
	if err != nil {
		return err
	}
	if err := check(ctx, tx); err != nil {
		return err
	}
	var emails []string
	seen := make(map[string]bool, len(part))
	for _, idx := range part {
		if e := w.changes[idx].Email; !seen[e] {
			seen[e] = true
			emails = append(emails, e)
		}
	}
	stored, err := readMembers(ctx, tx, w.licenseID, emails)
	if err != nil {
		return err
	}
	slots := make(map[string]*slot, len(emails))
	for _, e := range emails {
		s := &slot{}
		if m := stored[e]; m != nil {
			s.old, s.cur, s.exists = m, *m, true
		}
		slots[e] = s
	}
	expired := l.Expired(w.now)
	used := l.Used
	ev := eventArrays{}
	for _, idx := range part {
		ch := &w.changes[idx]
		action, detail := decide(slots[ch.Email], &l, expired, ch, w.now, r)
		if action == "" {
			continue
		}
		ev.add(seq+uint64(len(ev.seq))+1, ch.Email, action, ch.Source, detail)
	}
	if allOrNothing {
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
	if len(ev.seq) == 0 {
		return nil
	}
	var b pgx.Batch
	newMembers, newClaims, err := w.queueMembers(&b, emails, slots)
	if err != nil {
		return err
	}
	if l.Used != used {
		rec, err := encodeJSON(&l)
		if err != nil {
			return err
		}
		b.Queue(`UPDATE licenses SET record = $2, event_seq = $3 WHERE id = $1`, w.licenseID, rec, ev.seq[len(ev.seq)-1])
	} else {
		b.Queue(`UPDATE licenses SET event_seq = $2 WHERE id = $1`, w.licenseID, ev.seq[len(ev.seq)-1])
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return err
	}
	// What is new goes in by COPY, PostgreSQL's bulk path: nobody else
	// can add these rows while the license row is locked.
	if len(newMembers) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"members"}, memberCopyCols, pgx.CopyFromRows(newMembers)); err != nil {
			return fmt.Errorf("members: %w", err)
		}
	}
	if len(newClaims) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"claims"}, claimCopyCols, pgx.CopyFromRows(newClaims)); err != nil {
			return fmt.Errorf("claims: %w", err)
		}
	}
	evRows := make([][]any, len(ev.seq))
	t, actor := nanos(w.now), w.actor
	for i := range ev.seq {
		evRows[i] = []any{w.licenseID, ev.seq[i], t, ev.email[i], ev.action[i], ev.source[i], actor, ev.detail[i]}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventCopyCols, pgx.CopyFromRows(evRows)); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	var fb pgx.Batch
	queueFeed(&fb, w.licenseID, seq, len(ev.seq))
	return tx.SendBatch(ctx, &fb).Close()
}

// Columns of the COPYs, in the order of their rows.
var (
	memberCopyCols = []string{"license_id", "email", "name", "name_key", "role", "org_unit", "added", "first_source", "revoked", "claims"}
	claimCopyCols  = []string{"license_id", "source", "email", "claim", "sole"}
	eventCopyCols  = []string{"license_id", "seq", "time", "email", "action", "source", "actor", "detail"}
)

// queueFeed adds the feed entries of events first+1 … first+n of a
// license. It goes last in its transaction: the feed_state row it updates
// stays locked to the commit, which is what makes cursor order commit
// order, and the shorter it is held the better.
func queueFeed(b *pgx.Batch, licenseID string, first uint64, n int) {
	b.Queue(`WITH f AS (UPDATE feed_state SET cursor = cursor + $3 WHERE id = 1 RETURNING cursor)
		INSERT INTO feed (cursor, license_id, seq)
		SELECT f.cursor - $3 + i, $1, $2 + i FROM f, generate_series(1, $3::bigint) AS i`,
		licenseID, int64(first), int64(n))
	b.Queue(`SELECT pg_notify('` + feedChannel + `', '')`)
}

// eventArrays are a batch's audit events, column by column, for unnest.
type eventArrays struct {
	seq                           []int64
	email, action, source, detail []string
}

func (a *eventArrays) add(seq uint64, email string, action license.Action, source license.Source, detail string) {
	a.seq = append(a.seq, int64(seq))
	a.email = append(a.email, email)
	a.action = append(a.action, string(action))
	a.source = append(a.source, string(source))
	a.detail = append(a.detail, detail)
}

// queueMembers queues the member and claim writes that take each dirty
// slot from old to cur, except the rows of members new to the license,
// which it returns for COPY.
func (w *writer) queueMembers(b *pgx.Batch, emails []string, slots map[string]*slot) (newMembers, newClaims [][]any, err error) {
	var gone []string
	var up struct {
		email, name, nameKey, role, orgUnit, firstSource []string
		added                                            []int64
		revoked                                          []bool
		claims                                           [][]byte
	}
	var cdel struct{ source, email []string }
	var cup struct {
		source, email []string
		claim         [][]byte
		sole          []bool
	}
	for _, e := range emails {
		s := slots[e]
		if !s.dirty {
			continue
		}
		var oldClaims, curClaims []license.Claim
		if s.old != nil {
			oldClaims = s.old.Claims
		}
		if s.exists {
			curClaims = s.cur.Claims
			row, err := rowOf(&s.cur)
			if err != nil {
				return nil, nil, err
			}
			if s.old == nil {
				newMembers = append(newMembers, []any{w.licenseID, row.email, row.name, row.nameKey, row.role, row.orgUnit, row.added, row.firstSource, row.revoked, row.claims})
				for i := range s.cur.Claims {
					raw := encodeClaim(&s.cur.Claims[i])
					newClaims = append(newClaims, []any{w.licenseID, string(s.cur.Claims[i].Source), e, raw, len(s.cur.Claims) == 1})
				}
				continue
			}
			up.email = append(up.email, row.email)
			up.name = append(up.name, row.name)
			up.nameKey = append(up.nameKey, row.nameKey)
			up.role = append(up.role, row.role)
			up.orgUnit = append(up.orgUnit, row.orgUnit)
			up.firstSource = append(up.firstSource, row.firstSource)
			up.added = append(up.added, row.added)
			up.revoked = append(up.revoked, row.revoked)
			up.claims = append(up.claims, row.claims)
		} else if s.old != nil {
			gone = append(gone, e)
		}
		oldSole, curSole := len(oldClaims) == 1, len(curClaims) == 1
		for i := range oldClaims {
			if !slices.ContainsFunc(curClaims, func(c license.Claim) bool { return c.Source == oldClaims[i].Source }) {
				cdel.source = append(cdel.source, string(oldClaims[i].Source))
				cdel.email = append(cdel.email, e)
			}
		}
		for i := range curClaims {
			c := &curClaims[i]
			raw := encodeClaim(c)
			if j := slices.IndexFunc(oldClaims, func(o license.Claim) bool { return o.Source == c.Source }); j >= 0 && oldSole == curSole {
				if bytes.Equal(encodeClaim(&oldClaims[j]), raw) {
					continue
				}
			}
			cup.source = append(cup.source, string(c.Source))
			cup.email = append(cup.email, e)
			cup.claim = append(cup.claim, raw)
			cup.sole = append(cup.sole, curSole)
		}
	}
	if len(gone) > 0 {
		b.Queue(`DELETE FROM members WHERE license_id = $1 AND email = ANY($2)`, w.licenseID, gone)
	}
	if len(up.email) > 0 {
		b.Queue(`INSERT INTO members (license_id, email, name, name_key, role, org_unit, added, first_source, revoked, claims)
			SELECT $1, u.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::boolean[], $10::bytea[])
				AS u(email, name, name_key, role, org_unit, added, first_source, revoked, claims)
			ON CONFLICT (license_id, email) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, role = excluded.role,
				org_unit = excluded.org_unit, added = excluded.added, first_source = excluded.first_source,
				revoked = excluded.revoked, claims = excluded.claims`,
			w.licenseID, up.email, up.name, up.nameKey, up.role, up.orgUnit, up.added, up.firstSource, up.revoked, up.claims)
	}
	if len(cdel.email) > 0 {
		b.Queue(`DELETE FROM claims c USING unnest($2::text[], $3::text[]) AS u(source, email)
			WHERE c.license_id = $1 AND c.source = u.source AND c.email = u.email`, w.licenseID, cdel.source, cdel.email)
	}
	if len(cup.email) > 0 {
		b.Queue(`INSERT INTO claims (license_id, source, email, claim, sole)
			SELECT $1, u.* FROM unnest($2::text[], $3::text[], $4::bytea[], $5::boolean[]) AS u(source, email, claim, sole)
			ON CONFLICT (license_id, source, email) DO UPDATE SET claim = excluded.claim, sole = excluded.sole`,
			w.licenseID, cup.source, cup.email, cup.claim, cup.sole)
	}
	return newMembers, newClaims, nil
}

// decide applies one change to its member's slot as the batch has left it
// so far, and returns the audit event it calls for ("" when it changes
// nothing or overflows). It is license/bolt's rule, change for change.
func decide(s *slot, l *license.License, expired bool, ch *license.Change, now time.Time, r *license.ApplyResult) (license.Action, string) {
	if ch.Op == license.OpRemove {
		if !s.exists || s.cur.Claim(ch.Source) == nil {
			r.Unchanged++
			return "", ""
		}
		s.dirty = true
		r.ClaimsRemoved++
		claims := slices.DeleteFunc(slices.Clone(s.cur.Claims), func(c license.Claim) bool { return c.Source == ch.Source })
		if len(claims) == 0 {
			l.Used--
			r.MembersRemoved++
			s.cur, s.exists = license.Member{}, false
			return license.ActionMemberRemoved, "last claim removed"
		}
		s.cur.Claims = claims
		s.cur.Resolve()
		return license.ActionClaimRemoved, ""
	}

	nc := claimOf(ch, now)
	if !s.exists {
		if expired {
			r.Overflow = append(r.Overflow, license.Overflow{Email: ch.Email, Source: ch.Source, Role: roleOf(ch), Reason: license.ReasonExpired})
			return "", ""
		}
		if l.Used >= l.Seats {
			r.Overflow = append(r.Overflow, license.Overflow{Email: ch.Email, Source: ch.Source, Role: roleOf(ch), Reason: license.ReasonNoSeats})
			return "", ""
		}
		s.cur = license.Member{Email: ch.Email, Claims: []license.Claim{nc}, Name: nc.Name, OrgUnit: nc.OrgUnit, Role: roleOf(ch), Added: nc.FirstSeen}
		s.exists, s.dirty = true, true
		l.Used++
		r.MembersAdded++
		return license.ActionMemberAdded, string(roleOf(ch))
	}
	action, detail := license.MergeClaim(&s.cur, nc, r)
	if action != "" {
		s.dirty = true
	}
	return action, detail
}

// lowerKey is the name sort key: strings.ToLower, as the bbolt store and
// license/storetest order names (a database's lower() may differ).
func lowerKey(s string) string { return strings.ToLower(s) }
