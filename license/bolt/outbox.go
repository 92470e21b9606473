package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// putFeed gives the n events of licenseID from seq on the next n feed
// cursors, in one entry keyed by the first: a transaction of 10,000
// changes writes one feed entry, not 10,000.
func putFeed(feed *bbolt.Bucket, licenseID string, seq, n uint64) error {
	if n == 0 {
		return nil
	}
	first := feed.Sequence() + 1
	if err := feed.SetSequence(first + n - 1); err != nil {
		return err
	}
	feed.FillPercent = 0.95 // keys only ever grow
	v := make([]byte, 0, len(licenseID)+17)
	v = append(append(v, licenseID...), sep)
	v = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(v, seq), n)
	return feed.Put(u64(first), v)
}

// feedEntry decodes a feed entry: license id, first event seq, count.
func feedEntry(k, v []byte) (id []byte, seq, n uint64, err error) {
	i := len(v) - 17 // the separator: the seq and count may hold zero bytes
	if len(k) != 8 || i < 1 || v[i] != sep {
		return nil, 0, 0, fmt.Errorf("feed entry %x: %w", k, errCorrupt)
	}
	return v[:i], binary.BigEndian.Uint64(v[i+1:]), binary.BigEndian.Uint64(v[i+9:]), nil
}

// feedNotify wakes every FeedChanged waiter.
func (s *Store) feedNotify() {
	s.feedMu.Lock()
	if s.feedChanged != nil {
		close(s.feedChanged)
		s.feedChanged = nil
	}
	s.feedMu.Unlock()
}

// FeedChanged implements license.Outbox.
func (s *Store) FeedChanged() <-chan struct{} {
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	if s.feedChanged == nil {
		s.feedChanged = make(chan struct{})
	}
	return s.feedChanged
}

// Record implements license.Outbox: the events join the license's audit
// trail and the feed in one transaction.
func (s *Store) Record(ctx context.Context, licenseID string, evs []license.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	now := s.now()
	err := s.db.Update(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, licenseID)
		if err != nil {
			return err
		}
		events, memberEvents := lb.Bucket(bucketEvents), lb.Bucket(bucketMemberEvents)
		var buf []byte
		var first uint64
		for i := range evs {
			ev := evs[i]
			if ev.Action == "" {
				return &license.FieldError{Field: "action", Reason: "is required"}
			}
			if ev.Time.IsZero() {
				ev.Time = now
			}
			seq, err := events.NextSequence()
			if err != nil {
				return err
			}
			if i == 0 {
				first = seq
			}
			buf = encodeEvent(buf[:0], &ev)
			if err := events.Put(u64(seq), bytes.Clone(buf)); err != nil {
				return err
			}
			if ev.Email != "" {
				k := binary.BigEndian.AppendUint64(append([]byte(ev.Email), sep), seq)
				if err := memberEvents.Put(k, nil); err != nil {
					return err
				}
			}
		}
		return putFeed(tx.Bucket(bucketFeed), licenseID, first, uint64(len(evs)))
	})
	if err != nil {
		return fmt.Errorf("record %d events of license %q: %w", len(evs), licenseID, err)
	}
	s.feedNotify()
	return nil
}

// Feed implements license.Outbox. An entry whose license was deleted since
// is skipped.
func (s *Store) Feed(ctx context.Context, q license.FeedQuery) ([]license.FeedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []license.FeedEvent
	want := q.After + 1
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketFeed).Cursor()
		licenses := tx.Bucket(bucketLicenses)
		// The entry holding cursor want starts at or before it.
		k, v := c.Seek(u64(want))
		if k == nil || binary.BigEndian.Uint64(k) > want {
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			if k == nil {
				k, v = c.First()
			}
		}
		for ; k != nil && len(out) < limit; k, v = c.Next() {
			id, seq, n, err := feedEntry(k, v)
			if err != nil {
				return err
			}
			start := binary.BigEndian.Uint64(k)
			if start+n <= want || (q.License != "" && string(id) != q.License) {
				continue
			}
			lb := licenses.Bucket(id)
			if lb == nil {
				continue // the license was deleted, with its trail
			}
			// The entry's events are consecutive: one seek, then steps.
			i := uint64(0)
			if want > start {
				i = want - start
			}
			walk := eventWalk{c: lb.Bucket(bucketEvents).Cursor()}
			for got, raw := walk.seek(seq + i); i < n && len(out) < limit; got, raw = walk.next() {
				if walk.err != nil {
					return walk.err
				}
				if raw == nil || got != seq+i {
					return fmt.Errorf("feed entry %x names event %d of license %s, which is missing: %w", k, seq+i, id, errCorrupt)
				}
				ev, err := decodeEvent(string(id), seq+i, raw)
				if err != nil {
					return err
				}
				out = append(out, license.FeedEvent{Cursor: start + i, Event: ev})
				i++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the change feed after %d: %w", q.After, err)
	}
	return out, nil
}

