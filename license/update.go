package license

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Clone copies l so that no slice, map or key hash is shared with it.
func (l License) Clone() License {
	l.Domains = slices.Clone(l.Domains)
	l.Admins = slices.Clone(l.Admins)
	l.Features = maps.Clone(l.Features)
	l.Key.Hash = bytes.Clone(l.Key.Hash)
	return l
}

// Update is what every store's UpdateLicense does between reading the
// stored license and writing it: fn edits a copy of old; what a store
// keeps (id, created, used) may not change; the result is normalized and
// must still hold its members. It returns the license to store and its
// JSON encoding, or a nil encoding when it equals old (nothing to write).
func Update(old License, fn func(*License) error) (License, []byte, error) {
	l := old.Clone()
	if err := fn(&l); err != nil {
		return License{}, nil, err
	}
	switch {
	case l.ID != old.ID:
		return License{}, nil, &FieldError{Field: "id", Value: l.ID, Reason: "cannot be changed"}
	case !l.Created.Equal(old.Created):
		return License{}, nil, &FieldError{Field: "created", Value: l.Created.String(), Reason: "cannot be changed"}
	case l.Used != old.Used:
		return License{}, nil, &FieldError{Field: "used", Reason: "is kept by the store and cannot be set"}
	}
	l.Created = old.Created
	if !l.Expires.IsZero() {
		l.Expires = l.Expires.UTC().Round(0)
	}
	if err := l.Normalize(); err != nil {
		return License{}, nil, err
	}
	if l.Seats < l.Used {
		return License{}, nil, fmt.Errorf("seats %d is below the %d members on the license: %w", l.Seats, l.Used, ErrSeatLimit)
	}
	before, _ := json.Marshal(&old)
	after, err := json.Marshal(&l)
	if err != nil {
		return License{}, nil, err
	}
	if bytes.Equal(before, after) {
		return l, nil, nil
	}
	return l, after, nil
}
