package reconcile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unsafe"

	"github.com/rollcall-sync/rollcall/license"
)

// A spill is an anonymous temporary file of person records: one sorted
// run of a large snapshot, which lives on disk instead of in memory, so a
// sync of a million people holds a run's worth of them at a time rather
// than all of them.
//
// The file is unlinked as soon as it is created. Nothing is left behind by
// a crash or a kill, no other process can open it by name, and the space
// is given back when it is closed. (This relies on POSIX unlink semantics;
// Rollcall runs on Linux.) os.CreateTemp makes it 0600 all the same.
//
// Each record is a uvarint length followed by the record as appendRecord
// encodes it, so the bytes the snapshot's hash covers are the bytes on
// disk.
type spill struct {
	f    *os.File
	size int64
	n    int // records
}

// maxRecord bounds one record read back, so a damaged file gives an error
// rather than an allocation of whatever length its bytes happen to say.
const maxRecord = 64 << 20

func createSpill(dir string) (*spill, error) {
	f, err := os.CreateTemp(dir, "rollcall-spill-*")
	if err != nil {
		return nil, fmt.Errorf("spill the snapshot to disk: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("spill the snapshot to disk: unlink %s: %w", f.Name(), err)
	}
	return &spill{f: f}, nil
}

func (s *spill) close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// spillWriter appends records to a spill.
type spillWriter struct {
	s   *spill
	w   *bufio.Writer
	rec []byte
	hdr [binary.MaxVarintLen64]byte
}

func (s *spill) writer() *spillWriter {
	return &spillWriter{s: s, w: bufio.NewWriterSize(s.f, 256<<10)}
}

// person encodes p and appends it; it returns the record's bytes (without
// the length), valid until the next call.
func (w *spillWriter) person(p *Person) ([]byte, error) {
	w.rec = appendRecord(w.rec[:0], p.Email, p.Name, p.Role, p.OrgUnit, p.ExternalID, p.Attrs)
	return w.rec, w.raw(w.rec)
}

// raw appends a record already encoded by appendRecord.
func (w *spillWriter) raw(rec []byte) error {
	n := binary.PutUvarint(w.hdr[:], uint64(len(rec)))
	if _, err := w.w.Write(w.hdr[:n]); err != nil {
		return fmt.Errorf("write the spilled snapshot: %w", err)
	}
	if _, err := w.w.Write(rec); err != nil {
		return fmt.Errorf("write the spilled snapshot: %w", err)
	}
	w.s.size += int64(n + len(rec))
	w.s.n++
	return nil
}

func (w *spillWriter) flush() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("write the spilled snapshot: %w", err)
	}
	return nil
}

// spillReader reads a spill's records from the start. The record a call
// returns stays valid until the call after next: two buffers alternate, so
// a merge can look at the next record while still holding the last one.
type spillReader struct {
	br   *bufio.Reader
	bufs [2][]byte
	cur  int
	left int // records not read yet
	read int // records read
}

func (s *spill) reader() *spillReader {
	return &spillReader{br: bufio.NewReaderSize(io.NewSectionReader(s.f, 0, s.size), 128<<10), left: s.n}
}

// header reads the next record's length; ok is false at the end.
func (r *spillReader) header() (n int, ok bool, err error) {
	if r.left == 0 {
		return 0, false, nil
	}
	u, err := binary.ReadUvarint(r.br)
	if err != nil {
		return 0, false, r.fail(err)
	}
	if u > maxRecord {
		return 0, false, r.fail(fmt.Errorf("record length %d is over %d", u, maxRecord))
	}
	r.left--
	r.read++
	return int(u), true, nil
}

// next returns the next record's bytes, nil at the end.
func (r *spillReader) next() ([]byte, error) {
	n, ok, err := r.header()
	if !ok {
		return nil, err
	}
	r.cur ^= 1
	b := r.bufs[r.cur]
	if cap(b) < n {
		b = make([]byte, n, max(n, 256))
	}
	b = b[:n]
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, r.fail(err)
	}
	r.bufs[r.cur] = b
	return b, nil
}