// PutWebhook implements license.Outbox. A new webhook starts at the end of
// the feed: it delivers what happens from now on.
func (s *Store) PutWebhook(ctx context.Context, w license.Webhook) (license.Webhook, error) {
	if err := ctx.Err(); err != nil {
		return license.Webhook{}, err
	}
	if w.ID == "" || strings.IndexByte(w.ID, sep) >= 0 {
		return license.Webhook{}, fmt.Errorf("store webhook: %w", &license.FieldError{Field: "id", Value: w.ID, Reason: "is required and may not contain NUL"})
	}
	if err := license.CheckWebhookURL(w.URL, w.InsecureLoopback); err != nil {
		return license.Webhook{}, fmt.Errorf("store webhook %s: %w", w.ID, err)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if _, err := licenseBucket(tx, w.License); err != nil {
			return err
		}
		b := tx.Bucket(bucketWebhooks)
		if old := b.Get([]byte(w.ID)); old != nil {
			var prev license.Webhook
			if err := json.Unmarshal(old, &prev); err != nil {
				return err
			}
			w.Cursor, w.Created = prev.Cursor, prev.Created
			if prev.License != w.License {
				w.Cursor = tx.Bucket(bucketFeed).Sequence() // another license's feed: start at its end
			}
		} else {
			w.Cursor, w.Created = tx.Bucket(bucketFeed).Sequence(), s.now()
		}
		v, err := json.Marshal(w)
		if err != nil {
			return err
		}
		return b.Put([]byte(w.ID), v)
	})
	if err != nil {
		return license.Webhook{}, fmt.Errorf("store webhook %s: %w", w.ID, err)
	}
	return w, nil
}

// Webhooks implements license.Outbox.
func (s *Store) Webhooks(ctx context.Context, licenseID string) ([]license.Webhook, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []license.Webhook
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketWebhooks).ForEach(func(k, v []byte) error {
			var w license.Webhook
			if err := json.Unmarshal(v, &w); err != nil {
				return fmt.Errorf("webhook %s: %w", k, err)
			}
			if licenseID == "" || w.License == licenseID {
				out = append(out, w)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// DeleteWebhook implements license.Outbox.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketWebhooks)
		if b.Get([]byte(id)) == nil {
			return fmt.Errorf("webhook %q: %w", id, license.ErrNotFound)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		dl := tx.Bucket(bucketDeadLetters)
		p := append([]byte(id), sep)
		var keys [][]byte
		c := dl.Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := dl.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

// AdvanceWebhook implements license.Outbox.
func (s *Store) AdvanceWebhook(ctx context.Context, id string, cursor uint64, dead *license.DeadLetter) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketWebhooks)
		v := b.Get([]byte(id))
		if v == nil {
			return fmt.Errorf("webhook %q: %w", id, license.ErrNotFound)
		}
		var w license.Webhook
		if err := json.Unmarshal(v, &w); err != nil {
			return err
		}
		if cursor <= w.Cursor {
			return nil
		}
		if dead != nil {
			d := *dead
			d.Webhook, d.Cursor = id, cursor
			if d.Time.IsZero() {
				d.Time = s.now()
			}
			dv, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketDeadLetters).Put(binary.BigEndian.AppendUint64(append([]byte(id), sep), cursor), dv); err != nil {
				return err
			}
		}
		w.Cursor = cursor
		nv, err := json.Marshal(w)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), nv)
	})
	if err != nil {
		return fmt.Errorf("advance webhook %s to %d: %w", id, cursor, err)
	}
	return nil
}

// DeadLetters implements license.Outbox.
func (s *Store) DeadLetters(ctx context.Context, id string) ([]license.DeadLetter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []license.DeadLetter
	err := s.db.View(func(tx *bbolt.Tx) error {
		p := append([]byte(id), sep)
		c := tx.Bucket(bucketDeadLetters).Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			var d license.DeadLetter
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("dead letter %x: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters of webhook %s: %w", id, err)
	}
	return out, nil // keys hold the cursor big-endian: already in order
}
