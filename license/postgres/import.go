package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
)

// ImportStats counts what Import copied.
type ImportStats struct {
	Licenses     int `json:"licenses"`
	Members      int `json:"members"`
	Events       int `json:"events"`
	FeedEntries  int `json:"feed_entries"`
	Webhooks     int `json:"webhooks"`
	DeadLetters  int `json:"dead_letters"`
	DomainAdmins int `json:"domain_admins"`
}

// ErrNotEmpty: Import refuses a database that already holds licenses.
var ErrNotEmpty = fmt.Errorf("the PostgreSQL store already holds licenses: import only into an empty one")

// Import copies everything src holds into s, which must hold no license:
// licenses as stored (ids, keys, seat counts, creation times), members
// with every claim and its first/last seen times, each license's audit
// trail with its sequence numbers, the change feed with its cursors, and
// webhooks with their delivery cursors and dead letters, so a webhook
// resumes where it was. It all commits in one transaction: a failure
// leaves s empty.
//
// Domain admins are read per domain, and license.Store cannot list
// domains: Import asks for every domain that a license is deployed to,
// that a license admin or a member has an address in.
func (s *Store) Import(ctx context.Context, src license.Store, progress func(format string, args ...any)) (ImportStats, error) {
	var st ImportStats
	if progress == nil {
		progress = func(string, ...any) {}
	}
	ls, err := src.ListLicenses(ctx)
	if err != nil {
		return st, fmt.Errorf("import: %w", err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM licenses`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrNotEmpty
		}
		domains := map[string]bool{}
		for _, l := range ls {
			for _, d := range l.Domains {
				domains[d] = true
			}
			for _, a := range l.Admins {
				domains[license.EmailDomain(a)] = true
			}
			if err := s.importLicense(ctx, tx, src, l, domains, &st); err != nil {
				return fmt.Errorf("license %s: %w", l.ID, err)
			}
			progress("license %s: %d members", l.ID, l.Used)
		}
		if err := importFeed(ctx, tx, src, &st); err != nil {
			return err
		}
		for _, d := range slices.Sorted(func(yield func(string) bool) {
			for d := range domains {
				if !yield(d) {
					return
				}
			}
		}) {
			admins, err := src.DomainAdmins(ctx, d)
			if err != nil {
				return fmt.Errorf("domain admins of %s: %w", d, err)
			}
			for _, a := range admins {
				if _, err := tx.Exec(ctx, `INSERT INTO domain_admins (domain, email) VALUES ($1, $2) ON CONFLICT DO NOTHING`, d, a); err != nil {
					return err
				}
				st.DomainAdmins++
			}
		}
		return nil
	})
	if err != nil {
		return ImportStats{}, fmt.Errorf("import: %w", err)
	}
	return st, nil
}

func (s *Store) importLicense(ctx context.Context, tx pgx.Tx, src license.Store, l license.License, domains map[string]bool, st *ImportStats) error {
	rec, err := json.Marshal(&l)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO licenses (id, record, event_seq, key_hash) VALUES ($1, $2, 0, $3)`, l.ID, rec, keyHashArg(l.Key.Hash)); err != nil {
		return err
	}
	if err := setDomains(ctx, tx, l.ID, nil, l.Domains); err != nil {
		return err
	}
	st.Licenses++
	var members, claims [][]any
	opts := license.ListOptions{Limit: maxLimit}
	for {
		page, err := src.ListMembers(ctx, l.ID, opts)
		if err != nil {
			return err
		}
		for i := range page.Members {
			m := &page.Members[i]
			domains[license.EmailDomain(m.Email)] = true
			row, err := rowOf(m)
			if err != nil {
				return err
			}
			members = append(members, []any{l.ID, row.email, row.name, row.nameKey, row.role, row.orgUnit, row.added, row.firstSource, row.revoked, row.claims})
			for j := range m.Claims {
				raw := encodeClaim(&m.Claims[j])
				claims = append(claims, []any{l.ID, string(m.Claims[j].Source), m.Email, raw, len(m.Claims) == 1})
			}
		}
		if page.Next == "" {
			break
		}
		opts.Cursor = page.Next
	}
	if len(members) != l.Used {
		return fmt.Errorf("the source lists %d members but its record says %d used: check the source store first", len(members), l.Used)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"members"},
		[]string{"license_id", "email", "name", "name_key", "role", "org_unit", "added", "first_source", "revoked", "claims"},
		pgx.CopyFromRows(members)); err != nil {
		return fmt.Errorf("members: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"claims"}, []string{"license_id", "source", "email", "claim", "sole"}, pgx.CopyFromRows(claims)); err != nil {
		return fmt.Errorf("claims: %w", err)
	}
	st.Members += len(members)
	evs, err := src.Events(ctx, l.ID, license.EventQuery{})
	if err != nil {
		return err
	}
	rows := make([][]any, len(evs))
	var last uint64
	for i := range evs {
		ev := &evs[i]
		rows[i] = []any{l.ID, int64(ev.Seq), nanos(ev.Time), ev.Email, string(ev.Action), string(ev.Source), ev.Actor, ev.Detail}
		last = max(last, ev.Seq)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, []string{"license_id", "seq", "time", "email", "action", "source", "actor", "detail"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("events: %w", err)
	}
	st.Events += len(evs)
	_, err = tx.Exec(ctx, `UPDATE licenses SET event_seq = $2 WHERE id = $1`, l.ID, int64(last))
	return err
}

// importFeed copies the feed with its cursors, then the webhooks and
// their dead letters, when src keeps them.
func importFeed(ctx context.Context, tx pgx.Tx, src license.Store, st *ImportStats) error {
	o, ok := src.(license.Outbox)
	if !ok {
		return nil
	}
	var end uint64
	var rows [][]any
	for after := uint64(0); ; {
		page, err := o.Feed(ctx, license.FeedQuery{After: after, Limit: 10000})
		if err != nil {
			return err
		}
		for _, fe := range page {
			rows = append(rows, []any{int64(fe.Cursor), fe.License, int64(fe.Seq)})
			after = fe.Cursor
		}
		end = max(end, after)
		if len(page) == 0 {
			break
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"feed"}, []string{"cursor", "license_id", "seq"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	st.FeedEntries = len(rows)
	hooks, err := o.Webhooks(ctx, "")
	if err != nil {
		return err
	}
	for _, w := range hooks {
		end = max(end, w.Cursor)
		v, err := json.Marshal(w)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhooks (id, license_id, record) VALUES ($1, $2, $3)`, w.ID, w.License, v); err != nil {
			return err
		}
		st.Webhooks++
		dls, err := o.DeadLetters(ctx, w.ID)
		if err != nil {
			return err
		}
		for _, d := range dls {
			dv, err := json.Marshal(d)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO dead_letters (webhook_id, cursor, record) VALUES ($1, $2, $3)`, w.ID, int64(d.Cursor), dv); err != nil {
				return err
			}
			st.DeadLetters++
		}
	}
	// New entries continue after the last cursor any webhook has seen.
	_, err = tx.Exec(ctx, `UPDATE feed_state SET cursor = greatest(cursor, $1) WHERE id = 1`, int64(end))
	return err
}
