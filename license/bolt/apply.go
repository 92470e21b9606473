package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Apply implements license.Store.
//
// It works in two steps. A plan, read in one read transaction, sorts the
// changes by email (so members are read in key order), folds duplicates of
// one claim (the last wins), drops what would write nothing (counted
// Unchanged), and orders the rest as license.Store says: removes, then
// updates of existing members, then new members teachers → other →
// students, by email. Then the plan is written in batches of BatchSize, each
// its own transaction that re-checks every change against what is stored
// then, so a concurrent writer between plan and batch loses nothing. Inside
// a batch, seats and the audit trail follow the plan's order while the
// writes themselves go in key order (writer.batch says why). A set with
// nothing to write opens no write transaction at all.
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
	plan, rank, unchanged, err := s.plan(ctx, licenseID, changes)
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
	w := writer{licenseID: licenseID, changes: changes, rank: rank, now: now, actor: opts.Actor}
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
			s.cache.dropRecord(licenseID)
		}
		if err == nil && r.Changed() {
			s.feedNotify()
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

func roleOf(c *license.Change) license.Role {
	if c.Role == "" {
		return license.RoleStudent
	}
	return c.Role
}

// plan returns the indexes of the changes to write, in write order, each
// change's rank in email order, and how many were found to change nothing.
func (s *Store) plan(ctx context.Context, licenseID string, changes []license.Change) (plan, rank []int32, unchanged int, err error) {
	// Sorting (email, source, index) triples rather than indexes keeps the
	// comparisons in one contiguous slice: twice as fast at a million.
	// head, the email's first eight bytes as a number, settles most
	// comparisons without reading the strings.
	type entry struct {
		head          uint64
		email, source string
		idx           int32
	}
	sorted := make([]entry, len(changes))
	for i := range changes {
		sorted[i] = entry{head8(changes[i].Email), changes[i].Email, string(changes[i].Source), int32(i)}
	}
	slices.SortFunc(sorted, func(a, b entry) int {
		if a.head != b.head {
			return cmp.Compare(a.head, b.head)
		}
		if c := strings.Compare(a.email, b.email); c != 0 {
			return c
		}
		if c := strings.Compare(a.source, b.source); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	order := make([]int32, len(changes))
	rank = make([]int32, len(changes))
	for i := range sorted {
		order[i] = sorted[i].idx
		rank[sorted[i].idx] = int32(i)
	}
	sorted = nil
	var removes, updates []int32
	var adds [4][]int32 // by role rank
	err = s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		f := forward{c: lb.Bucket(bucketMembers).Cursor()}
		var key []byte
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
			// Not Get: the cursor walks forward through sorted emails.
			key = append(key[:0], email...)
			if k, v := f.seek(key); k != nil && string(k) == email {
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
		return nil, nil, 0, err
	}
	plan = order[:0] // reuse: every index kept is already read
	plan = append(plan, removes...)
	plan = append(plan, updates...)
	for r := len(adds) - 1; r >= 0; r-- {
		plan = append(plan, adds[r]...)
	}
	return plan, rank, unchanged, nil
}

// head8 is s's first eight bytes, big-endian, zero-padded: it orders as
// s does wherever it differs.
func head8(s string) uint64 {
	var h uint64
	for i := range 8 {
		h <<= 8
		if i < len(s) {
			h |= uint64(s[i])
		}
	}
	return h
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

// writer writes planned changes of one Apply. Its buffers are reused from
// batch to batch, so that a million-change Apply allocates little more
// than what bbolt itself keeps.
type writer struct {
	licenseID string
	changes   []license.Change
	rank      []int32 // rank[i]: change i's place in email order
	now       time.Time
	actor     string
	arena     arena

	scratch []byte // encoding buffer
	// emailBuf holds a batch's emails back to back, in key order;
	// emailEnd[i] is where slot i's ends.
	emailBuf []byte
	emailEnd []int32
	key      []byte // key buffer: bbolt copies keys it keeps
	pos      []int32
	slotOf   []int32
	slots    []slot
	claims   []license.Claim // the single claims of new members
	evs      []memberEvent
	keys     []byte // index keys, which indexOps point into
	ops      [3][]indexOp
	pack     packer // the batch's events, written a pack at a time
}

// arena hands out byte slices carved from large chunks. bbolt keeps every
// value it is given until the transaction commits, so each needs its own
// memory; taking it from chunks makes a batch of ten thousand changes a
// few hundred allocations instead of tens of thousands, which is most of
// what the garbage collector would otherwise chase. (bbolt copies keys.)
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

// slot is one member a batch touches: as stored when the batch began and
// as the batch's changes, applied so far, leave it.
type slot struct {
	email  string
	old    *license.Member // nil: not a member when the batch began
	cur    license.Member  // meaningful when exists
	exists bool
	dirty  bool // some change of the batch changed the member
	// The seq of the member.added event the record holds (codec.go),
	// as stored and as the batch leaves it; 0 for none.
	oldSeq, curSeq uint64
}

// indexOp is one index write of a batch, a Put of val or (del) a Delete
// of the key writer.keys[start:end]. val is nil but for by_source, and
// taken from the arena, since bbolt keeps it until the commit.
type indexOp struct {
	start, end int32
	del        bool
	val        []byte
}

// The index buckets a batch writes through indexOps, in writer.ops order.
var opBuckets = [len(writer{}.ops)][]byte{bucketByName, bucketByAdded, bucketBySource}

const (
	opName = iota
	opAdded
	opSource
)

// memberEvent is an audit event's entry in member_events: every event of
// a member but the member.added one its record holds.
type memberEvent struct {
	slot int32
	seq  uint64
}

// batch writes part inside tx and reports whether the seat count moved.
//
// It decides in plan order, which is seat order, and writes in key order.
// Deciding works on an in-memory slot per member, so who gets a seat, the
// overflow and the audit trail are exactly what change-by-change writing
// would give. Writing then goes through each bucket in key order, because
// bbolt holds a transaction's new keys in in-memory nodes that are only
// split at commit: inserting out of order shifts those ever-growing nodes
// on every Put, which made a 100,000-member atomic import quadratic.
func (w *writer) batch(ctx context.Context, tx *bbolt.Tx, part []int32, r *license.ApplyResult) (bool, error) {
	lb, err := licenseBucket(tx, w.licenseID)
	if err != nil {
		return false, err
	}
	l, err := readLicense(lb, w.licenseID)
	if err != nil {
		return false, err
	}
	members := lb.Bucket(bucketMembers)
	// Batches add members mostly in key order, and bbolt splits a full
	// page where FillPercent says: at its default of half, keys added in
	// order leave every page half empty. Fuller pages make a smaller file,
	// fewer pages to write per commit and fewer to read per walk. by_name
	// keeps the default: its keys come in random order.
	members.FillPercent = 0.8
	for _, name := range [][]byte{bucketByAdded, bucketBySource, bucketMemberEvents} {
		lb.Bucket(name).FillPercent = 0.9
	}
	tx.Bucket(bucketEmails).FillPercent = 0.9
	defer w.reset()
	if err := w.readSlots(members, part); err != nil {
		return false, err
	}

	events := lb.Bucket(bucketEvents)
	events.FillPercent = 0.95 // keys only ever grow

	// The batch's events are consecutive; one feed entry names them all,
	// and they are written a pack at a time.
	feedFirst := events.Sequence() + 1
	seq, packFirst := feedFirst-1, feedFirst
	expired := l.Expired(w.now)
	used := l.Used
	for n, idx := range part {
		if n%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		ch := &w.changes[idx]
		slot := w.slotOf[n]
		s := &w.slots[slot]
		action, detail := w.decide(s, &l, expired, ch, r)
		if action == "" {
			continue
		}
		seq++
		w.scratch = encodeEvent(w.scratch[:0], &license.Event{Time: w.now, License: w.licenseID, Email: s.email, Action: action,
			Source: ch.Source, Actor: w.actor, Detail: detail})
		w.pack.add(w.scratch)
		if w.pack.full() {
			if err := w.putPack(events, packFirst); err != nil {
				return false, fmt.Errorf("%s %s from %s: %w", ch.Op, ch.Email, ch.Source, err)
			}
			packFirst = seq + 1
		}
		switch action {
		case license.ActionMemberAdded:
			// The record holds it, not member_events.
			s.curSeq = seq
		case license.ActionMemberRemoved:
			if s.curSeq != 0 && s.curSeq != s.oldSeq {
				// Added earlier in this batch: its record goes, so
				// the index takes its member.added event.
				w.evs = append(w.evs, memberEvent{slot, s.curSeq})
			}
			s.curSeq = 0
			w.evs = append(w.evs, memberEvent{slot, seq})
		default:
			w.evs = append(w.evs, memberEvent{slot, seq})
		}
	}
	feedCount := seq + 1 - feedFirst
	if feedCount > 0 {
		if err := w.putPack(events, packFirst); err != nil {
			return false, fmt.Errorf("audit events: %w", err)
		}
		if err := events.SetSequence(seq); err != nil {
			return false, fmt.Errorf("audit events: %w", err)
		}
	}
	if err := putFeed(tx.Bucket(bucketFeed), w.licenseID, feedFirst, feedCount); err != nil {
		return false, fmt.Errorf("change feed: %w", err)
	}
	if err := w.write(lb, tx.Bucket(bucketEmails)); err != nil {
		return false, err
	}
	if l.Used == used {
		return false, nil
	}
	return true, writeLicense(lb, &l)
}

// reset empties the per-batch buffers, dropping what they point to.
func (w *writer) reset() {
	clear(w.slots)
	clear(w.claims)
	w.slots, w.claims, w.evs, w.keys = w.slots[:0], w.claims[:0], w.evs[:0], w.keys[:0]
	w.pack.data, w.pack.ends = w.pack.data[:0], w.pack.ends[:0]
	for i := range w.ops {
		clear(w.ops[i]) // drop the arena chunks their values hold
		w.ops[i] = w.ops[i][:0]
	}
}

// readSlots reads the members part touches, in email order, into w.slots,
// and sets w.slotOf[n] to the slot of part[n].
func (w *writer) readSlots(members *bbolt.Bucket, part []int32) error {
	w.pos = w.pos[:0]
	for n := range part {
		w.pos = append(w.pos, int32(n))
	}
	// Ranks order as emails do, and compare far faster.
	slices.SortFunc(w.pos, func(a, b int32) int { return cmp.Compare(w.rank[part[a]], w.rank[part[b]]) })
	w.slotOf = slices.Grow(w.slotOf[:0], len(part))[:len(part)]
	w.slots = slices.Grow(w.slots, len(part))
	// The batch's emails are copied, in key order, into one string that
	// every later step reads them from: the changes' own strings lie
	// scattered over the heap, and each of the steps that writes a key
	// (members, emails/, four indexes, the audit trail) would otherwise
	// miss the cache on every member again.
	w.emailBuf = w.emailBuf[:0]
	prev := ""
	for _, n := range w.pos {
		email := w.changes[part[n]].Email
		if len(w.emailEnd) == 0 || email != prev {
			w.emailBuf = append(w.emailBuf, email...)
			w.emailEnd = append(w.emailEnd, int32(len(w.emailBuf)))
			prev = email
		}
		w.slotOf[n] = int32(len(w.emailEnd) - 1)
	}
	all := string(w.emailBuf)
	f := forward{c: members.Cursor()}
	start := int32(0)
	for _, end := range w.emailEnd {
		email, key := all[start:end], w.emailBuf[start:end]
		start = end
		s := slot{email: email}
		if k, v := f.seek(key); k != nil && string(k) == email {
			m, seq, err := decodeMemberSeq(email, v)
			if err != nil {
				return err
			}
			s.old, s.cur, s.exists = &m, m, true
			s.oldSeq, s.curSeq = seq, seq
		}
		w.slots = append(w.slots, s)
	}
	w.emailEnd = w.emailEnd[:0]
	return nil
}

// decide applies one change to its member's slot as the batch has left it
// so far, and returns the audit event it calls for ("" when it changes
// nothing or overflows).
func (w *writer) decide(s *slot, l *license.License, expired bool, ch *license.Change, r *license.ApplyResult) (license.Action, string) {
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

	nc := claimOf(ch, w.now)
	if !s.exists {
		if expired {
			r.Overflow = append(r.Overflow, license.Overflow{Email: ch.Email, Source: ch.Source, Role: roleOf(ch), Reason: license.ReasonExpired})
			return "", ""
		}
		if l.Used >= l.Seats {
			r.Overflow = append(r.Overflow, license.Overflow{Email: ch.Email, Source: ch.Source, Role: roleOf(ch), Reason: license.ReasonNoSeats})
			return "", ""
		}
		// What Resolve derives from a single claim, without its
		// allocations. The claim lives in w.claims, capped so that a
		// later append in this batch copies it out.
		if len(w.claims) == cap(w.claims) {
			w.claims = make([]license.Claim, 0, max(64, 2*cap(w.claims)))
		}
		w.claims = append(w.claims, nc)
		one := w.claims[len(w.claims)-1 : len(w.claims) : len(w.claims)]
		s.cur = license.Member{Email: s.email, Claims: one, Name: nc.Name, OrgUnit: nc.OrgUnit, Role: roleOf(ch), Added: nc.FirstSeen}
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

// putPack writes the events packed so far, the first of them seq first:
// one bbolt Put for a few hundred events. Their member_events entries are
// written later, in key order, by write.
func (w *writer) putPack(events *bbolt.Bucket, first uint64) error {
	if len(w.pack.ends) == 0 {
		return nil
	}
	w.key = binary.BigEndian.AppendUint64(w.key[:0], first)
	return events.Put(w.key, w.pack.value(w.arena.take(w.pack.size())))
}

// write stores what decide left in the slots: members and emails/ in slot
// (email) order, every other index sorted by key.
func (w *writer) write(lb, emails *bbolt.Bucket) error {
	members := lb.Bucket(bucketMembers)
	for i := range w.slots {
		s := &w.slots[i]
		if !s.dirty {
			continue
		}
		old, cur := s.old, &s.cur
		if !s.exists {
			cur = nil
		}
		w.key = append(w.key[:0], s.email...)
		var err error
		switch {
		case cur != nil:
			w.scratch = encodeMember(w.scratch[:0], cur, s.curSeq)
			err = members.Put(w.key, w.arena.keep(w.scratch))
		case old != nil:
			err = members.Delete(w.key)
		}
		if err != nil {
			return fmt.Errorf("member %s: %w", s.email, err)
		}
		if s.oldSeq != 0 && (cur == nil || s.curSeq != s.oldSeq) {
			// The record that held the member.added event is gone or
			// holds a newer one: the index takes it back.
			w.evs = append(w.evs, memberEvent{int32(i), s.oldSeq})
		}
		if old == nil || cur == nil || !w.sameNameKey(old.Name, cur.Name) {
			if old != nil {
				w.op(opName, true, nameKey(w.keys, old))
			}
			if cur != nil {
				w.op(opName, false, nameKey(w.keys, cur))
			}
		}
		if old == nil || cur == nil || !old.Added.Equal(cur.Added) {
			if old != nil {
				w.op(opAdded, true, addedKey(w.keys, old))
			}
			if cur != nil {
				w.op(opAdded, false, addedKey(w.keys, cur))
			}
		}
		w.sourceOps(s.email, old, cur)
	}
	// emails/ in a pass of its own, as every bucket below: a bbolt Put
	// walks the tree from its root, and one tree at a time keeps the
	// walk's pages and nodes in the cache.
	for i := range w.slots {
		s := &w.slots[i]
		if !s.dirty {
			continue
		}
		old, cur := s.old, &s.cur
		if !s.exists {
			cur = nil
		}
		w.key = append(append(append(w.key[:0], s.email...), sep), w.licenseID...)
		// The value marks a member whose access is revoked while
		// leaving, which Entitlement skips without reading the member.
		var err error
		switch {
		case cur != nil && (old == nil || old.AccessRevoked() != cur.AccessRevoked()):
			err = emails.Put(w.key, emailsValue(cur))
		case old != nil && cur == nil:
			err = emails.Delete(w.key)
		}
		if err != nil {
			return fmt.Errorf("member %s: %w", s.email, err)
		}
	}
	for i, name := range opBuckets {
		if err := w.applyOps(lb.Bucket(name), w.ops[i]); err != nil {
			return fmt.Errorf("index %s: %w", name, err)
		}
	}
	// Events were decided in seat order; their member index goes in key
	// order: by email (slot), then sequence.
	slices.SortFunc(w.evs, func(a, b memberEvent) int { return cmp.Or(cmp.Compare(a.slot, b.slot), cmp.Compare(a.seq, b.seq)) })
	memberEvents := lb.Bucket(bucketMemberEvents)
	for _, e := range w.evs {
		email := w.slots[e.slot].email
		w.key = binary.BigEndian.AppendUint64(append(append(w.key[:0], email...), sep), e.seq)
		if err := memberEvents.Put(w.key, nil); err != nil {
			return fmt.Errorf("member events of %s: %w", email, err)
		}
	}
	return nil
}

// sameNameKey reports whether names a and b give the same by_name key,
// which lower-cases them. (Not strings.EqualFold: it folds pairs, such as
// "ſ" and "s", that ToLower keeps apart.)
func (w *writer) sameNameKey(a, b string) bool {
	if a == b {
		return true
	}
	w.scratch = appendLower(w.scratch[:0], a)
	n := len(w.scratch)
	w.scratch = appendLower(w.scratch, b)
	return bytes.Equal(w.scratch[:n], w.scratch[n:])
}

// op records an index write of the key just appended to w.keys.
func (w *writer) op(index int, del bool, keys []byte) {
	w.ops[index] = append(w.ops[index], indexOp{start: int32(len(w.keys)), end: int32(len(keys)), del: del})
	w.keys = keys
}

// sourceOps records the source index writes that take a member from old
// to cur (either nil). Claims are sorted by source, so one merge finds the
// sources that left, those that came, and those whose value (the claim,
// and whether it is the member's only one) changed.
func (w *writer) sourceOps(email string, old, cur *license.Member) {
	var a, b []license.Claim
	if old != nil {
		a = old.Claims
	}
	if cur != nil {
		b = cur.Claims
	}
	oldSole, curSole := len(a) == 1, len(b) == 1
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || len(a) > 0 && a[0].Source < b[0].Source:
			w.sourceOp(email, a[0].Source, true, nil)
			a = a[1:]
		case len(a) == 0 || b[0].Source < a[0].Source:
			w.scratch = encodeSourceClaim(w.scratch[:0], &b[0], curSole)
			w.sourceOp(email, b[0].Source, false, w.arena.keep(w.scratch))
			b = b[1:]
		default:
			w.scratch = encodeSourceClaim(w.scratch[:0], &a[0], oldSole)
			n := len(w.scratch)
			w.scratch = encodeSourceClaim(w.scratch, &b[0], curSole)
			if !bytes.Equal(w.scratch[:n], w.scratch[n:]) {
				w.sourceOp(email, b[0].Source, false, w.arena.keep(w.scratch[n:]))
			}
			a, b = a[1:], b[1:]
		}
	}
}

// sourceOp records a by_source write of source's entry for email.
func (w *writer) sourceOp(email string, source license.Source, del bool, val []byte) {
	keys := append(append(append(w.keys, source...), sep), email...)
	w.ops[opSource] = append(w.ops[opSource], indexOp{start: int32(len(w.keys)), end: int32(len(keys)), del: del, val: val})
	w.keys = keys
}

// applyOps runs ops on b in key order. No key is both deleted and put:
// the ops of one member name different keys, and every key ends in the
// member's email.
func (w *writer) applyOps(b *bbolt.Bucket, ops []indexOp) error {
	keys := w.keys
	slices.SortFunc(ops, func(x, y indexOp) int { return bytes.Compare(keys[x.start:x.end], keys[y.start:y.end]) })
	for _, op := range ops {
		k := keys[op.start:op.end]
		var err error
		if op.del {
			err = b.Delete(k)
		} else {
			err = b.Put(k, op.val)
		}
		if err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	return nil
}

// nameKey appends m's by_name key, lower(name) 0x00 email, to dst.
func nameKey(dst []byte, m *license.Member) []byte {
	return append(append(appendLower(dst, m.Name), sep), m.Email...)
}

// addedKey appends m's by_added key to dst.
func addedKey(dst []byte, m *license.Member) []byte {
	return append(appendTimeKey(dst, m.Added), m.Email...)
}

// appendLower appends strings.ToLower(s), without its allocation when s
// is ASCII.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(dst, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// forward finds keys in a cursor for targets that never decrease. When the
// next wanted key is close ahead, as it is when a batch or a source covers
// most of a license, stepping is much cheaper than a Seek from the root.
type forward struct {
	c       *bbolt.Cursor
	k, v    []byte
	started bool
}

// forwardSteps is how far forward stepping goes before it falls back to Seek.
const forwardSteps = 8

// seek returns the first key ≥ target and its value (nil at the end).
func (f *forward) seek(target []byte) ([]byte, []byte) {
	if f.started {
		for i := 0; f.k != nil && i < forwardSteps; i++ {
			if bytes.Compare(f.k, target) >= 0 {
				return f.k, f.v
			}
			f.k, f.v = f.c.Next()
		}
		if f.k == nil {
			return nil, nil
		}
	}
	f.started = true
	f.k, f.v = f.c.Seek(target)
	return f.k, f.v
}

// emailsRevoked is the emails/ index value of a member who keeps the seat
// while leaving but has no access meanwhile.
var emailsRevoked = []byte{1}

func emailsValue(m *license.Member) []byte {
	if m.AccessRevoked() {
		return emailsRevoked
	}
	return nil
}
