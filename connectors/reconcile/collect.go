package reconcile

import (
	"container/heap"
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// CollectOptions say where a large snapshot is kept.
type CollectOptions struct {
	// SpillDir is the folder a snapshot of more than SpillAfter people is
	// kept in, on disk, instead of in memory: people are sorted in runs of
	// SpillAfter while the source is read, and every later pass (the
	// count and hash here, Build's merge with the claims, Apply's reading
	// of the adds) merges the runs a record at a time, in email order.
	// Empty keeps every snapshot in memory (Snapshot.People).
	SpillDir string
	// SpillAfter is how many people are held in memory before a run is
	// spilled; zero: DefaultSpillAfter.
	SpillAfter int
}

// DefaultSpillAfter holds about 10 MB of people in memory per run: large
// enough that a school's sync never touches the disk, small enough that a
// million-person district costs a few runs' worth of memory, not all of it.
const DefaultSpillAfter = 1 << 16

// Collect reads the whole selection from c and folds it into a Snapshot
// held in memory. See CollectWith.
func Collect(ctx context.Context, c connectors.Connector, sel connectors.Selection) (*Snapshot, error) {
	return CollectWith(ctx, c, sel, CollectOptions{})
}

// CollectWith reads the whole selection from c and folds it into a
// Snapshot, spilled to disk when opts say so and it is large; the caller
// closes the snapshot when done with it (and with any plan built on it).
//
// If the connector fails at any point, CollectWith returns the error and no
// snapshot: a partial read must never be planned against, as the people on
// the pages not read would look like people who left.
func CollectWith(ctx context.Context, c connectors.Connector, sel connectors.Selection, opts CollectOptions) (*Snapshot, error) {
	def := sel.DefaultRole
	if def == "" {
		def = license.RoleStudent
	}
	if !def.Valid() {
		return nil, fmt.Errorf("collect: selection default_role %q: must be student, teacher or other: %w", def, license.ErrInvalid)
	}
	col := &collector{dir: opts.SpillDir, limit: opts.SpillAfter, snap: &Snapshot{}}
	if col.limit <= 0 {
		col.limit = DefaultSpillAfter
	}
	col.buf = make([]Person, 0, min(col.limit, 1024))
	snap := col.snap
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
			if err := col.add(Person{
				Email:      email,
				Name:       strings.TrimSpace(p.Name),
				Role:       role,
				OrgUnit:    strings.TrimSpace(p.OrgUnit),
				ExternalID: strings.TrimSpace(p.ExternalID),
				Attrs:      attrs,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		col.abort()
		return nil, fmt.Errorf("connector failed after %d pages (%d people read); no snapshot, so nothing is planned from a partial read: %w",
			snap.Pages, snap.Fetched, err)
	}
	if err := col.finish(); err != nil {
		col.abort()
		return nil, fmt.Errorf("collect %d people: %w", snap.Fetched, err)
	}
	return snap, nil
}

// collector gathers a snapshot's people, spilling sorted runs to disk once
// there are more than limit of them (when dir is set). A run is sorted and
// written by a goroutine while the source goes on being read.
type collector struct {
	dir     string
	limit   int
	snap    *Snapshot
	buf     []Person
	spare   []Person
	runs    []*spill
	pending chan runResult // the run being written, nil if none
}

type runResult struct {
	run *spill
	buf []Person // the run's buffer, cleared, for reuse
	err error
}

func (c *collector) add(p Person) error {
	c.buf = append(c.buf, p)
	if c.dir != "" && len(c.buf) >= c.limit {
		return c.spillRun()
	}
	return nil
}

// spillRun hands the buffer to a goroutine that sorts and writes it, after
// waiting for the run before it: at most two runs' people are in memory.
func (c *collector) spillRun() error {
	if err := c.wait(); err != nil {
		return err
	}
	buf, dir := c.buf, c.dir
	done := make(chan runResult, 1)
	go func() { done <- writeRun(dir, buf) }()
	c.pending = done
	c.buf = c.spare
	if c.buf == nil {
		c.buf = make([]Person, 0, c.limit)
	}
	c.spare = nil
	return nil
}

// wait waits for the run being written, if any.
func (c *collector) wait() error {
	if c.pending == nil {
		return nil
	}
	r := <-c.pending
	c.pending = nil
	if r.err != nil {
		return r.err
	}
	c.runs = append(c.runs, r.run)
	c.spare = r.buf
	return nil
}

func writeRun(dir string, people []Person) runResult {
	sortFold(people)
	s, err := createSpill(dir)
	if err != nil {
		return runResult{err: err}
	}
	w := s.writer()
	for i := range people {
		if _, err := w.person(&people[i]); err != nil {
			s.close()
			return runResult{err: err}
		}
	}
	if err := w.flush(); err != nil {
		s.close()
		return runResult{err: err}
	}
	clear(people) // drop the strings: they are on disk now
	return runResult{run: s, buf: people[:0]}
}

// finish folds what was read into the snapshot: in memory when nothing
// was spilled, else by one pass over the merged runs that counts and
// hashes the people they fold to (the runs stay; Build and Apply merge
// them again as they read).
func (c *collector) finish() error {
	if c.pending == nil && len(c.runs) == 0 {
		c.snap.People, c.snap.Folded = fold(c.buf)
		c.snap.Hash = hashPeople(c.snap.People)
		c.buf = nil
		return nil
	}
	if len(c.buf) > 0 {
		if err := c.spillRun(); err != nil {
			return err
		}
	}
	if err := c.wait(); err != nil {
		return err
	}
	c.buf, c.spare = nil, nil
	m, err := newFoldMerge(c.runs, true)
	if err != nil {
		return err
	}
	for {
		p, err := m.next()
		if err != nil {
			m.sum()
			return err
		}
		if p == nil {
			break
		}
	}
	c.snap.Hash = m.sum()
	c.snap.runs, c.snap.count, c.snap.Folded = c.runs, m.n, m.folded
	c.runs = nil
	return nil
}

// abort gives back every run's disk space after a failure.
func (c *collector) abort() {
	if c.pending != nil {
		if r := <-c.pending; r.err == nil {
			r.run.close()
		}
		c.pending = nil
	}
	c.closeRuns()
	c.buf, c.spare = nil, nil
}

func (c *collector) closeRuns() {
	for _, r := range c.runs {
		r.close()
	}
	c.runs = nil
}

// foldMerge reads sorted runs as one stream in email order, folding the
// entries of one email exactly as fold does (merge over the entries in
// compareFold order). With hashing on it also hashes the folded people as
// hashPeople would, so a spilled snapshot has the hash and the people the
// in-memory one would have had.
type foldMerge struct {
	heads  runHeap
	dups   []Person
	out    Person
	rec    []byte
	h      *basisHasher
	n      int // people yielded
	folded int // entries folded into another
}

func newFoldMerge(runs []*spill, hash bool) (*foldMerge, error) {
	m := &foldMerge{}
	for _, r := range runs {
		hd := &runHead{r: r.reader()}
		ok, err := hd.advance()
		if err != nil {
			return nil, err
		}
		if ok {
			m.heads = append(m.heads, hd)
		}
	}
	heap.Init(&m.heads)
	if hash {
		m.h = newBasisHasher()
	}
	return m, nil
}

// next returns the next person, nil at the end. It is a view into the
// runs' buffers (see decodePerson), valid until the call after.
func (m *foldMerge) next() (*Person, error) {
	if len(m.heads) == 0 {
		return nil, nil
	}
	top := m.heads[0]
	rec, p := top.rec, top.person()
	if err := m.heads.advanceTop(); err != nil {
		return nil, err
	}
	m.n++
	if len(m.heads) == 0 || m.heads[0].person().Email != p.Email {
		// One entry for this email, the common case: it is used as read.
		// Advancing its run once left its buffer whole (two alternate).
		if m.h != nil {
			m.h.raw(rec)
		}
		return p, nil
	}
	// Several: copied, as advancing a run again may overwrite p's record.
	m.dups = append(m.dups[:0], clonePerson(p))
	email := m.dups[0].Email
	for len(m.heads) > 0 && m.heads[0].person().Email == email {
		m.dups = append(m.dups, clonePerson(m.heads[0].person()))
		if err := m.heads.advanceTop(); err != nil {
			return nil, err
		}
	}
	m.folded += len(m.dups) - 1
	m.out = merge(m.dups)
	if m.h != nil {
		m.rec = appendRecord(m.rec[:0], m.out.Email, m.out.Name, m.out.Role, m.out.OrgUnit, m.out.ExternalID, m.out.Attrs)
		m.h.raw(m.rec)
	}
	return &m.out, nil
}

// sum finishes the hash (hashing on); call it exactly once then.
func (m *foldMerge) sum() string {
	if m.h == nil {
		return ""
	}
	return m.h.sum()
}

// runHead is a run's reader and its current record, decoded as a view.
// Two decoded people alternate with the reader's two buffers, so the
// record just passed stays whole while the next one is compared.
type runHead struct {
	r   *spillReader
	rec []byte
	ps  [2]Person
	cur int
}

func (h *runHead) person() *Person { return &h.ps[h.cur] }

// advance reads the next record; ok is false at the run's end.
func (h *runHead) advance() (bool, error) {
	rec, err := h.r.next()
	if rec == nil {
		return false, err
	}
	h.cur ^= 1
	if err := decodePerson(rec, &h.ps[h.cur], true); err != nil {
		return false, h.r.fail(err)
	}
	h.rec = rec
	return true, nil
}

// runHeap orders run heads by compareFold of their current person.
type runHeap []*runHead

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareFold(*h[i].person(), *h[j].person()) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runHead)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// advanceTop moves the smallest head to its next record (dropping it at
// its end) and restores the heap.
func (h *runHeap) advanceTop() error {
	ok, err := (*h)[0].advance()
	if err != nil {
		return err
	}
	if ok {
		heap.Fix(h, 0)
	} else {
		heap.Pop(h)
	}
	return nil
}
