package bolt

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/query"
)

// A schema fixture is a store file written by this package at one schema
// version, through the Store API only, and what every reading Store (and
// Outbox) method gave on it then. The migration tests open a copy with the
// current code and must read exactly the same. The files in testdata were
// written by TestWriteSchemaFixture as it was at that version:
//
//	ROLLCALL_WRITE_SCHEMA_FIXTURE=$PWD/license/bolt/testdata go test -run '^TestWriteSchemaFixture$' ./license/bolt/
//
// writes schema<N>.db.gz and schema<N>-reads.txt.gz for the current
// version N.

// fixtureT0 is the fixture's clock: every write is stamped from it.
var fixtureT0 = time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)

const (
	fixtureDomain = "district.k12.us"
	fixtureAdmin  = "it.admin@district.k12.us"
)

var (
	fixtureDir    = license.Source("google-directory/district")
	fixtureCanvas = license.Source("canvas/c1")
	fixtureCSV    = license.CSVSource("u1")
)

// fixtureEmail is the i-th person of the fixture.
func fixtureEmail(i int) string { return fmt.Sprintf("p%02d@%s", i, fixtureDomain) }

// fixtureEmails are every address the fixture and fixtureLater touch, and
// one nobody used.
func fixtureEmails() []string {
	var out []string
	for i := range 50 {
		out = append(out, fixtureEmail(i))
	}
	for i := range 12 {
		out = append(out, fmt.Sprintf("s%02d@school.org", i))
	}
	for i := range 6 {
		out = append(out, fmt.Sprintf("x%02d@old.org", i))
	}
	return append(out, fixtureAdmin, "nobody@"+fixtureDomain)
}

