package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/rollcall-sync/rollcall/license"
)

// Claims are stored in a compact binary form rather than JSON: a planner
// reads a deployment's million claims before every sync, and decoding
// JSON (its times above all) was most of that read.
//
//	claims blob (members.claims):  format(1) count(uvarint) { source(str) claim }
//	claim blob  (claims.claim):    format(1) claim
//	claim:  first_seen(varint ns) last_seen(varint ns) name(str) role(str)
//	        org_unit(str) external_id(str) leaving(varint ns) revokes(1)
//	        attrs: count(uvarint) { key(str) value(str) }
//	str:    length(uvarint) bytes
//
// A zero time is 0 (times are nanoseconds since 1970, as elsewhere).
const claimFormat = 1

var errBadClaim = errors.New("stored claim is malformed")

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendClaim(b []byte, c *license.Claim) []byte {
	b = binary.AppendVarint(b, nanos(c.FirstSeen))
	b = binary.AppendVarint(b, nanos(c.LastSeen))
	b = appendStr(b, c.Name)
	b = appendStr(b, string(c.Role))
	b = appendStr(b, c.OrgUnit)
	b = appendStr(b, c.ExternalID)
	b = binary.AppendVarint(b, nanos(c.Leaving))
	if c.LeavingRevokes {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Attrs)))
	// In key order, so that equal claims encode alike.
	for _, k := range slices.Sorted(maps.Keys(c.Attrs)) {
		b = appendStr(appendStr(b, k), c.Attrs[k])
	}
	return b
}

// encodeClaims is the members.claims blob of a member's claims.
func encodeClaims(cs []license.Claim) []byte {
	b := binary.AppendUvarint([]byte{claimFormat}, uint64(len(cs)))
	for i := range cs {
		b = appendClaim(appendStr(b, string(cs[i].Source)), &cs[i])
	}
	return b
}

// encodeClaim is the claims.claim blob of one claim (its source is the
// row's column).
func encodeClaim(c *license.Claim) []byte {
	return appendClaim([]byte{claimFormat}, c)
}

// reader decodes a blob; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errBadClaim, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errBadClaim, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err, r.b = errBadClaim, nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = errBadClaim
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) claim(c *license.Claim) {
	c.FirstSeen = fromNanos(r.varint())
	c.LastSeen = fromNanos(r.varint())
	c.Name = r.str()
	c.Role = license.Role(r.str())
	c.OrgUnit = r.str()
	c.ExternalID = r.str()
	c.Leaving = fromNanos(r.varint())
	c.LeavingRevokes = r.byte() == 1
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errBadClaim
		return
	}
	if n > 0 {
		c.Attrs = make(map[string]string, n)
		for range n {
			k := r.str()
			c.Attrs[k] = r.str()
		}
	}
}

func decodeClaims(b []byte) ([]license.Claim, error) {
	r := reader{b: b}
	if r.byte() != claimFormat {
		return nil, fmt.Errorf("claims format: %w", errBadClaim)
	}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return nil, errBadClaim
	}
	cs := make([]license.Claim, n)
	for i := range cs {
		cs[i].Source = license.Source(r.str())
		r.claim(&cs[i])
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errBadClaim
	}
	return cs, r.err
}

func decodeClaim(b []byte, c *license.Claim) error {
	r := reader{b: b}
	if r.byte() != claimFormat {
		return fmt.Errorf("claim format: %w", errBadClaim)
	}
	r.claim(c)
	if r.err == nil && len(r.b) != 0 {
		r.err = errBadClaim
	}
	return r.err
}
