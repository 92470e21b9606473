package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
)

// licenseBucket returns the bucket of license id, or ErrNotFound.
func licenseBucket(tx *bbolt.Tx, id string) (*bbolt.Bucket, error) {
	b := tx.Bucket(bucketLicenses).Bucket([]byte(id))
	if b == nil {
		return nil, fmt.Errorf("license %q: %w", id, license.ErrNotFound)
	}
	return b, nil
}

func readLicense(lb *bbolt.Bucket, id string) (license.License, error) {
	var l license.License
	if err := json.Unmarshal(lb.Get(keyRecord), &l); err != nil {
		return l, fmt.Errorf("license %q record: %w", id, err)
	}
	return l, nil
}

func writeLicense(lb *bbolt.Bucket, l *license.License) error {
	v, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("license %q record: %w", l.ID, err)
	}
	return lb.Put(keyRecord, v)
}

// addEvent appends ev to the license's trail and the member's index.
// (Apply's writer has its own path, which writes the index in key order.)
func addEvent(lb *bbolt.Bucket, ev *license.Event) error {
	eb := lb.Bucket(bucketEvents)
	eb.FillPercent = 0.95 // keys only ever grow
	seq, err := eb.NextSequence()
	if err != nil {
		return err
	}
	// bbolt copies keys but keeps the value until commit: a fresh one.
	if err := eb.Put(u64(seq), encodeEvent(nil, ev)); err != nil {
		return err
	}
	if ev.Email != "" {
		if err := lb.Bucket(bucketMemberEvents).Put(binary.BigEndian.AppendUint64(prefix(ev.Email), seq), nil); err != nil {
			return err
		}
	}
	return nil
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
	if l.Created.IsZero() {
		l.Created = s.clock(l.Created)
	}
	l.Created = l.Created.UTC().Round(0)
	if !l.Expires.IsZero() {
		l.Expires = l.Expires.UTC().Round(0)
	}
	l.Used = 0
	if err := l.Normalize(); err != nil {
		return license.License{}, fmt.Errorf("create license: %w", err)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		all := tx.Bucket(bucketLicenses)
		if all.Bucket([]byte(l.ID)) != nil {
			return fmt.Errorf("license %q: %w", l.ID, license.ErrExists)
		}
		lb, err := all.CreateBucket([]byte(l.ID))
		if err != nil {
			return err
		}
		for _, name := range licenseBuckets {
			if _, err := lb.CreateBucket(name); err != nil {
				return err
			}
		}
		if err := writeLicense(lb, &l); err != nil {
			return err
		}
		if err := indexLicense(tx, nil, &l); err != nil {
			return err
		}
		return addEvent(lb, &license.Event{Time: l.Created, License: l.ID, Action: license.ActionLicenseCreated,
			Detail: fmt.Sprintf("%s license %q with %d seats", l.Type, l.Name, l.Seats)})
	})
	if err != nil {
		return license.License{}, fmt.Errorf("create license %q: %w", l.ID, err)
	}
	s.cache.drop(l.ID)
	s.log.Info("license created", slog.String("license", l.ID), slog.Int("seats", l.Seats))
	return l, nil
}

// indexLicense moves the license's key and domain entries from old to l
// (old nil: a new license; l nil: a deleted one).
func indexLicense(tx *bbolt.Tx, old, l *license.License) error {
	keys, domains := tx.Bucket(bucketKeys), tx.Bucket(bucketDomains)
	var oldHash, newHash []byte
	var oldDomains, newDomains []string
	id := ""
	if old != nil {
		oldHash, oldDomains, id = old.Key.Hash, old.Domains, old.ID
	}
	if l != nil {
		newHash, newDomains, id = l.Key.Hash, l.Domains, l.ID
	}
	if !bytes.Equal(oldHash, newHash) {
		if len(oldHash) > 0 {
			if err := keys.Delete(oldHash); err != nil {
				return err
			}
		}
		if len(newHash) > 0 {
			if owner := keys.Get(newHash); owner != nil && string(owner) != id {
				return &license.FieldError{Field: "key", Reason: "is already the key of another license"}
			}
			if err := keys.Put(newHash, []byte(id)); err != nil {
				return err
			}
		}
	}
	for _, d := range oldDomains {
		if !slices.Contains(newDomains, d) {
			if err := domains.Delete(pair(d, id)); err != nil {
				return err
			}
		}
	}
	for _, d := range newDomains {
		if err := domains.Put(pair(d, id), nil); err != nil {
			return err
		}
	}
	return nil
}

