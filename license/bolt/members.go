package bolt

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"encoding/base64"
	"fmt"
	"slices"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

const (
	defaultLimit = 50
	maxLimit     = 1000
)

// Member implements license.Store.
func (s *Store) Member(ctx context.Context, licenseID, email string) (license.Member, error) {
	if err := ctx.Err(); err != nil {
		return license.Member{}, err
	}
	e, err := license.NormalizeEmail(email)
	if err != nil {
		return license.Member{}, fmt.Errorf("member of license %q: %w", licenseID, err)
	}
	var m license.Member
	err = s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		v := lb.Bucket(bucketMembers).Get([]byte(e))
		if v == nil {
			return fmt.Errorf("member %s: %w", e, license.ErrNotFound)
		}
		m, err = decodeMember(e, v)
		return err
	})
	if err != nil {
		return license.Member{}, fmt.Errorf("license %q: %w", licenseID, err)
	}
	return m, nil
}

// Claims implements license.Store by walking the license's source index.
func (s *Store) Claims(ctx context.Context, licenseID string, source license.Source, fn func(*license.Member) error) error {
	if err := source.Validate(); err != nil {
		return fmt.Errorf("claims of license %q: %w", licenseID, err)
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		// The index and the members bucket are both in email order: walk
		// them side by side rather than look every member up from the root.
		members := forward{c: lb.Bucket(bucketMembers).Cursor()}
		p := prefix(string(source))
		c := lb.Bucket(bucketBySource).Cursor()
		var buf []byte
		n := 0
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			ek := k[len(p):]
			mk, v := members.seek(ek)
			if mk == nil || !bytes.Equal(mk, ek) {
				return fmt.Errorf("source index names %s, who is not a member: %w", ek, errCorrupt)
			}
			var m *license.Member
			var err error
			if m, buf, err = decodeRecord(ek, v, buf); err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("claims of %s on license %q: %w", source, licenseID, err)
	}
	return nil
}

// SourceClaims implements license.Store from the source index alone: its
// values hold the claims (schema 2), so no member record is read.
//
// A second goroutine walks the index and decodes runs of claims while fn
// handles the previous run: on a machine with a spare core, reading the
// store then costs the caller little more than fn itself. fn is still
// called on the caller's goroutine, in email order.
func (s *Store) SourceClaims(ctx context.Context, licenseID string, source license.Source, fn func(email string, c *license.Claim, sole bool) error) error {
	if err := source.Validate(); err != nil {
		return fmt.Errorf("claims of license %q: %w", licenseID, err)
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		c := lb.Bucket(bucketBySource).Cursor()
		full := make(chan *claimRun, claimRuns-1)
		free := make(chan *claimRun, claimRuns)
		for range claimRuns {
			free <- new(claimRun)
		}
		stop := make(chan struct{})
		go readClaims(ctx, c, prefix(string(source)), source, full, free, stop)
		// The transaction stays open until the reader is done with it:
		// on an early return, stop it and wait for it to close full.
		defer func() {
			close(stop)
			for range full {
			}
		}()
		for r := range full {
			for i := range r.claims {
				if err := fn(r.emails[i], &r.claims[i], r.sole[i]); err != nil {
					return err
				}
			}
			if r.err != nil {
				return r.err
			}
			free <- r
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("claims of %s on license %q: %w", source, licenseID, err)
	}
	return nil
}

// claimRun is a run of decoded source index entries. Entries are copied
// out of the mmap about claimRunBytes at a time, one string per run, and
// every string of the run's claims is a substring of it: a million claims
// cost a few thousand allocations, not a million.
type claimRun struct {
	buf     []byte
	entries []int32 // per entry: where it starts in buf, and its email length
	emails  []string
	claims  []license.Claim
	sole    []bool
	err     error // set on the reader's last run: why it stopped early
}

const (
	claimRunBytes = 64 << 10
	claimRuns     = 3 // one being read, one being handed to fn, one queued
)

// readClaims walks the entries of source from c, sends them on full in
// runs taken from free, and closes full when done, failed (a run with err)
// or stopped.
func readClaims(ctx context.Context, c *bbolt.Cursor, p []byte, source license.Source, full chan<- *claimRun, free <-chan *claimRun, stop <-chan struct{}) {
	defer close(full)
	var r *claimRun
	send := func() bool {
		select {
		case full <- r:
			r = nil
			return true
		case <-stop:
			return false
		}
	}
	next := func() bool {
		select {
		case r = <-free:
			r.buf, r.entries = r.buf[:0], r.entries[:0]
			return true
		case <-stop:
			return false
		}
	}
	if !next() {
		return
	}
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		email := k[len(p):]
		r.entries = append(r.entries, int32(len(r.buf)), int32(len(email)))
		r.buf = append(append(r.buf, email...), v...)
		if len(r.buf) < claimRunBytes {
			continue
		}
		r.decode(ctx, source)
		failed := r.err != nil
		if !send() || failed || !next() {
			return
		}
	}
	r.decode(ctx, source)
	send()
}

