package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
)

func keyHashArg(h []byte) any {
	if len(h) == 0 {
		return nil
	}
	return h
}

// insertEvent appends ev to the license's trail as event seq. (Apply
// writes its events in bulk instead.)
func insertEvent(ctx context.Context, tx pgx.Tx, seq uint64, ev *license.Event) error {
	_, err := tx.Exec(ctx, `INSERT INTO events (`+eventCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		ev.License, int64(seq), nanos(ev.Time), ev.Email, string(ev.Action), string(ev.Source), ev.Actor, ev.Detail)
	return err
}

// CreateLicense implements license.Store.
func (s *Store) CreateLicense(ctx context.Context, l license.License) (license.License, error) {
	if err := ctx.Err(); err != nil {
		return license.License{}, err
	}
	l = l.Clone()
	if l.ID == "" {
		l.ID = license.NewID()
	}
	l.Created = s.clock(l.Created)
	if !l.Expires.IsZero() {
		l.Expires = l.Expires.UTC().Round(0)
	}
	l.Used = 0
	if err := l.Normalize(); err != nil {
		return license.License{}, fmt.Errorf("create license: %w", err)
	}
	raw, err := json.Marshal(&l)
	if err != nil {
		return license.License{}, fmt.Errorf("create license %q: %w", l.ID, err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO licenses (id, record, event_seq, key_hash) VALUES ($1, $2, 1, $3) ON CONFLICT (id) DO NOTHING`,
			l.ID, raw, keyHashArg(l.Key.Hash))
		if isUnique(err, "licenses_key_hash_key") {
			return &license.FieldError{Field: "key", Reason: "is already the key of another license"}
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("license %q: %w", l.ID, license.ErrExists)
		}
		if err := setDomains(ctx, tx, l.ID, nil, l.Domains); err != nil {
			return err
		}
		return insertEvent(ctx, tx, 1, &license.Event{Time: l.Created, License: l.ID, Action: license.ActionLicenseCreated,
			Detail: fmt.Sprintf("%s license %q with %d seats", l.Type, l.Name, l.Seats)})
	})
	if err != nil {
		return license.License{}, fmt.Errorf("create license %q: %w", l.ID, err)
	}
	s.log.Info("license created", slog.String("license", l.ID), slog.Int("seats", l.Seats))
	return l, nil
}

// setDomains moves a license's domain entries from old to cur.
func setDomains(ctx context.Context, tx pgx.Tx, id string, old, cur []string) error {
	var gone, came []string
	for _, d := range old {
		if !slices.Contains(cur, d) {
			gone = append(gone, d)
		}
	}
	for _, d := range cur {
		if !slices.Contains(old, d) {
			came = append(came, d)
		}
	}
	if len(gone) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM license_domains WHERE license_id = $1 AND domain = ANY($2)`, id, gone); err != nil {
			return err
		}
	}
	if len(came) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO license_domains (domain, license_id) SELECT d, $1 FROM unnest($2::text[]) AS d`, id, came); err != nil {
			return err
		}
	}
	return nil
}

// GetLicense implements license.Store.
func (s *Store) GetLicense(ctx context.Context, id string) (license.License, error) {
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT record FROM licenses WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return license.License{}, fmt.Errorf("get license: license %q: %w", id, license.ErrNotFound)
	}
	if err != nil {
		return license.License{}, fmt.Errorf("get license %q: %w", id, err)
	}
	return decodeLicense(id, raw)
}

// ListLicenses implements license.Store.
func (s *Store) ListLicenses(ctx context.Context) ([]license.License, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, record FROM licenses ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list licenses: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (license.License, error) {
		var id string
		var raw []byte
		if err := r.Scan(&id, &raw); err != nil {
			return license.License{}, err
		}
		return decodeLicense(id, raw)
	})
	if err != nil {
		return nil, fmt.Errorf("list licenses: %w", err)
	}
	return out, nil
}

// UpdateLicense implements license.Store.
func (s *Store) UpdateLicense(ctx context.Context, id string, actor string, fn func(*license.License) error) (license.License, error) {
	if err := ctx.Err(); err != nil {
		return license.License{}, err
	}
	var out license.License
	err := s.tx(ctx, func(tx pgx.Tx) error {
		old, seq, err := lockLicense(ctx, tx, id)
		if err != nil {
			return err
		}
		l, after, err := license.Update(old, fn)
		if err != nil {
			return err
		}
		out = l
		if after == nil {
			return nil // nothing to write
		}
		now := s.clock(time.Time{})
		var evs []license.Event
		if !bytes.Equal(old.Key.Hash, l.Key.Hash) {
			evs = append(evs, license.Event{Time: now, License: id, Action: license.ActionKeyRotated, Actor: actor, Detail: "new key " + l.Key.Prefix + "…"})
		}
		if detail := license.LicenseDiff(&old, &l); detail != "" {
			evs = append(evs, license.Event{Time: now, License: id, Action: license.ActionLicenseUpdated, Actor: actor, Detail: detail})
		}
		for i := range evs {
			seq++
			if err := insertEvent(ctx, tx, seq, &evs[i]); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE licenses SET record = $2, key_hash = $3, event_seq = $4 WHERE id = $1`, id, after, keyHashArg(l.Key.Hash), int64(seq))
		if isUnique(err, "licenses_key_hash_key") {
			return &license.FieldError{Field: "key", Reason: "is already the key of another license"}
		}
		if err != nil {
			return err
		}
		return setDomains(ctx, tx, id, old.Domains, l.Domains)
	})
	if err != nil {
		return license.License{}, fmt.Errorf("update license %q: %w", id, err)
	}
	return out, nil
}

// DeleteLicense implements license.Store: the license row goes first, so
// that its lock waits for any Apply in progress, then what hangs off it.
func (s *Store) DeleteLicense(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM licenses WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("license %q: %w", id, license.ErrNotFound)
		}
		for _, table := range []string{"members", "claims", "events", "feed"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE license_id = $1`, id); err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete license %q: %w", id, err)
	}
	s.log.Info("license deleted", slog.String("license", id))
	return nil
}

// LicenseByKey implements license.Store.
func (s *Store) LicenseByKey(ctx context.Context, keyHash []byte) (license.License, error) {
	if len(keyHash) == 0 {
		return license.License{}, fmt.Errorf("license by key: %w", license.ErrNotFound)
	}
	var id string
	var raw []byte
	err := s.pool.QueryRow(ctx, `SELECT id, record FROM licenses WHERE key_hash = $1`, keyHash).Scan(&id, &raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return license.License{}, fmt.Errorf("license by key: %w", license.ErrNotFound)
	}
	if err != nil {
		// The hash is not a secret, but it is not useful in a message either.
		return license.License{}, fmt.Errorf("license by key: %w", err)
	}
	return decodeLicense(id, raw)
}
