package googledirectory

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors"
)

// harnesses lists the connectors these tables run against; a shared suite
// would take its harness as a parameter instead.
func harnesses() map[string]harness { return map[string]harness{"google-directory": googleHarness{}} }

func TestConformanceFetch(t *testing.T) {
	cases := []struct {
		name            string
		people, perPage int
		minPages        int64
	}{
		{"one page", 40, 500, 1},
		{"many pages", 1500, 20, 60},
		{"page size 1", 30, 1, 25},
	}
	for hname, h := range harnesses() {
		for _, tc := range cases {
			t.Run(hname+"/"+tc.name, func(t *testing.T) {
				f := h.open(t, tc.people, tc.perPage)
				sel := f.selection()
				got, err := collect(t, f.connector(), sel)
				if err != nil {
					t.Fatal(err)
				}
				comparePeople(t, got, f.want(sel))
				if n := f.listCalls(); n < tc.minPages {
					t.Errorf("%d listing calls, want at least %d: paging was not exercised", n, tc.minPages)
				}
			})
		}
	}
}

func comparePeople(t *testing.T, got, want map[string]connectors.Person) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("test district yields nobody: the test cannot fail")
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("missing %s (%s, %s)", id, w.Email, w.OrgUnit)
			continue
		}
		if g.Email != w.Email || g.Name != w.Name || g.OrgUnit != w.OrgUnit || g.Role != w.Role {
			t.Errorf("person %s = %+v, want %+v", id, g, w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected %s (%s, %s)", id, g.Email, g.OrgUnit)
		}
	}
}

// Retries: every signal kind recovers when it clears within the attempts,
// and fails cleanly (an error, counted retries) when it does not.
func TestConformanceRetries(t *testing.T) {
	kinds := []faultKind{faultRateLimit, faultServerError, faultTruncated}
	reasons := map[faultKind]string{faultRateLimit: reasonRateLimit, faultServerError: reasonServerError, faultTruncated: reasonNetwork}
	for hname, h := range harnesses() {
		for _, kind := range kinds {
			probe := h.open(t, 10, 50)
			for v := range probe.variants(kind) {
				for _, outlast := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s#%d/outlasts=%v", hname, kind, v, outlast)
					t.Run(name, func(t *testing.T) {
						f := h.open(t, 120, 50)
						sel := f.selection()
						n := 2
						if outlast {
							n = f.maxAttempts()
						}
						f.inject(kind, v, n)
						got, err := collect(t, f.connector(), sel)
						r := f.obs()
						if !outlast {
							if err != nil {
								t.Fatalf("Fetch after %d transient faults: %v", n, err)
							}
							comparePeople(t, got, f.want(sel))
							if c := r.retryCount(reasons[kind]); c != n {
								t.Errorf("%d retries with reason %s, want %d (all: %v)", c, reasons[kind], n, r.retries)
							}
							return
						}
						if err == nil {
							t.Fatalf("Fetch succeeded though the fault outlasted %d attempts", n)
						}
						if c := r.totalRetries(); c != n-1 {
							t.Errorf("%d retries before giving up, want %d", c, n-1)
						}
						if kind == faultRateLimit && !errors.Is(err, connectors.ErrRateLimited) {
							t.Errorf("error %v is not ErrRateLimited", err)
						}
					})
				}
			}
		}
	}
}

// A failure part way through paging fails the whole Fetch: a partial
// snapshot must never look complete.
func TestConformanceFailureMidPaging(t *testing.T) {
	for hname, h := range harnesses() {
		for _, retryable := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/retryable=%v", hname, retryable), func(t *testing.T) {
				f := h.open(t, 400, 20)
				f.failPage(3, retryable)
				pages := 0
				err := f.connector().Fetch(context.Background(), f.selection(), func([]connectors.Person) error {
					pages++
					return nil
				})
				if err == nil {
					t.Fatal("Fetch returned nil though page 3 failed")
				}
				if pages != 2 {
					t.Errorf("%d pages emitted before the failure, want 2", pages)
				}
				wantRetries := 0
				if retryable {
					wantRetries = f.maxAttempts() - 1
				}
				if c := f.obs().totalRetries(); c != wantRetries {
					t.Errorf("%d retries, want %d", c, wantRetries)
				}
			})
		}
	}
}

func TestConformanceCancellation(t *testing.T) {
	for hname, h := range harnesses() {
		t.Run(hname, func(t *testing.T) {
			f := h.open(t, 400, 20)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			pages := 0
			err := f.connector().Fetch(ctx, f.selection(), func([]connectors.Person) error {
				pages++
				if pages == 2 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Fetch after cancel = %v, want context.Canceled", err)
			}
			if pages != 2 {
				t.Errorf("%d pages emitted, want 2 (none after the cancel)", pages)
			}
		})
	}
}

func TestConformanceEmitError(t *testing.T) {
	stop := errors.New("store is full")
	for hname, h := range harnesses() {
		t.Run(hname, func(t *testing.T) {
			f := h.open(t, 200, 20)
			err := f.connector().Fetch(context.Background(), f.selection(), func([]connectors.Person) error { return stop })
			if !errors.Is(err, stop) {
				t.Fatalf("Fetch = %v, want the emit error", err)
			}
		})
	}
}

// An empty source is a complete, empty snapshot; guarding against it is
// the planner's job.
func TestConformanceEmptySource(t *testing.T) {
	for hname, h := range harnesses() {
		t.Run(hname, func(t *testing.T) {
			f := h.open(t, 200, 20)
			f.empty()
			got, err := collect(t, f.connector(), f.selection())
			if err != nil || len(got) != 0 {
				t.Fatalf("Fetch of an empty source = %d people, %v; want 0, nil", len(got), err)
			}
		})
	}
}

// Emails go out exactly as the source gives them; the planner normalizes.
func TestConformanceEmailsAsGiven(t *testing.T) {
	for hname, h := range harnesses() {
		for _, email := range []string{"Mixed.Case@District.Example.ORG", " padded@district.example.org"} {
			t.Run(hname+"/"+email, func(t *testing.T) {
				f := h.open(t, 50, 20)
				id := f.addPerson(t, email)
				got, err := collect(t, f.connector(), f.selection())
				if err != nil {
					t.Fatal(err)
				}
				if p, ok := got[id]; !ok || p.Email != email {
					t.Fatalf("person %s emitted as %+v, want email %q", id, p, email)
				}
			})
		}
	}
}