// decode fills the run's emails, claims and sole from buf and entries,
// up to the first entry it cannot decode (then err says why).
func (r *claimRun) decode(ctx context.Context, source license.Source) {
	r.emails, r.claims, r.sole, r.err = r.emails[:0], r.claims[:0], r.sole[:0], ctx.Err()
	if r.err != nil {
		return
	}
	run := string(r.buf)
	n := len(r.entries) / 2
	r.claims = slices.Grow(r.claims, n)[:n]
	for i := range n {
		start, el := int(r.entries[2*i]), int(r.entries[2*i+1])
		end := len(run)
		if i+1 < n {
			end = int(r.entries[2*i+2])
		}
		email := run[start : start+el]
		c := &r.claims[i]
		sole, err := decodeSourceClaim(c, run[start+el:end])
		if err != nil {
			r.err = fmt.Errorf("source index entry of %s: %w", email, err)
			r.claims = r.claims[:i]
			return
		}
		c.Source = source
		r.emails = append(r.emails, email)
		r.sole = append(r.sole, sole)
	}
}

// Cursors are base64url of: the sort column's code, 'a' or 'd', then the
// sort key of the last member shown (for indexed sorts, exactly the index
// key; otherwise value 0x00 email).
var sortCodes = map[license.SortField]byte{
	license.SortEmail: 'e', license.SortName: 'n', license.SortRole: 'r',
	license.SortOrgUnit: 'o', license.SortAdded: 'a', license.SortSource: 's',
}

func encodeCursor(f license.SortField, desc bool, key []byte) string {
	d := byte('a')
	if desc {
		d = 'd'
	}
	return base64.RawURLEncoding.EncodeToString(append([]byte{sortCodes[f], d}, key...))
}

func decodeCursor(f license.SortField, desc bool, cur string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil || len(b) < 3 {
		return nil, &license.FieldError{Field: "cursor", Reason: "is not a cursor this store made"}
	}
	d := byte('a')
	if desc {
		d = 'd'
	}
	if b[0] != sortCodes[f] || b[1] != d {
		return nil, &license.FieldError{Field: "cursor", Reason: "belongs to a different sort order"}
	}
	key := b[2:]
	if f == license.SortAdded && len(key) < 9 || f != license.SortEmail && f != license.SortAdded && bytes.IndexByte(key, sep) < 0 {
		return nil, &license.FieldError{Field: "cursor", Reason: "is not a cursor this store made"}
	}
	return key, nil
}

// ListMembers implements license.Store. Email, name and added sorts walk
// an index and stop once the page is full; role, org unit and source sorts
// scan the license keeping only the best Limit+1 members in a heap.
func (s *Store) ListMembers(ctx context.Context, licenseID string, opts license.ListOptions) (license.Page, error) {
	var page license.Page
	if err := ctx.Err(); err != nil {
		return page, err
	}
	if opts.Sort == "" {
		opts.Sort = license.SortEmail
	}
	if _, ok := sortCodes[opts.Sort]; !ok {
		return page, fmt.Errorf("list members of license %q: %w", licenseID,
			&license.FieldError{Field: "sort", Value: string(opts.Sort), Reason: "is not a sortable column"})
	}
	limit := opts.Limit
	switch {
	case limit < 0:
		return page, fmt.Errorf("list members of license %q: %w", licenseID, &license.FieldError{Field: "limit", Reason: "must not be negative"})
	case limit == 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	var after []byte
	if opts.Cursor != "" {
		var err error
		if after, err = decodeCursor(opts.Sort, opts.Desc, opts.Cursor); err != nil {
			return page, fmt.Errorf("list members of license %q: %w", licenseID, err)
		}
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		switch opts.Sort {
		case license.SortEmail, license.SortName, license.SortAdded:
			page, err = listIndexed(ctx, lb, opts, after, limit)
		default:
			page, err = listScanned(ctx, lb, opts, after, limit)
		}
		return err
	})
	if err != nil {
		return license.Page{}, fmt.Errorf("list members of license %q: %w", licenseID, err)
	}
	return page, nil
}

