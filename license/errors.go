package license

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrNotFound: the license, member or key does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a license with that id already exists.
	ErrExists = errors.New("already exists")
	// ErrExpired: the license has expired and takes no new members.
	ErrExpired = errors.New("license expired")
	// ErrSeatLimit: the change would put more members on the license than it has seats.
	ErrSeatLimit = errors.New("seat limit reached")
	// ErrInvalid: input failed validation; the error text names the field.
	ErrInvalid = errors.New("invalid")
)

// FieldError is bad input in one named field. It wraps ErrInvalid.
type FieldError struct {
	Field  string // e.g. "email", "seats", "domains[2]"
	Value  string // the offending value, never a secret
	Reason string
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, value, format string, args ...any) error {
	return &FieldError{Field: field, Value: value, Reason: fmt.Sprintf(format, args...)}
}
