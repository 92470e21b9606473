package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
)

// feedNotify wakes every FeedChanged waiter of this process.
func (s *Store) feedNotify() {
	s.feedMu.Lock()
	if s.feedChanged != nil {
		close(s.feedChanged)
		s.feedChanged = nil
	}
	s.feedMu.Unlock()
}

// FeedChanged implements license.Outbox. It is closed by commits of this
// process and, through LISTEN (listen.go), of every other process on the
// database.
func (s *Store) FeedChanged() <-chan struct{} {
	s.feedMu.Lock()
	defer s.feedMu.Unlock()
	s.listen()
	if s.feedChanged == nil {
		s.feedChanged = make(chan struct{})
	}
	return s.feedChanged
}

// Record implements license.Outbox: the events join the license's audit
// trail and the feed in one transaction.
func (s *Store) Record(ctx context.Context, licenseID string, evs []license.Event) error {
	if len(evs) == 0 {
		return ctx.Err()
	}
	for i := range evs {
		if evs[i].Action == "" {
			return fmt.Errorf("record %d events of license %q: event %d: %w", len(evs), licenseID, i+1, &license.FieldError{Field: "action", Reason: "is required"})
		}
	}
	now := s.now()
	err := s.tx(ctx, func(tx pgx.Tx) error {
		_, seq, err := lockLicense(ctx, tx, licenseID)
		if err != nil {
			return err
		}
		if err := s.checkWrite(ctx, tx); err != nil {
			return err
		}
		var b pgx.Batch
		for i := range evs {
			ev := evs[i]
			if ev.Time.IsZero() {
				ev.Time = now
			}
			b.Queue(`INSERT INTO events (`+eventCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				licenseID, int64(seq)+int64(i)+1, nanos(ev.Time), ev.Email, string(ev.Action), string(ev.Source), ev.Actor, ev.Detail)
		}
		b.Queue(`UPDATE licenses SET event_seq = $2 WHERE id = $1`, licenseID, int64(seq)+int64(len(evs)))
		queueFeed(&b, licenseID, seq, len(evs))
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("record %d events of license %q: %w", len(evs), licenseID, err)
	}
	s.feedNotify()
	return nil
}

// Feed implements license.Outbox. Entries of a deleted license went with it.
func (s *Store) Feed(ctx context.Context, q license.FeedQuery) ([]license.FeedEvent, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	after := int64(min(q.After, math.MaxInt64))
	sql := `SELECT f.cursor, e.license_id, e.seq, e.time, e.email, e.action, e.source, e.actor, e.detail
		FROM feed f JOIN events e ON e.license_id = f.license_id AND e.seq = f.seq
		WHERE f.cursor > $1 ORDER BY f.cursor LIMIT $2`
	args := []any{after, limit}
	if q.License != "" {
		sql = `SELECT f.cursor, e.license_id, e.seq, e.time, e.email, e.action, e.source, e.actor, e.detail
			FROM feed f JOIN events e ON e.license_id = f.license_id AND e.seq = f.seq
			WHERE f.license_id = $3 AND f.cursor > $1 ORDER BY f.cursor LIMIT $2`
		args = append(args, q.License)
	}
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read the change feed after %d: %w", q.After, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (license.FeedEvent, error) {
		var fe license.FeedEvent
		var cur, seq, t int64
		var action, source string
		err := r.Scan(&cur, &fe.License, &seq, &t, &fe.Email, &action, &source, &fe.Actor, &fe.Detail)
		fe.Cursor, fe.Seq, fe.Time, fe.Action, fe.Source = uint64(cur), uint64(seq), fromNanos(t), license.Action(action), license.Source(source)
		return fe, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the change feed after %d: %w", q.After, err)
	}
	return out, nil
}

// feedEnd is the last cursor committed.
func feedEnd(ctx context.Context, tx pgx.Tx) (uint64, error) {
	var c int64
	err := tx.QueryRow(ctx, `SELECT cursor FROM feed_state WHERE id = 1`).Scan(&c)
	return uint64(c), err
}

