package license

import (
	"context"
	"fmt"
	"time"
)

// Redeem puts email on the license whose key is plaintext, with a claim of
// source "key". A wrong key is ErrNotFound (the error never echoes the key);
// an expired license is ErrExpired; a full one is ErrSeatLimit.
func Redeem(ctx context.Context, s Store, plaintext, email string, now time.Time) (License, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return License{}, err
	}
	l, err := s.LicenseByKey(ctx, HashKey(plaintext))
	if err != nil {
		return License{}, fmt.Errorf("redeem: no license has that key: %w", err)
	}
	if l.Expired(now) {
		return License{}, fmt.Errorf("redeem: license %s expired on %s: %w", l.ID, l.Expires.Format(time.DateOnly), ErrExpired)
	}
	res, err := s.Apply(ctx, l.ID, []Change{{Op: OpUpsert, Email: e, Source: SourceKey, Role: RoleStudent}},
		ApplyOptions{Actor: e, Now: now, Atomic: true, AllOrNothingSeats: true})
	if err != nil {
		return License{}, fmt.Errorf("redeem %s on license %s: %w", e, l.ID, err)
	}
	if len(res.Overflow) > 0 {
		return License{}, fmt.Errorf("redeem %s on license %s: %s: %w", e, l.ID, res.Overflow[0].Reason, ErrSeatLimit)
	}
	return s.GetLicense(ctx, l.ID)
}

// RotateKey gives the license a new key and returns its plaintext, to be
// shown once. The old key stops working at once.
func RotateKey(ctx context.Context, s Store, id, actor string, now time.Time) (string, License, error) {
	plain, k := NewKey(now)
	l, err := s.UpdateLicense(ctx, id, actor, func(l *License) error {
		l.Key = k
		return nil
	})
	if err != nil {
		return "", License{}, fmt.Errorf("rotate key of license %s: %w", id, err)
	}
	return plain, l, nil
}
