package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
)

// TestSeatsAcrossReplicas: two Stores on one database (two processes, as
// far as PostgreSQL can tell) add different people to one license at
// once, in small batches; the license row's lock keeps the total at the
// seat limit, every refused add is an overflow, and the feed holds every
// applied change once, with cursors that only grow.
func TestSeatsAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	const replicas, each, seats = 4, 60, 100
	stores := make([]*Store, replicas)
	for i := range stores {
		s, err := Open(ctx, u, Options{BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	if _, err := stores[0].CreateLicense(ctx, license.License{ID: "tight", Name: "Tight", Type: license.TypeSchool, Seats: seats}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]license.ApplyResult, replicas)
	errs := make([]error, replicas)
	for i, s := range stores {
		wg.Go(func() {
			src := license.DeploymentSource("roster", fmt.Sprint(i))
			var changes []license.Change
			for j := range each {
				changes = append(changes, license.Change{Op: license.OpUpsert, Email: fmt.Sprintf("r%d-%03d@x.org", i, j), Source: src})
			}
			results[i], errs[i] = s.Apply(ctx, "tight", changes, license.ApplyOptions{Actor: string(src)})
		})
	}
	wg.Wait()
	added, overflow := 0, 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		added += results[i].MembersAdded
		overflow += len(results[i].Overflow)
	}
	l, err := stores[1].GetLicense(ctx, "tight")
	if err != nil {
		t.Fatal(err)
	}
	page, err := stores[2].ListMembers(ctx, "tight", license.ListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if added != seats || overflow != replicas*each-seats || l.Used != seats || len(page.Members) != seats {
		t.Fatalf("added %d, overflow %d, used %d, listed %d; want %d added, %d overflow", added, overflow, l.Used, len(page.Members), seats, replicas*each-seats)
	}
	feed, err := stores[3].Feed(ctx, license.FeedQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, fe := range feed {
		if i > 0 && fe.Cursor <= feed[i-1].Cursor {
			t.Fatalf("feed cursor %d after %d", fe.Cursor, feed[i-1].Cursor)
		}
		if seen[fe.Email] {
			t.Fatalf("%s is in the feed twice", fe.Email)
		}
		seen[fe.Email] = true
	}
	if len(feed) != seats {
		t.Fatalf("feed has %d entries, want %d", len(feed), seats)
	}
}

// TestMigrations: the schema applies once however many processes open a
// fresh database together; a database from a newer Rollcall is refused;
// NoMigrate refuses a database that is behind.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	opened := make([]*Store, 3)
	errs := make([]error, 3)
	for i := range opened {
		wg.Go(func() { opened[i], errs[i] = Open(ctx, u, Options{}) })
	}
	wg.Wait()
	applied := 0
	for i, s := range opened {
		if errs[i] != nil {
			t.Fatalf("concurrent Open %d: %v", i, errs[i])
		}
		applied += len(s.Applied())
		defer s.Close()
	}
	migs, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(migs) {
		t.Fatalf("three concurrent Opens applied %d migrations in all, want each of the %d once", applied, len(migs))
	}
	all, again, err := Migrate(ctx, opened[0].Pool())
	if err != nil || len(again) != 0 || len(all) != len(migs) || all[0].Version != 1 {
		t.Fatalf("Migrate on a current schema = %+v, %+v, %v", all, again, err)
	}
	if _, err := opened[0].Pool().Exec(ctx, `INSERT INTO schema_version (version, name) VALUES ($1, 'from the future')`, len(migs)+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, u, Options{}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
	if _, err := Open(ctx, u, Options{NoMigrate: true}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open(NoMigrate) of a newer schema = %v, want ErrSchemaTooNew", err)
	}
	behind := pgtest.NewDatabase(t)
	if _, err := Open(ctx, behind, Options{NoMigrate: true}); err == nil || !strings.Contains(err.Error(), "rollcall migrate") {
		t.Fatalf("Open(NoMigrate) of an empty database = %v, want a pointer to rollcall migrate", err)
	}
}

// TestOpenErrorsHideThePassword: a URL that does not parse, or a server
// that is not there, is named without its password.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const pw = "hunter2-secret"
	for _, u := range []string{
		"postgres://rollcall:" + pw + "@127.0.0.1:1/rollcall?sslmode=disable&connect_timeout=2",
		"postgres://rollcall:" + pw + "@127.0.0.1:1/rollcall?sslmode=nonsense",
		"not a url " + pw,
	} {
		_, err := Open(context.Background(), u, Options{})
		if err == nil {
			t.Fatalf("Open(%q) succeeded", u)
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("Open error shows the password: %v", err)
		}
	}
}

// TestBeforeWrite: the hook runs inside each Apply batch and Record
// transaction, can query in it, and an error from it rolls the batch back
// and fails the call, naming the cause; batches before it stay.
func TestBeforeWrite(t *testing.T) {
	ctx := context.Background()
	errStale := errors.New("stale fencing token")
	type refuseKey struct{}
	calls := 0
	var mu sync.Mutex
	s, err := Open(ctx, pgtest.NewDatabase(t), Options{BatchSize: 2, BeforeWrite: func(ctx context.Context, tx pgx.Tx) error {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		var locked string
		// The license row is locked by this very transaction already.
		if err := tx.QueryRow(ctx, `SELECT id FROM licenses WHERE id = 'f' FOR UPDATE NOWAIT`).Scan(&locked); err != nil {
			return fmt.Errorf("query in the hook: %w", err)
		}
		if after, ok := ctx.Value(refuseKey{}).(int); ok && n > after {
			return errStale
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateLicense(ctx, license.License{ID: "f", Name: "F", Type: license.TypeSchool, Seats: 10}); err != nil {
		t.Fatal(err)
	}
	var changes []license.Change
	for i := range 5 {
		changes = append(changes, license.Change{Op: license.OpUpsert, Email: fmt.Sprintf("p%d@x.org", i), Source: license.SourceManual})
	}
	// Three batches of two; the second is refused.
	_, err = s.Apply(context.WithValue(ctx, refuseKey{}, 1), "f", changes, license.ApplyOptions{})
	if !errors.Is(err, errStale) {
		t.Fatalf("Apply with the hook refusing = %v, want errStale", err)
	}
	if l, _ := s.GetLicense(ctx, "f"); l.Used != 2 {
		t.Fatalf("used %d after the second batch was refused, want the first batch's 2", l.Used)
	}
	if feed, _ := s.Feed(ctx, license.FeedQuery{}); len(feed) != 2 {
		t.Fatalf("feed has %d entries, want the first batch's 2", len(feed))
	}
	if err := s.Record(context.WithValue(ctx, refuseKey{}, 0), "f", []license.Event{{Action: license.ActionChangeHeld}}); !errors.Is(err, errStale) {
		t.Fatalf("Record with the hook refusing = %v", err)
	}
	if r, err := s.Apply(ctx, "f", changes, license.ApplyOptions{}); err != nil || r.MembersAdded != 3 {
		t.Fatalf("Apply with the hook passing = %+v, %v", r, err)
	}
}

// TestFeedChangedAcrossProcesses: a long poll on one Store wakes at a
// commit made through another Store on the same database (LISTEN/NOTIFY),
// and Close ends the listener.
func TestFeedChangedAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	a, err := Open(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, u, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateLicense(ctx, license.License{ID: "l", Name: "L", Type: license.TypeSchool, Seats: 5}); err != nil {
		t.Fatal(err)
	}
	for i, write := range []func() error{
		func() error {
			_, err := a.Apply(ctx, "l", []license.Change{{Op: license.OpUpsert, Email: "p@x.org", Source: license.SourceManual}}, license.ApplyOptions{})
			return err
		},
		func() error {
			return a.Record(ctx, "l", []license.Event{{Action: license.ActionChangeHeld, Email: "q@x.org"}})
		},
	} {
		changed := b.FeedChanged()
		select {
		case <-changed:
			t.Fatalf("write %d: FeedChanged closed before anything was written", i)
		default:
		}
		if err := write(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatalf("write %d through another Store did not wake FeedChanged", i)
		}
	}
	done := make(chan error, 1)
	go func() { done <- b.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the listener")
	}
}