// PutWebhook implements license.Outbox. A new webhook starts at the end of
// the feed: it delivers what happens from now on.
func (s *Store) PutWebhook(ctx context.Context, w license.Webhook) (license.Webhook, error) {
	if w.ID == "" || strings.IndexByte(w.ID, 0) >= 0 {
		return license.Webhook{}, fmt.Errorf("store webhook: %w", &license.FieldError{Field: "id", Value: w.ID, Reason: "is required and may not contain NUL"})
	}
	if err := license.CheckWebhookURL(w.URL, w.InsecureLoopback); err != nil {
		return license.Webhook{}, fmt.Errorf("store webhook %s: %w", w.ID, err)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := licenseExists(ctx, tx, w.License); err != nil {
			return err
		}
		var raw []byte
		err := tx.QueryRow(ctx, `SELECT record FROM webhooks WHERE id = $1 FOR UPDATE`, w.ID).Scan(&raw)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if w.Cursor, err = feedEnd(ctx, tx); err != nil {
				return err
			}
			w.Created = s.now()
		case err != nil:
			return err
		default:
			var prev license.Webhook
			if err := json.Unmarshal(raw, &prev); err != nil {
				return fmt.Errorf("webhook %s: %w", w.ID, err)
			}
			w.Cursor, w.Created = prev.Cursor, prev.Created
			if prev.License != w.License {
				// Another license's feed: start at its end.
				if w.Cursor, err = feedEnd(ctx, tx); err != nil {
					return err
				}
			}
		}
		v, err := json.Marshal(w)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO webhooks (id, license_id, record) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET license_id = excluded.license_id, record = excluded.record`, w.ID, w.License, v)
		return err
	})
	if err != nil {
		return license.Webhook{}, fmt.Errorf("store webhook %s: %w", w.ID, err)
	}
	return w, nil
}

// Webhooks implements license.Outbox.
func (s *Store) Webhooks(ctx context.Context, licenseID string) ([]license.Webhook, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, record FROM webhooks WHERE $1 = '' OR license_id = $1 ORDER BY id`, licenseID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (license.Webhook, error) {
		var id string
		var raw []byte
		var w license.Webhook
		if err := r.Scan(&id, &raw); err != nil {
			return w, err
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			return w, fmt.Errorf("webhook %s: %w", id, err)
		}
		return w, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// DeleteWebhook implements license.Outbox.
func (s *Store) DeleteWebhook(ctx context.Context, id string) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("webhook %q: %w", id, license.ErrNotFound)
		}
		_, err = tx.Exec(ctx, `DELETE FROM dead_letters WHERE webhook_id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

// AdvanceWebhook implements license.Outbox.
func (s *Store) AdvanceWebhook(ctx context.Context, id string, cursor uint64, dead *license.DeadLetter) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var raw []byte
		err := tx.QueryRow(ctx, `SELECT record FROM webhooks WHERE id = $1 FOR UPDATE`, id).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("webhook %q: %w", id, license.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var w license.Webhook
		if err := json.Unmarshal(raw, &w); err != nil {
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
			if _, err := tx.Exec(ctx, `INSERT INTO dead_letters (webhook_id, cursor, record) VALUES ($1, $2, $3)
				ON CONFLICT (webhook_id, cursor) DO UPDATE SET record = excluded.record`, id, int64(min(cursor, math.MaxInt64)), dv); err != nil {
				return err
			}
		}
		w.Cursor = cursor
		nv, err := json.Marshal(w)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE webhooks SET record = $2 WHERE id = $1`, id, nv)
		return err
	})
	if err != nil {
		return fmt.Errorf("advance webhook %s to %d: %w", id, cursor, err)
	}
	return nil
}

// DeadLetters implements license.Outbox.
func (s *Store) DeadLetters(ctx context.Context, id string) ([]license.DeadLetter, error) {
	rows, err := s.pool.Query(ctx, `SELECT record FROM dead_letters WHERE webhook_id = $1 ORDER BY cursor`, id)
	if err != nil {
		return nil, fmt.Errorf("dead letters of webhook %s: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (license.DeadLetter, error) {
		var raw []byte
		var d license.DeadLetter
		if err := r.Scan(&raw); err != nil {
			return d, err
		}
		return d, json.Unmarshal(raw, &d)
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters of webhook %s: %w", id, err)
	}
	return out, nil
}
