package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Members and events are encoded by hand rather than as JSON: a sync of a
// million members decodes and encodes each of them, and this format is
// several times faster and about half the size. Every record starts with a
// format byte so a later schema can change the layout.
const (
	memberFormat = 1
	eventFormat  = 1
	// memberFormatLeaving is a member record whose claims each end with
	// flags(uvarint: bit 0 leaving revokes access) and the leaving time.
	// Records without a leaving claim keep format 1, so existing files and
	// their readers are unchanged until a grace period is used.
	memberFormatLeaving = 2
	claimFlagRevokes    = 1
	// memberFormatAdded and memberFormatAddedLeaving (schema 4) are
	// formats 1 and 2 with the seq of the member's member.added event,
	// uvarint, right after the format byte. That event has no
	// member_events entry while the record holds it (events.go): a new
	// member costs one bbolt write fewer. Records without it (written
	// before schema 4) keep their entry.
	memberFormatAdded        = 3
	memberFormatAddedLeaving = 4
)

// anyLeaving reports whether a claim of m is leaving.
func anyLeaving(claims []license.Claim) bool {
	for i := range claims {
		if !claims[i].Leaving.IsZero() {
			return true
		}
	}
	return false
}

// zeroTime stands for time.Time{}, whose UnixNano is not defined.
const zeroTime = math.MinInt64

var errCorrupt = errors.New("corrupt record")

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) time(t time.Time) {
	n := int64(zeroTime)
	if !t.IsZero() {
		n = t.UnixNano()
	}
	e.b = binary.AppendVarint(e.b, n)
}

func (e *encoder) uint(n uint64) { e.b = binary.AppendUvarint(e.b, n) }

// decoder reads a record from one string copied out of the mmap in a
// single allocation: every string field is a substring of it, so decoding
// a member costs two allocations (this string and its claims) instead of
// one per field.
type decoder struct {
	s   string
	err error
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	var n uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflows 64 bits
			}
			d.s = d.s[i+1:]
			return n | uint64(c)<<(7*i)
		}
		n |= uint64(c&0x7f) << (7 * i)
	}
	d.err = errCorrupt
	return 0
}

func (d *decoder) str() string {
	n := d.uint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.s)) {
		d.err = errCorrupt
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *decoder) time() time.Time {
	u := d.uint()
	if d.err != nil {
		return time.Time{}
	}
	// Zigzag, as binary.AppendVarint writes it.
	n := int64(u >> 1)
	if u&1 != 0 {
		n = ^n
	}
	if n == zeroTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.s) == 0 {
		d.err = errCorrupt
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

// role returns the package constant equal to s, so a decoded role holds no
// reference to the record's string.
func role(s string) license.Role {
	for _, r := range license.Roles {
		if string(r) == s {
			return r
		}
	}
	return license.Role(s)
}

// encodeMember appends m (without its email, which is the key) to buf;
// addedSeq, when not zero, is the seq of its member.added event.
func encodeMember(buf []byte, m *license.Member, addedSeq uint64) []byte {
	ext := anyLeaving(m.Claims)
	format := byte(memberFormat)
	switch {
	case ext && addedSeq != 0:
		format = memberFormatAddedLeaving
	case ext:
		format = memberFormatLeaving
	case addedSeq != 0:
		format = memberFormatAdded
	}
	e := encoder{b: append(buf, format)}
	if addedSeq != 0 {
		e.uint(addedSeq)
	}
	e.str(m.Name)
	e.str(string(m.Role))
	e.str(m.OrgUnit)
	e.time(m.Added)
	e.uint(uint64(len(m.Claims)))
	for i := range m.Claims {
		c := &m.Claims[i]
		e.str(string(c.Source))
		e.claim(c, ext)
	}
	return e.b
}

// claim encodes everything of c but its source, which the member record
// and the source index each hold in their own place.
func (e *encoder) claim(c *license.Claim, ext bool) {
	e.time(c.FirstSeen)
	e.time(c.LastSeen)
	e.str(c.Name)
	e.str(string(c.Role))
	e.str(c.OrgUnit)
	e.str(c.ExternalID)
	e.uint(uint64(len(c.Attrs)))
	if len(c.Attrs) > 0 {
		keys := make([]string, 0, len(c.Attrs))
		for k := range c.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e.str(k)
			e.str(c.Attrs[k])
		}
	}
	if ext {
		var flags uint64
		if c.LeavingRevokes {
			flags |= claimFlagRevokes
		}
		e.uint(flags)
		e.time(c.Leaving)
	}
}

