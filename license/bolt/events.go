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
// member_events index, and the member.added event from the member's own
// record when it holds it (schema 4), so asking for one person's history
// does not read the whole trail.
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
		walk := eventWalk{c: lb.Bucket(bucketEvents).Cursor()}
		if email == "" {
			for seq, raw := walk.seek(q.After + 1); raw != nil && !full(); seq, raw = walk.next() {
				ev, err := decodeEvent(licenseID, seq, raw)
				if err != nil {
					return err
				}
				out = append(out, ev)
			}
			return walk.err
		}
		one := func(seq uint64) error {
			got, raw := walk.seek(seq)
			if walk.err != nil {
				return walk.err
			}
			if raw == nil || got != seq {
				return fmt.Errorf("member %s: event %d is missing: %w", email, seq, errCorrupt)
			}
			ev, err := decodeEvent(licenseID, seq, raw)
			if err != nil {
				return err
			}
			out = append(out, ev)
			return nil
		}
		// The member.added event the record holds goes where its seq
		// falls among the index's.
		var added uint64
		if v := lb.Bucket(bucketMembers).Get([]byte(email)); v != nil {
			if added, err = memberAddedSeq(email, v); err != nil {
				return err
			}
		}
		if added <= q.After {
			added = 0
		}
		p := prefix(email)
		c := lb.Bucket(bucketMemberEvents).Cursor()
		for k, _ := c.Seek(binary.BigEndian.AppendUint64(prefix(email), q.After+1)); k != nil && bytes.HasPrefix(k, p) && !full(); k, _ = c.Next() {
			if len(k) != len(p)+8 {
				return fmt.Errorf("member event index key %q: %w", k, errCorrupt)
			}
			seq := binary.BigEndian.Uint64(k[len(p):])
			if added != 0 && added <= seq {
				if added < seq {
					if err := one(added); err != nil {
						return err
					}
					if full() {
						return nil
					}
				}
				added = 0
			}
			if err := one(seq); err != nil {
				return err
			}
		}
		if added != 0 && !full() {
			return one(added)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("events of license %q: %w", licenseID, err)
	}
	return out, nil
}

// eventWalk reads a license's trail in seq order, through single events
// and packs (codec.go) alike. After a walk returns no event, err says
// whether it failed or reached the end.
type eventWalk struct {
	c   *bbolt.Cursor
	e   eventEntry // the entry being read; e.v nil at the end
	i   int        // the event of e being read
	err error
	key [8]byte
}

// seek moves to the first event with a seq of at least seq, and returns
// its seq and encoding (nil: none).
func (w *eventWalk) seek(seq uint64) (uint64, []byte) {
	binary.BigEndian.PutUint64(w.key[:], seq)
	key := w.key[:]
	k, v := w.c.Seek(key)
	if k == nil || binary.BigEndian.Uint64(k) > seq {
		// The entry before may be a pack holding seq.
		var pk, pv []byte
		if k == nil {
			pk, pv = w.c.Last()
		} else {
			pk, pv = w.c.Prev()
		}
		if pk != nil {
			e, err := loadEventEntry(pk, pv)
			if err != nil {
				return w.fail(err)
			}
			if e.first+uint64(e.n) > seq {
				w.e, w.i = e, int(seq-e.first)
				return w.cur()
			}
		}
		k, v = w.c.Seek(key)
	}
	return w.enter(k, v)
}

// next moves to the event after the current one.
func (w *eventWalk) next() (uint64, []byte) {
	if w.e.v == nil {
		return 0, nil
	}
	if w.i+1 < w.e.n {
		w.i++
		return w.cur()
	}
	return w.enter(w.c.Next())
}

func (w *eventWalk) enter(k, v []byte) (uint64, []byte) {
	w.e, w.i = eventEntry{}, 0
	if k == nil {
		return 0, nil
	}
	e, err := loadEventEntry(k, v)
	if err != nil {
		return w.fail(err)
	}
	w.e = e
	return w.cur()
}

func (w *eventWalk) cur() (uint64, []byte) {
	raw, err := w.e.event(w.i)
	if err != nil {
		return w.fail(err)
	}
	return w.e.first + uint64(w.i), raw
}

func (w *eventWalk) fail(err error) (uint64, []byte) {
	w.e, w.err = eventEntry{}, err
	return 0, nil
}
