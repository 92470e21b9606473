package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Secret is a string that must never be shown: a token, a password, a
// private key. It prints, logs and marshals (YAML, JSON, any fmt verb) as
// "<secret>", so redaction cannot be forgotten at a call site. An empty
// Secret shows as empty, which tells an operator it is unset without
// telling anyone what it is. Read the value with Value.
type Secret string

const redacted = "<secret>"

// Value returns the secret itself, for the one place that must use it.
func (s Secret) Value() string { return string(s) }

func (s Secret) shown() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String implements fmt.Stringer.
func (s Secret) String() string { return s.shown() }

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.shown()) }

// Format makes every fmt verb (%v, %s, %q, %x, %d...) print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.shown())
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(s.shown()))
	default:
		_, _ = f.Write([]byte(s.shown()))
	}
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.shown()) }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.shown(), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.shown()) }