// claim decodes what encoder.claim wrote into c, whose Source it leaves.
func (d *decoder) claim(c *license.Claim, ext bool) {
	c.FirstSeen = d.time()
	c.LastSeen = d.time()
	c.Name = d.str()
	c.Role = role(d.str())
	c.OrgUnit = d.str()
	c.ExternalID = d.str()
	c.Attrs = nil
	na := d.uint()
	if na > uint64(len(d.s)) {
		d.err = errCorrupt
	}
	if na > 0 && d.err == nil {
		c.Attrs = make(map[string]string, na)
		for j := 0; d.err == nil && j < int(na); j++ {
			k := d.str()
			c.Attrs[k] = d.str()
		}
	}
	c.Leaving, c.LeavingRevokes = time.Time{}, false
	if ext {
		flags := d.uint()
		c.Leaving = d.time()
		c.LeavingRevokes = flags&claimFlagRevokes != 0
	}
}

// A by_source value (schema 2 on) repeats the member's claim from that
// source, so SourceClaims reads the index alone, and says whether it is
// the member's only claim:
//
//	format(1) flags(uvarint: bit 0 sole) claim (as encoder.claim)
const (
	sourceClaimFormat        = 1
	sourceClaimFormatLeaving = 2 // the claim ends as in memberFormatLeaving
	flagSole                 = 1
)

// encodeSourceClaim appends the by_source value of c, a claim of m, to buf.
func encodeSourceClaim(buf []byte, c *license.Claim, sole bool) []byte {
	ext := !c.Leaving.IsZero()
	format := byte(sourceClaimFormat)
	if ext {
		format = sourceClaimFormatLeaving
	}
	e := encoder{b: append(buf, format)}
	var flags uint64
	if sole {
		flags |= flagSole
	}
	e.uint(flags)
	e.claim(c, ext)
	return e.b
}

// decodeSourceClaim decodes a by_source value into c (whose Source it
// leaves) and reports whether the claim is its member's only one. Strings
// in c are substrings of s.
func decodeSourceClaim(c *license.Claim, s string) (sole bool, err error) {
	d := decoder{s: s}
	f := d.byte()
	if d.err == nil && f != sourceClaimFormat && f != sourceClaimFormatLeaving {
		return false, fmt.Errorf("unknown source index format %d: %w", f, errCorrupt)
	}
	flags := d.uint()
	d.claim(c, f == sourceClaimFormatLeaving)
	if d.err == nil && len(d.s) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return false, d.err
	}
	return flags&flagSole != 0, nil
}

// decodeMember decodes a value stored under email.
func decodeMember(email string, b []byte) (license.Member, error) {
	m, _, err := decodeMemberSeq(email, b)
	return m, err
}

// decodeMemberSeq decodes a value stored under email, and the seq of the
// member.added event it holds (0: none).
func decodeMemberSeq(email string, b []byte) (license.Member, uint64, error) {
	var m license.Member
	seq, err := decodeMemberTo(&m, email, decoder{s: string(b)}, nil)
	return m, seq, err
}