func openFixtureStore(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: func() time.Time { return fixtureT0.Add(10 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fixtureApply applies changes at fixtureT0+at in batches of batch.
func fixtureApply(t testing.TB, s *Store, id string, at time.Duration, batch int, changes ...license.Change) {
	t.Helper()
	if _, err := s.Apply(context.Background(), id, changes, license.ApplyOptions{Now: fixtureT0.Add(at), BatchSize: batch, Actor: "fixture"}); err != nil {
		t.Fatalf("apply to %s at +%s: %v", id, at, err)
	}
}

func fixtureUp(email string, src license.Source, role license.Role, name string) license.Change {
	return license.Change{Op: license.OpUpsert, Email: email, Source: src, Role: role, Name: name,
		OrgUnit: "/" + string(role), ExternalID: "ext-" + email[:3]}
}

func fixtureRemove(email string, src license.Source) license.Change {
	return license.Change{Op: license.OpRemove, Email: email, Source: src}
}

// populateFixture writes the fixture's history: members added, updated,
// leaving, removed and added again, in several sources, batches and
// licenses; seats running out; an expired license; events recorded from
// outside Apply; license edits and a domain admin.
func populateFixture(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []license.License{
		{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: 40, Domains: []string{fixtureDomain},
			Features: map[string]bool{"export": true}, Key: license.Key{Hash: license.HashKey("district-key-1"), Prefix: "dis1"}, Created: fixtureT0},
		{ID: "school", Name: "School", Type: license.TypeSchool, Seats: 6, Created: fixtureT0},
		{ID: "old", Name: "Old", Type: license.TypeSchool, Seats: 10, Created: fixtureT0, Expires: fixtureT0.Add(5 * 24 * time.Hour)},
	} {
		_, err := s.CreateLicense(ctx, l)
		must(err)
	}
	roles := []license.Role{license.RoleStudent, license.RoleStudent, license.RoleTeacher, license.RoleOther}
	var first []license.Change
	for i := range 30 {
		c := fixtureUp(fixtureEmail(i), fixtureDir, roles[i%len(roles)], fmt.Sprintf("Person %02d", 29-i))
		if i%5 == 0 {
			c.Attrs = map[string]string{"grade": fmt.Sprint(6 + i%6)}
		}
		first = append(first, c)
		if i%3 == 0 {
			first = append(first, fixtureUp(fixtureEmail(i), fixtureCanvas, license.RoleStudent, fmt.Sprintf("P. %02d", i)))
		}
		if i%10 == 7 {
			first = append(first, license.Change{Op: license.OpUpsert, Email: fixtureEmail(i), Source: license.SourceManual})
		}
	}
	fixtureApply(t, s, "district", 0, 7, first...)

	leaving := func(email string, revokes bool) license.Change {
		c := fixtureUp(email, fixtureDir, license.RoleStudent, "Leaver "+email[:3])
		c.Leaving, c.LeavingRevokes = fixtureT0.Add(30*24*time.Hour), revokes
		return c
	}
	fixtureApply(t, s, "district", time.Hour, 4,
		fixtureRemove(fixtureEmail(1), fixtureDir),    // gone
		fixtureRemove(fixtureEmail(2), fixtureDir),    // gone
		fixtureRemove(fixtureEmail(5), fixtureDir),    // gone
		fixtureRemove(fixtureEmail(3), fixtureCanvas), // keeps its directory claim
		fixtureRemove(fixtureEmail(4), fixtureCanvas), // had none: unchanged
		fixtureUp(fixtureEmail(8), fixtureDir, license.RoleStudent, "Renamed Eight"),
		fixtureUp(fixtureEmail(9), fixtureDir, license.RoleTeacher, "Promoted Nine"),
		fixtureUp(fixtureEmail(10), fixtureCSV, license.RoleOther, "From CSV"),
		fixtureUp(fixtureEmail(30), fixtureDir, license.RoleStudent, "New Thirty"),
		fixtureUp(fixtureEmail(31), fixtureCSV, license.RoleTeacher, "New Thirty-One"),
		fixtureUp(fixtureEmail(32), fixtureDir, license.RoleStudent, "New Thirty-Two"),
		leaving(fixtureEmail(11), false),
		leaving(fixtureEmail(13), true))
	fixtureApply(t, s, "district", 2*time.Hour, 0,
		fixtureUp(fixtureEmail(2), fixtureCanvas, license.RoleStudent, "Back Two"), // added again
		fixtureUp(fixtureEmail(11), fixtureDir, license.RoleStudent, "Person 18"),  // no longer leaving
		fixtureUp(fixtureEmail(14), fixtureDir, license.RoleStudent, "Person 15"))
	// The last claim of one source goes and another's comes in one Apply:
	// the member is removed and added again.
	fixtureApply(t, s, "district", 3*time.Hour, 0,
		fixtureRemove(fixtureEmail(16), fixtureDir),
		fixtureUp(fixtureEmail(16), fixtureCSV, license.RoleStudent, "Sixteen Again"))

	var school []license.Change
	for i := range 10 {
		school = append(school, fixtureUp(fmt.Sprintf("s%02d@school.org", i), fixtureDir, roles[(i+1)%len(roles)], fmt.Sprintf("School %d", i)))
	}
	fixtureApply(t, s, "school", 0, 3, school...) // four do not fit

	fixtureApply(t, s, "old", 0, 0,
		fixtureUp("x00@old.org", fixtureDir, license.RoleStudent, "Old Zero"),
		fixtureUp("x01@old.org", fixtureDir, license.RoleStudent, "Old One"),
		fixtureUp("x02@old.org", fixtureDir, license.RoleTeacher, "Old Two"))
	fixtureApply(t, s, "old", 6*24*time.Hour, 0, // expired by then
		fixtureUp("x01@old.org", fixtureDir, license.RoleStudent, "Old One Renamed"),
		fixtureUp("x03@old.org", fixtureDir, license.RoleStudent, "Too Late"),
		fixtureRemove("x02@old.org", fixtureDir))

	must(s.Record(ctx, "district", []license.Event{
		{Time: fixtureT0.Add(4 * time.Hour), Email: fixtureEmail(20), Action: license.ActionOverflow, Source: fixtureDir, Detail: "recorded for a member"},
		{Time: fixtureT0.Add(4 * time.Hour), Email: fixtureEmail(1), Action: license.ActionOverflow, Source: fixtureDir, Detail: "recorded for a former member"},
		{Email: fixtureEmail(45), Action: license.ActionOverflow, Source: fixtureCanvas, Detail: "recorded for a non-member"},
		{Action: license.ActionOverflow, Detail: "recorded without an email"},
	}))
	_, err := s.UpdateLicense(ctx, "district", "admin", func(l *license.License) error {
		l.Seats = 45
		l.Key = license.Key{Hash: license.HashKey("district-key-2"), Prefix: "dis2"}
		return nil
	})
	must(err)
	must(s.SetDomainAdmin(ctx, fixtureDomain, fixtureAdmin, true))
}

// fixtureLater writes more history on top of a fixture: the migration
// tests run it on a migrated file and on one written wholly by the
// current code, which must then read alike.
func fixtureLater(t testing.TB, s *Store) {
	t.Helper()
	fixtureApply(t, s, "district", 5*time.Hour, 3,
		fixtureRemove(fixtureEmail(20), fixtureDir), // added by the fixture
		fixtureUp(fixtureEmail(21), fixtureDir, license.RoleStudent, "Renamed Twenty-One"),
		fixtureUp(fixtureEmail(22), fixtureCSV, license.RoleStudent, "Second Claim"),
		fixtureRemove(fixtureEmail(24), fixtureDir),
		fixtureUp(fixtureEmail(24), fixtureCanvas, license.RoleStudent, "Twenty-Four Again"),
		fixtureUp(fixtureEmail(40), fixtureDir, license.RoleStudent, "Forty"),
		fixtureUp(fixtureEmail(41), fixtureDir, license.RoleTeacher, "Forty-One"),
		fixtureUp(fixtureEmail(42), fixtureDir, license.RoleStudent, "Forty-Two"),
		fixtureUp(fixtureEmail(1), fixtureDir, license.RoleStudent, "One Back"))
	fixtureApply(t, s, "district", 6*time.Hour, 2,
		fixtureRemove(fixtureEmail(40), fixtureDir), // added just before
		fixtureUp(fixtureEmail(41), fixtureDir, license.RoleTeacher, "Forty-One Renamed"),
		fixtureRemove(fixtureEmail(30), fixtureDir))
	if err := s.Record(context.Background(), "district", []license.Event{
		{Time: fixtureT0.Add(7 * time.Hour), Email: fixtureEmail(41), Action: license.ActionOverflow, Detail: "later"},
	}); err != nil {
		t.Fatal(err)
	}
}

// readFixture renders what every reading method of s gives for the
// fixture's licenses, sources and emails, one line per call.
func readFixture(t testing.TB, s *Store) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	line := func(call string, v any, err error) {
		t.Helper()
		switch {
		case errors.Is(err, license.ErrNotFound):
			out = append(out, call+" → not found")
			return
		case err != nil:
			t.Fatalf("%s: %v", call, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, call+" → "+string(b))
	}
	ids := []string{"district", "school", "old"}
	sources := []license.Source{fixtureDir, fixtureCanvas, fixtureCSV, license.SourceManual}
	emails := fixtureEmails()
	ls, err := s.ListLicenses(ctx)
	line("ListLicenses", ls, err)
	for _, key := range []string{"district-key-1", "district-key-2"} {
		l, err := s.LicenseByKey(ctx, license.HashKey(key))
		line("LicenseByKey "+key, l, err)
	}
	filter, err := query.Parse("%person%")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		l, err := s.GetLicense(ctx, id)
		line("GetLicense "+id, l, err)
		for _, e := range emails {
			m, err := s.Member(ctx, id, e)
			line("Member "+id+" "+e, m, err)
		}
		for _, sort := range []license.SortField{license.SortEmail, license.SortName, license.SortRole, license.SortOrgUnit, license.SortAdded, license.SortSource} {
			for _, desc := range []bool{false, true} {
				for _, f := range []*query.Query{nil, filter} {
					opts := license.ListOptions{Sort: sort, Desc: desc, Limit: 7}
					if f != nil {
						opts.Filter = f
					}
					for page := 0; ; page++ {
						p, err := s.ListMembers(ctx, id, opts)
						line(fmt.Sprintf("ListMembers %s sort=%s desc=%v filter=%v page %d", id, sort, desc, f != nil, page), p, err)
						if err != nil || p.Next == "" {
							break
						}
						opts.Cursor = p.Next
					}
				}
			}
		}
		for _, src := range sources {
			var ms []license.Member
			err := s.Claims(ctx, id, src, func(m *license.Member) error { ms = append(ms, *m); return nil })
			line("Claims "+id+" "+string(src), ms, err)
			type sc struct {
				Email string
				Claim license.Claim
				Sole  bool
			}
			var scs []sc
			err = s.SourceClaims(ctx, id, src, func(email string, c *license.Claim, sole bool) error {
				scs = append(scs, sc{email, *c, sole})
				return nil
			})
			line("SourceClaims "+id+" "+string(src), scs, err)
		}
		all, err := s.Events(ctx, id, license.EventQuery{})
		line("Events "+id, all, err)
		for _, q := range []license.EventQuery{{After: 3}, {After: 10, Limit: 5}, {Limit: 1}, {After: uint64(len(all)) - 1}, {After: uint64(len(all))}} {
			evs, err := s.Events(ctx, id, q)
			line(fmt.Sprintf("Events %s %+v", id, q), evs, err)
		}
		for _, e := range emails {
			evs, err := s.Events(ctx, id, license.EventQuery{Email: e})
			line("Events "+id+" "+e, evs, err)
			// Paging through one member's history, past each event in turn.
			for i := range evs {
				for _, limit := range []int{0, 1} {
					q := license.EventQuery{Email: e, After: evs[i].Seq, Limit: limit}
					page, err := s.Events(ctx, id, q)
					line(fmt.Sprintf("Events %s %+v", id, q), page, err)
				}
			}
			if len(evs) > 0 {
				q := license.EventQuery{Email: e, After: evs[0].Seq - 1, Limit: 1}
				page, err := s.Events(ctx, id, q)
				line(fmt.Sprintf("Events %s %+v", id, q), page, err)
			}
		}
	}
	for _, e := range emails {
		ent, err := s.Entitlement(ctx, e)
		line("Entitlement "+e, ent, err)
	}
	admins, err := s.DomainAdmins(ctx, fixtureDomain)
	line("DomainAdmins", admins, err)
	domains, err := s.AdminDomains(ctx, fixtureAdmin)
	line("AdminDomains", domains, err)
	for _, q := range []license.FeedQuery{{Limit: 1000}, {License: "school", Limit: 1000}} {
		f, err := s.Feed(ctx, q)
		line(fmt.Sprintf("Feed %+v", q), f, err)
	}
	for after := uint64(0); ; after += 7 {
		f, err := s.Feed(ctx, license.FeedQuery{After: after, Limit: 7})
		line(fmt.Sprintf("Feed after %d", after), f, err)
		if err != nil || len(f) == 0 {
			break
		}
	}
	return out
}

// TestWriteSchemaFixture writes the fixture of the current schema version
// into the folder ROLLCALL_WRITE_SCHEMA_FIXTURE names; it does nothing
// otherwise. (Run at each schema version; the migration tests read the
// files it wrote then.)
func TestWriteSchemaFixture(t *testing.T) {
	dir := os.Getenv("ROLLCALL_WRITE_SCHEMA_FIXTURE")
	if dir == "" {
		t.Skip("set ROLLCALL_WRITE_SCHEMA_FIXTURE to a folder to write the fixture into")
	}
	version := migrations[len(migrations)-1].version
	tmp := filepath.Join(t.TempDir(), "fixture.db")
	s := openFixtureStore(t, tmp)
	populateFixture(t, s)
	reads := readFixture(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Both files are checked in, gzipped: the store file is mostly
	// empty pages, the reads repeat themselves.
	src := openFixtureStore(t, tmp)
	defer src.Close()
	var db bytes.Buffer
	if _, err := src.Backup(context.Background(), &db); err != nil {
		t.Fatal(err)
	}
	writeGzip(t, filepath.Join(dir, fmt.Sprintf("schema%d.db.gz", version)), db.Bytes())
	writeGzip(t, filepath.Join(dir, fmt.Sprintf("schema%d-reads.txt.gz", version)), []byte(strings.Join(reads, "\n")+"\n"))
	t.Logf("wrote schema %d fixture: %d reads", version, len(reads))
}

func writeGzip(t testing.TB, path string, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readGzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