// GetLicense implements license.Store.
func (s *Store) GetLicense(ctx context.Context, id string) (license.License, error) {
	if err := ctx.Err(); err != nil {
		return license.License{}, err
	}
	var l license.License
	err := s.db.View(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, id)
		if err != nil {
			return err
		}
		l, err = readLicense(lb, id)
		return err
	})
	if err != nil {
		return license.License{}, fmt.Errorf("get license: %w", err)
	}
	return l, nil
}

// ListLicenses implements license.Store.
func (s *Store) ListLicenses(ctx context.Context) ([]license.License, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []license.License
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketLicenses).ForEachBucket(func(k []byte) error {
			id := string(k)
			l, err := readLicense(tx.Bucket(bucketLicenses).Bucket(k), id)
			if err != nil {
				return err
			}
			out = append(out, l)
			return nil
		})
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
	err := s.db.Update(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, id)
		if err != nil {
			return err
		}
		old, err := readLicense(lb, id)
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
		if err := lb.Put(keyRecord, after); err != nil {
			return err
		}
		if err := indexLicense(tx, &old, &l); err != nil {
			return err
		}
		now := s.clock(time.Time{})
		if !bytes.Equal(old.Key.Hash, l.Key.Hash) {
			if err := addEvent(lb, &license.Event{Time: now, License: id, Action: license.ActionKeyRotated, Actor: actor,
				Detail: "new key " + l.Key.Prefix + "…"}); err != nil {
				return err
			}
		}
		if detail := license.LicenseDiff(&old, &l); detail != "" {
			if err := addEvent(lb, &license.Event{Time: now, License: id, Action: license.ActionLicenseUpdated, Actor: actor, Detail: detail}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return license.License{}, fmt.Errorf("update license %q: %w", id, err)
	}
	s.cache.drop(id)
	return out, nil
}

// DeleteLicense implements license.Store.
func (s *Store) DeleteLicense(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		lb, err := licenseBucket(tx, id)
		if err != nil {
			return err
		}
		l, err := readLicense(lb, id)
		if err != nil {
			return err
		}
		emails := tx.Bucket(bucketEmails)
		if err := lb.Bucket(bucketMembers).ForEach(func(k, _ []byte) error {
			return emails.Delete(pair(string(k), id))
		}); err != nil {
			return err
		}
		if err := indexLicense(tx, &l, nil); err != nil {
			return err
		}
		return tx.Bucket(bucketLicenses).DeleteBucket([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete license %q: %w", id, err)
	}
	s.cache.drop(id)
	s.log.Info("license deleted", slog.String("license", id))
	return nil
}

// LicenseByKey implements license.Store.
func (s *Store) LicenseByKey(ctx context.Context, keyHash []byte) (license.License, error) {
	if err := ctx.Err(); err != nil {
		return license.License{}, err
	}
	var l license.License
	err := s.db.View(func(tx *bbolt.Tx) error {
		if len(keyHash) == 0 {
			return license.ErrNotFound
		}
		id := tx.Bucket(bucketKeys).Get(keyHash)
		if id == nil {
			return license.ErrNotFound
		}
		lb, err := licenseBucket(tx, string(id))
		if err != nil {
			return err
		}
		l, err = readLicense(lb, string(id))
		return err
	})
	if err != nil {
		// The hash is not a secret, but it is not useful in a message either.
		return license.License{}, fmt.Errorf("license by key: %w", err)
	}
	return l, nil
}
