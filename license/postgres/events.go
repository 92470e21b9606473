package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
)

// Events implements license.Store. A member's events come through the
// events_by_member index.
func (s *Store) Events(ctx context.Context, licenseID string, q license.EventQuery) ([]license.Event, error) {
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
	var limit any // NULL: no limit
	if q.Limit > 0 {
		limit = q.Limit
	}
	var out []license.Event
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := licenseExists(ctx, tx, licenseID); err != nil {
			return err
		}
		var rows pgx.Rows
		var err error
		if email == "" {
			rows, err = tx.Query(ctx, `SELECT `+eventCols+` FROM events WHERE license_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
				licenseID, int64(min(q.After, math.MaxInt64)), limit)
		} else {
			rows, err = tx.Query(ctx, `SELECT `+eventCols+` FROM events WHERE license_id = $1 AND email = $4 AND email <> '' AND seq > $2 ORDER BY seq LIMIT $3`,
				licenseID, int64(min(q.After, math.MaxInt64)), limit, email)
		}
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (license.Event, error) { return scanEvent(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("events of license %q: %w", licenseID, err)
	}
	return out, nil
}
