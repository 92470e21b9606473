package fakefault

import (
	"context"
	"sync"
	"testing"
	"time"
)

type kind string

func TestTake(t *testing.T) {
	cases := []struct {
		name string
		arm  func(s *Set[kind])
		want []Request[kind] // in order; then nothing pending
	}{
		{"nothing armed", func(*Set[kind]) {}, nil},
		{"rate limits carry kind and wait", func(s *Set[kind]) { s.RateLimit("user", 2, 3*time.Second) }, []Request[kind]{
			{RateLimited: true, Kind: "user", RetryAfter: 3 * time.Second},
			{RateLimited: true, Kind: "user", RetryAfter: 3 * time.Second},
		}},
		{"server errors are numbered", func(s *Set[kind]) { s.ServerErrors(502, 3) }, []Request[kind]{
			{Code: 502, Served: 1}, {Code: 502, Served: 2}, {Code: 502, Served: 3},
		}},
		{"rate limits come before server errors", func(s *Set[kind]) { s.ServerErrors(503, 1); s.RateLimit("quota", 1, 0) }, []Request[kind]{
			{RateLimited: true, Kind: "quota"}, {Code: 503, Served: 1},
		}},
		{"rearming replaces the count", func(s *Set[kind]) { s.ServerErrors(500, 5); s.ServerErrors(504, 1) }, []Request[kind]{
			{Code: 504, Served: 1},
		}},
		{"clear disarms", func(s *Set[kind]) { s.RateLimit("q", 4, 0); s.ServerErrors(500, 4); s.Clear() }, nil},
		{"numbering survives clear", func(s *Set[kind]) {
			s.ServerErrors(500, 1)
			s.Take()
			s.Clear()
			s.ServerErrors(500, 1)
		}, []Request[kind]{{Code: 500, Served: 2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s Set[kind]
			tc.arm(&s)
			for i, want := range tc.want {
				got, ok := s.Take()
				if !ok || got != want {
					t.Fatalf("take %d = %+v, %v; want %+v, true", i+1, got, ok, want)
				}
			}
			if got, ok := s.Take(); ok {
				t.Errorf("take after %d = %+v; want nothing pending", len(tc.want), got)
			}
		})
	}
}

func TestAtPage(t *testing.T) {
	cases := []struct {
		name  string
		arm   func(s *Set[kind])
		pages []int
		want  []Page
	}{
		{"nothing armed", func(*Set[kind]) {}, []int{1, 2}, []Page{{}, {}}},
		{"fail on one page every time", func(s *Set[kind]) { s.FailOnPage(2, 503) }, []int{1, 2, 3, 2}, []Page{{}, {FailCode: 503}, {}, {FailCode: 503}}},
		{"fail on page 0 is off", func(s *Set[kind]) { s.FailOnPage(0, 400) }, []int{1}, []Page{{}}},
		{"truncate the next n", func(s *Set[kind]) { s.Truncate(2) }, []int{1, 2, 3}, []Page{{Truncate: true}, {Truncate: true}, {}}},
		{"a failing page does not use a truncation", func(s *Set[kind]) { s.FailOnPage(1, 400); s.Truncate(1) }, []int{1, 2, 3}, []Page{{FailCode: 400}, {Truncate: true}, {}}},
		{"empty while on", func(s *Set[kind]) { s.SetEmpty(true) }, []int{1, 5}, []Page{{Empty: true}, {Empty: true}}},
		{"clear turns pages back on", func(s *Set[kind]) { s.FailOnPage(1, 500); s.Truncate(3); s.SetEmpty(true); s.Clear() }, []int{1, 2}, []Page{{}, {}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s Set[kind]
			tc.arm(&s)
			for i, n := range tc.pages {
				got, ok := s.AtPage(context.Background(), n)
				if !ok || got != tc.want[i] {
					t.Errorf("page %d (call %d) = %+v, %v; want %+v, true", n, i+1, got, ok, tc.want[i])
				}
			}
			if s.Empty() != tc.want[len(tc.want)-1].Empty {
				t.Errorf("Empty() = %v, disagrees with the pages", s.Empty())
			}
		})
	}
}

// A slow page gives up as soon as the client has gone, and a client gone
// during the wait gets no page to write.
func TestAtPageClientGone(t *testing.T) {
	var s Set[kind]
	s.SlowPages(time.Hour)
	s.FailOnPage(1, 500)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p, ok := s.AtPage(ctx, 1); ok || p != (Page{}) {
		t.Errorf("AtPage with the client gone = %+v, %v; want zero page, false", p, ok)
	}
}

// However many requests race for them, exactly the armed number of
// faults is handed out.
func TestTakeConcurrent(t *testing.T) {
	const armed, workers, each = 37, 8, 20
	var s Set[kind]
	s.RateLimit("q", armed, 0)
	s.ServerErrors(500, armed)
	s.Truncate(armed)
	var mu sync.Mutex
	var rate, server, trunc int
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				req, ok := s.Take()
				p, _ := s.AtPage(context.Background(), 1)
				mu.Lock()
				if ok && req.RateLimited {
					rate++
				} else if ok {
					server++
				}
				if p.Truncate {
					trunc++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if rate != armed || server != armed || trunc != armed {
		t.Errorf("handed out %d rate limits, %d server errors, %d truncations; want %d of each", rate, server, trunc, armed)
	}
}