func (r *spillReader) fail(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("read the spilled snapshot: record %d: %w", r.read+1, err)
}

// errBadRecord: a spilled record does not decode (a damaged file).
var errBadRecord = errors.New("damaged record")

// decodePerson decodes a record made by appendRecord into p.
//
// With view set, p's strings point into rec and p.Attrs is reused: p is
// valid only as long as rec is, which is what a merge that only compares
// wants (no allocation per person). Without it, p owns its memory.
func decodePerson(rec []byte, p *Person, view bool) error {
	var fields [5]string
	for i := range fields {
		s, rest, ok := decodeField(rec, view)
		if !ok {
			return errBadRecord
		}
		fields[i], rec = s, rest
	}
	p.Email, p.Name, p.OrgUnit, p.ExternalID = fields[0], fields[1], fields[3], fields[4]
	p.Role = internRole(fields[2])
	n, k := binary.Uvarint(rec)
	if k <= 0 || n > uint64(len(rec)) {
		return errBadRecord
	}
	rec = rec[k:]
	if n == 0 {
		if view && p.Attrs != nil {
			clear(p.Attrs)
		} else {
			p.Attrs = nil
		}
		if len(rec) != 0 {
			return errBadRecord
		}
		return nil
	}
	if view && p.Attrs != nil {
		clear(p.Attrs)
	} else {
		p.Attrs = make(map[string]string, n)
	}
	for range n {
		key, rest, ok := decodeField(rec, view)
		if !ok {
			return errBadRecord
		}
		val, rest, ok := decodeField(rest, view)
		if !ok {
			return errBadRecord
		}
		p.Attrs[key], rec = val, rest
	}
	if len(rec) != 0 {
		return errBadRecord
	}
	return nil
}

func decodeField(rec []byte, view bool) (string, []byte, bool) {
	n, k := binary.Uvarint(rec)
	if k <= 0 || n > uint64(len(rec)-k) {
		return "", nil, false
	}
	b := rec[k : k+int(n)]
	rest := rec[k+int(n):]
	if n == 0 {
		return "", rest, true
	}
	if view {
		return unsafe.String(&b[0], len(b)), rest, true
	}
	return string(b), rest, true
}

// internRole returns the role constant for s, so that no copy (or view)
// is kept for the roles every person has. Other values are returned as
// given: a view stays a view.
func internRole(s string) license.Role {
	for _, r := range license.Roles {
		if string(r) == s {
			return r
		}
	}
	return license.Role(s)
}

// clonePerson copies a view into memory the copy owns.
func clonePerson(p *Person) Person {
	q := Person{Email: strings.Clone(p.Email), Name: strings.Clone(p.Name), Role: canonicalRole(p.Role),
		OrgUnit: strings.Clone(p.OrgUnit), ExternalID: strings.Clone(p.ExternalID)}
	if len(p.Attrs) > 0 {
		q.Attrs = make(map[string]string, len(p.Attrs))
		for k, v := range p.Attrs {
			q.Attrs[strings.Clone(k)] = strings.Clone(v)
		}
	}
	return q
}

// cursor walks a snapshot's people in email order, from memory or from
// its runs. A spilled person is a view (see decodePerson): valid until
// next; keep copies it.
type cursor struct {
	people []Person
	m      *foldMerge
	p      *Person // the current person; nil past the end
	at     int32   // its ordinal in the snapshot
}

func newCursor(snap *Snapshot) (*cursor, error) {
	c := &cursor{at: -1}
	switch {
	case snap.Spilled() || snap.closed:
		m, err := snap.stream()
		if err != nil {
			return nil, err
		}
		c.m = m
	default:
		c.people = snap.People
	}
	return c, c.next()
}

func (c *cursor) next() error {
	c.at++
	if c.m == nil {
		c.p = nil
		if int(c.at) < len(c.people) {
			c.p = &c.people[c.at]
		}
		return nil
	}
	p, err := c.m.next()
	c.p = p
	return err
}

// keep returns the current person as a value the caller owns.
func (c *cursor) keep() Person {
	if c.m == nil {
		return *c.p
	}
	return clonePerson(c.p)
}
