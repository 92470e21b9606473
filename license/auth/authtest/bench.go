package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license/auth"
)

// Benchmark measures what every request and sign-in costs on a backend:
// Authenticate (an API call with a bearer token), Session (a dashboard
// request with a cookie, which also reads the session's token) and
// CreateSession (a sign-in, with its sweep). open gives empty storage.
// Backends report these beside a floor of their own (one bare read) so
// the figures read as ratios.
func Benchmark(b *testing.B, open func(b *testing.B) auth.Storage) {
	ctx := context.Background()
	st := open(b)
	b.Cleanup(func() { st.Close() })
	s := auth.New(st, auth.Options{})
	// Some tokens beside the one used, so lookups are not in a one-row table.
	var plain string
	for i := range 200 {
		p, _, err := s.CreateToken(ctx, "bench@district.org", auth.RoleAdmin, time.Hour, "")
		if err != nil {
			b.Fatal(err)
		}
		if i == 100 {
			plain = p
		}
	}
	p, err := s.Authenticate(ctx, plain)
	if err != nil {
		b.Fatal(err)
	}
	cookie, err := s.CreateSession(ctx, p, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Authenticate", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Authenticate(ctx, plain); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Session", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Session(ctx, cookie); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CreateSession", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.CreateSession(ctx, p, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
	})
}
