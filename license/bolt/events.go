package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// Events implements license.Store. A member's events come from the
// member_events index, so asking for one person's history does not read
// the whole trail.
func (s *Store) Events(ctx context.Context, licenseID string, q license.EventQuery) ([]license.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	email := ""
	if q.Email != "" {
		var err error
		if email, err = license.NormalizeEmail(q.Email); err != nil {
			return nil, fmt.Errorf("events of license %q: %w", licenseID, err)
		}
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("events of license %q: %w", licenseID, &license.FieldError{Field: "limit", Reason: "must not be negative"})
	}
	var out []license.Event
	full := func() bool { return q.Limit > 0 && len(out) >= q.Limit }
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		events := lb.Bucket(bucketEvents)
		if email == "" {
			c := events.Cursor()
			for k, v := c.Seek(u64(q.After + 1)); k != nil && !full(); k, v = c.Next() {
				ev, err := decodeEvent(licenseID, binary.BigEndian.Uint64(k), v)
				if err != nil {
					return err
				}
				out = append(out, ev)
			}
			return nil
		}
		p := prefix(email)
		c := lb.Bucket(bucketMemberEvents).Cursor()
		for k, _ := c.Seek(append(prefix(email), u64(q.After+1)...)); k != nil && bytes.HasPrefix(k, p) && !full(); k, _ = c.Next() {
			seqKey := k[len(p):]
			v := events.Get(seqKey)
			if v == nil {
				return fmt.Errorf("member event index names event %x, which is missing: %w", seqKey, errCorrupt)
			}
			ev, err := decodeEvent(licenseID, binary.BigEndian.Uint64(seqKey), v)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of license %q: %w", licenseID, err)
	}
	return out, nil
}