// memberAddedSeq reads only the seq of the member.added event a member
// record holds (0: none), without decoding the rest.
func memberAddedSeq(email string, b []byte) (uint64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("member %s: empty record: %w", email, errCorrupt)
	}
	switch b[0] {
	case memberFormat, memberFormatLeaving:
		return 0, nil
	case memberFormatAdded, memberFormatAddedLeaving:
		seq, n := binary.Uvarint(b[1:])
		if n <= 0 || seq == 0 {
			return 0, fmt.Errorf("member %s: bad member.added seq: %w", email, errCorrupt)
		}
		return seq, nil
	}
	return 0, fmt.Errorf("member %s: unknown record format %d: %w", email, b[0], errCorrupt)
}

// memberRecord is a member with room for one claim, so that walks over
// many members, most with a single claim, allocate each in one piece.
type memberRecord struct {
	m   license.Member
	one [1]license.Claim
}

// decodeRecord decodes the member stored under key k with value v, in two
// allocations: the record, and one string holding the key and every field.
// buf is scratch space, returned for reuse.
func decodeRecord(k, v, buf []byte) (*license.Member, []byte, error) {
	buf = append(append(buf[:0], k...), v...)
	s := string(buf)
	r := new(memberRecord)
	_, err := decodeMemberTo(&r.m, s[:len(k)], decoder{s: s[len(k):]}, &r.one)
	return &r.m, buf, err
}

// decodeMemberTo decodes d into m, and returns the seq of its
// member.added event if the record holds it; a single claim goes in one,
// if given.
func decodeMemberTo(m *license.Member, email string, d decoder, one *[1]license.Claim) (uint64, error) {
	f := d.byte()
	var seq uint64
	switch {
	case d.err != nil:
	case f == memberFormatAdded || f == memberFormatAddedLeaving:
		if seq = d.uint(); seq == 0 && d.err == nil {
			d.err = errCorrupt
		}
	case f != memberFormat && f != memberFormatLeaving:
		return 0, fmt.Errorf("member %s: unknown record format %d: %w", email, f, errCorrupt)
	}
	ext := f == memberFormatLeaving || f == memberFormatAddedLeaving
	m.Email = email
	m.Name = d.str()
	m.Role = role(d.str())
	m.OrgUnit = d.str()
	m.Added = d.time()
	n := d.uint()
	if n > uint64(len(d.s)) {
		d.err = errCorrupt
	}
	if d.err == nil {
		if n == 1 && one != nil {
			m.Claims = one[:]
		} else {
			m.Claims = make([]license.Claim, n)
		}
	}
	for i := 0; d.err == nil && i < int(n); i++ {
		c := &m.Claims[i]
		c.Source = license.Source(d.str())
		d.claim(c, ext)
	}
	if d.err != nil {
		*m = license.Member{}
		return 0, fmt.Errorf("member %s: %w", email, d.err)
	}
	return seq, nil
}

// encodeEvent encodes ev without License and Seq, which the bucket and key hold.
func encodeEvent(buf []byte, ev *license.Event) []byte {
	e := encoder{b: append(buf, eventFormat)}
	e.time(ev.Time)
	e.str(ev.Email)
	e.str(string(ev.Action))
	e.str(string(ev.Source))
	e.str(ev.Actor)
	e.str(ev.Detail)
	return e.b
}

func decodeEvent(licenseID string, seq uint64, b []byte) (license.Event, error) {
	d := decoder{s: string(b)}
	if f := d.byte(); d.err == nil && f != eventFormat {
		return license.Event{}, fmt.Errorf("license %s event %d: unknown record format %d: %w", licenseID, seq, f, errCorrupt)
	}
	ev := license.Event{Seq: seq, License: licenseID}
	ev.Time = d.time()
	ev.Email = d.str()
	ev.Action = license.Action(d.str())
	ev.Source = license.Source(d.str())
	ev.Actor = d.str()
	ev.Detail = d.str()
	if d.err != nil {
		return license.Event{}, fmt.Errorf("license %s event %d: %w", licenseID, seq, d.err)
	}
	return ev, nil
}