func listIndexed(ctx context.Context, lb *bbolt.Bucket, opts license.ListOptions, after []byte, limit int) (license.Page, error) {
	var page license.Page
	members := lb.Bucket(bucketMembers)
	idx := members
	emailOf := func(k []byte) []byte { return k }
	switch opts.Sort {
	case license.SortName:
		idx = lb.Bucket(bucketByName)
		emailOf = func(k []byte) []byte { return k[bytes.LastIndexByte(k, sep)+1:] }
	case license.SortAdded:
		idx = lb.Bucket(bucketByAdded)
		emailOf = func(k []byte) []byte { return k[8:] }
	}
	c := idx.Cursor()
	var k []byte
	switch {
	case !opts.Desc && after == nil:
		k, _ = c.First()
	case !opts.Desc:
		k, _ = c.Seek(after)
		if k != nil && bytes.Equal(k, after) {
			k, _ = c.Next()
		}
	case after == nil:
		k, _ = c.Last()
	default:
		// Seek lands on the first key ≥ after; the one before it is < after.
		if k, _ = c.Seek(after); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		if k != nil && bytes.Equal(k, after) {
			k, _ = c.Prev()
		}
	}
	step := c.Next
	if opts.Desc {
		step = c.Prev
	}
	var lastKey []byte
	for n := 0; k != nil; k, _ = step() {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return page, err
			}
		}
		email := emailOf(k)
		v := members.Get(email)
		if v == nil {
			return page, fmt.Errorf("%s index names %s, who is not a member: %w", opts.Sort, email, errCorrupt)
		}
		m, err := decodeMember(string(email), v)
		if err != nil {
			return page, err
		}
		if opts.Filter != nil && !opts.Filter.Match(&m) {
			continue
		}
		if len(page.Members) == limit {
			page.Next = encodeCursor(opts.Sort, opts.Desc, lastKey)
			break
		}
		page.Members = append(page.Members, m)
		lastKey = append(lastKey[:0], k...)
	}
	return page, nil
}

// scanKey is the sort value of a column no index covers.
func scanKey(f license.SortField, m *license.Member) string {
	switch f {
	case license.SortRole:
		return string(m.Role)
	case license.SortOrgUnit:
		return m.OrgUnit
	case license.SortSource:
		if len(m.Claims) > 0 {
			return string(m.Claims[0].Source)
		}
	}
	return ""
}

type ranked struct {
	key string // value 0x00 email, ordered as the page is
	m   license.Member
}

// worstFirst is a heap whose top is the member that would come last on the page.
type worstFirst struct {
	items []ranked
	desc  bool
}

func (h *worstFirst) less(a, b string) bool {
	if h.desc {
		return a > b
	}
	return a < b
}
func (h *worstFirst) Len() int           { return len(h.items) }
func (h *worstFirst) Less(i, j int) bool { return h.less(h.items[j].key, h.items[i].key) }
func (h *worstFirst) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *worstFirst) Push(x any)         { h.items = append(h.items, x.(ranked)) }
func (h *worstFirst) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func listScanned(ctx context.Context, lb *bbolt.Bucket, opts license.ListOptions, after []byte, limit int) (license.Page, error) {
	var page license.Page
	h := &worstFirst{desc: opts.Desc}
	cur := string(after)
	n := 0
	err := lb.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		m, err := decodeMember(string(k), v)
		if err != nil {
			return err
		}
		if opts.Filter != nil && !opts.Filter.Match(&m) {
			return nil
		}
		key := scanKey(opts.Sort, &m) + "\x00" + m.Email
		if after != nil && !h.less(cur, key) {
			return nil
		}
		if h.Len() <= limit {
			heap.Push(h, ranked{key, m})
		} else if h.less(key, h.items[0].key) {
			h.items[0] = ranked{key, m}
			heap.Fix(h, 0)
		}
		return nil
	})
	if err != nil {
		return page, err
	}
	items := h.items
	// Sort the survivors into page order.
	sortRanked(items, opts.Desc)
	if len(items) > limit {
		items = items[:limit]
		page.Next = encodeCursor(opts.Sort, opts.Desc, []byte(items[limit-1].key))
	}
	page.Members = make([]license.Member, len(items))
	for i := range items {
		page.Members[i] = items[i].m
	}
	return page, nil
}

func sortRanked(items []ranked, desc bool) {
	slices.SortFunc(items, func(a, b ranked) int {
		if desc {
			return cmp.Compare(b.key, a.key)
		}
		return cmp.Compare(a.key, b.key)
	})
}