// An event pack (schema 4) is one events/ value holding n consecutive
// events, the first under the key's seq. Apply writes a batch's events
// as a few packs rather than one bbolt Put each:
//
//	format(1) n(uint32) end(uint32)×n event×n
//
// where each event is encoded as encodeEvent writes it and event i ends
// at end[i] bytes after the table (it starts where event i-1 ends): any
// one event is found without reading the others.
const (
	eventPackFormat = 2
	packHeader      = 5
	// packBytes bounds the events of one pack: a few pages, so that
	// reading one member's history touches little of the trail.
	packBytes = 16 << 10
)

// eventEntry is what one events/ value holds: one event, or a pack.
type eventEntry struct {
	v     []byte
	first uint64 // seq of its first event
	n     int
}

// loadEventEntry reads the events/ value v stored under key k.
func loadEventEntry(k, v []byte) (eventEntry, error) {
	if len(k) != 8 || len(v) == 0 {
		return eventEntry{}, fmt.Errorf("event entry %x: %w", k, errCorrupt)
	}
	e := eventEntry{v: v, first: binary.BigEndian.Uint64(k), n: 1}
	switch v[0] {
	case eventFormat:
	case eventPackFormat:
		if len(v) < packHeader {
			return eventEntry{}, fmt.Errorf("event pack %d: %w", e.first, errCorrupt)
		}
		e.n = int(binary.BigEndian.Uint32(v[1:]))
		if e.n == 0 || e.n > (len(v)-packHeader)/4 {
			return eventEntry{}, fmt.Errorf("event pack %d: %d events: %w", e.first, e.n, errCorrupt)
		}
	default:
		return eventEntry{}, fmt.Errorf("event %d: unknown record format %d: %w", e.first, v[0], errCorrupt)
	}
	return e, nil
}

// event returns the encoding of event i of the entry (i < n).
func (e *eventEntry) event(i int) ([]byte, error) {
	if e.v[0] == eventFormat {
		return e.v, nil
	}
	data := e.v[packHeader+4*e.n:]
	start := uint32(0)
	if i > 0 {
		start = binary.BigEndian.Uint32(e.v[packHeader+4*(i-1):])
	}
	end := binary.BigEndian.Uint32(e.v[packHeader+4*i:])
	if start >= end || int(end) > len(data) {
		return nil, fmt.Errorf("event pack %d: event %d at %d-%d of %d bytes: %w", e.first, i, start, end, len(data), errCorrupt)
	}
	return data[start:end], nil
}

// packer builds the event packs of one batch, reusing its buffers.
type packer struct {
	data []byte   // the events of the pack being built
	ends []uint32 // where each ends in data
}

// add appends one encoded event to the pack being built.
func (p *packer) add(ev []byte) {
	p.data = append(p.data, ev...)
	p.ends = append(p.ends, uint32(len(p.data)))
}

func (p *packer) full() bool { return len(p.data) >= packBytes }

// value writes the pack into dst (which must have room for it), empties
// the packer and returns the value. A pack of one event is stored as that
// event alone.
func (p *packer) value(dst []byte) []byte {
	if len(p.ends) == 1 {
		dst = append(dst, p.data...)
	} else {
		dst = binary.BigEndian.AppendUint32(append(dst, eventPackFormat), uint32(len(p.ends)))
		for _, e := range p.ends {
			dst = binary.BigEndian.AppendUint32(dst, e)
		}
		dst = append(dst, p.data...)
	}
	p.data, p.ends = p.data[:0], p.ends[:0]
	return dst
}

// size is the length of value's result.
func (p *packer) size() int {
	if len(p.ends) == 1 {
		return len(p.data)
	}
	return packHeader + 4*len(p.ends) + len(p.data)
}

func u64(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// appendTimeKey appends t as 8 bytes that order times bytewise,
// before-1970 included.
func appendTimeKey(dst []byte, t time.Time) []byte {
	n := int64(zeroTime)
	if !t.IsZero() {
		n = t.UnixNano()
	}
	return binary.BigEndian.AppendUint64(dst, uint64(n)^(1<<63))
}
