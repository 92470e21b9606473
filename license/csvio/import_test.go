package csvio

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func openStore(t testing.TB) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "rollcall.db"), bolt.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newLicense(t testing.TB, s license.Store, seats int, expires time.Time) string {
	t.Helper()
	l, err := s.CreateLicense(context.Background(), license.License{Name: "Hill High", Type: license.TypeSchool,
		Seats: seats, Created: t0.AddDate(-1, 0, 0), Expires: expires})
	if err != nil {
		t.Fatalf("create license: %v", err)
	}
	return l.ID
}

func seed(t *testing.T, s license.Store, id string, changes ...license.Change) {
	t.Helper()
	if _, err := s.Apply(context.Background(), id, changes, license.ApplyOptions{Actor: "test", Now: t0.AddDate(0, -1, 0)}); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

func up(email string, src license.Source) license.Change {
	return license.Change{Op: license.OpUpsert, Email: email, Source: src, Role: license.RoleStudent}
}

func rows(t *testing.T, csv string) []Row {
	t.Helper()
	r, err := ReadImport(strings.NewReader(csv), "users.csv")
	if err != nil {
		t.Fatalf("ReadImport: %v", err)
	}
	return r
}

// snapshot is everything an import may change: the members with their
// claims, the seat count and the audit trail.
type snapshot struct {
	members []license.Member
	used    int
	events  int
}

func snap(t *testing.T, s license.Store, id string) snapshot {
	t.Helper()
	ctx := context.Background()
	var sn snapshot
	opts := license.ListOptions{Limit: 1000}
	for {
		p, err := s.ListMembers(ctx, id, opts)
		if err != nil {
			t.Fatalf("list members: %v", err)
		}
		sn.members = append(sn.members, p.Members...)
		if p.Next == "" {
			break
		}
		opts.Cursor = p.Next
	}
	l, err := s.GetLicense(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sn.used = l.Used
	ev, err := s.Events(ctx, id, license.EventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	sn.events = len(ev)
	return sn
}

func unchanged(t *testing.T, what string, before, after snapshot) {
	t.Helper()
	if !reflect.DeepEqual(before, after) {
		t.Errorf("%s changed the store:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

func TestNewUploadID(t *testing.T) {
	a, b := NewUploadID(t0), NewUploadID(t0.Add(24*time.Hour))
	if !regexp.MustCompile(`^20261125-[a-z2-7]{5}$`).MatchString(a) {
		t.Errorf("NewUploadID = %q, want 20261125-xxxxx", a)
	}
	if a >= b {
		t.Errorf("upload ids do not sort by day: %q then %q", a, b)
	}
	// 25 random bits: three equal ids in a row happen once in 2^50 runs.
	if c, d := NewUploadID(t0), NewUploadID(t0); a == c && a == d {
		t.Errorf("NewUploadID gives %q every time", a)
	}
	if err := license.CSVSource(a).Validate(); err != nil {
		t.Errorf("csv source of %q: %v", a, err)
	}
}

func TestImportAdds(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	id := newLicense(t, s, 10, time.Time{})
	seed(t, s, id, up("cy@a.org", license.SourceManual))
	in := rows(t, "email,name,role\nann@a.org,Ann Lee,teacher\nbob@a.org,,\ncy@a.org,Cy,other\n")
	uid := NewUploadID(t0)
	res, err := Import(ctx, s, id, in, ImportOptions{UploadID: uid, Actor: "admin@a.org", Now: t0})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.MembersAdded != 2 || res.ClaimsAdded != 1 || res.Unchanged != 0 || len(res.Overflow) != 0 || res.DryRun {
		t.Errorf("Import result %+v, want 2 members added and 1 claim added", res)
	}
	src := license.CSVSource(uid)
	for _, r := range in {
		m, err := s.Member(ctx, id, r.Email)
		if err != nil {
			t.Fatalf("member %s: %v", r.Email, err)
		}
		c := m.Claim(src)
		if c == nil || c.Name != r.Name || c.Role != r.Role {
			t.Errorf("member %s claims %+v, want a %s claim with name %q role %s", r.Email, m.Claims, src, r.Name, r.Role)
		}
	}
	ev, err := s.Events(ctx, id, license.EventQuery{Email: "ann@a.org"})
	if err != nil || len(ev) != 1 || ev[0].Actor != "admin@a.org" || ev[0].Source != src {
		t.Errorf("ann's events %+v (%v), want one by admin@a.org from %s", ev, err, src)
	}
	// The same file again under the same upload writes nothing.
	before := snap(t, s, id)
	res, err = Import(ctx, s, id, in, ImportOptions{UploadID: uid, Actor: "admin@a.org", Now: t0.Add(time.Hour)})
	if err != nil || res.Unchanged != 3 || res.Changed() {
		t.Errorf("re-import: %+v, %v; want 3 unchanged", res, err)
	}
	unchanged(t, "re-importing the same upload", before, snap(t, s, id))
}

func TestImportRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		seats   int
		expires time.Time
		csv     string
		opts    ImportOptions
		is      error
		want    string
	}{
		{"seats", 3, time.Time{}, "a@a.org\nb@a.org\nc@a.org\nkeep@a.org\n", ImportOptions{UploadID: "u1"},
			license.ErrSeatLimit, "2 new members do not fit"},
		{"expired", 10, t0.Add(-time.Hour), "a@a.org\n", ImportOptions{UploadID: "u1"},
			license.ErrExpired, "expired on 2026-11-25"},
		{"no upload id", 10, time.Time{}, "a@a.org\n", ImportOptions{},
			license.ErrInvalid, "upload id is required"},
		{"bad upload id", 10, time.Time{}, "a@a.org\n", ImportOptions{UploadID: "has space"},
			license.ErrInvalid, "source"},
	}
	for _, tt := range tests {
		for _, dry := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/dry=%v", tt.name, dry), func(t *testing.T) {
				s := openStore(t)
				id := newLicense(t, s, tt.seats, tt.expires)
				seed(t, s, id, up("keep@a.org", license.SourceManual), up("other@a.org", "canvas/c1"))
				before := snap(t, s, id)
				opts := tt.opts
				opts.DryRun, opts.Now = dry, t0
				res, err := Import(ctx, s, id, rows(t, tt.csv), opts)
				if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), id) {
					t.Errorf("Import = %+v, %v; want %v saying %q and naming license %s", res, err, tt.is, tt.want, id)
				}
				if res.Changed() {
					t.Errorf("refused import reports changes: %+v", res)
				}
				unchanged(t, "a refused import", before, snap(t, s, id))
			})
		}
	}
}

func TestImportUnknownLicense(t *testing.T) {
	s := openStore(t)
	_, err := Import(context.Background(), s, "nope", rows(t, "a@a.org\n"), ImportOptions{UploadID: "u1"})
	if !errors.Is(err, license.ErrNotFound) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Import into a missing license: %v, want ErrNotFound naming it", err)
	}
}

func TestImportRemove(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	id := newLicense(t, s, 10, time.Time{})
	seed(t, s, id,
		up("manual@a.org", license.SourceManual),
		up("csv@a.org", license.CSVSource("20260101-aaaaa")), up("csv@a.org", license.CSVSource("20260202-bbbbb")),
		up("synced@a.org", license.SourceKey), up("synced@a.org", "google-directory/hs"),
		up("domain@a.org", license.DomainSource("a.org")),
		up("bystander@a.org", license.SourceManual),
	)
	in := rows(t, "email\nmanual@a.org\ncsv@a.org\nsynced@a.org\ndomain@a.org\nghost@a.org\n")
	wantKept := []KeptMember{
		{Email: "synced@a.org", Sources: []license.Source{"google-directory/hs"}},
		{Email: "domain@a.org", Sources: []license.Source{"domain:a.org"}},
	}
	before := snap(t, s, id)
	dry, err := Import(ctx, s, id, in, ImportOptions{Remove: true, DryRun: true, Actor: "admin@a.org", Now: t0})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	unchanged(t, "a dry run", before, snap(t, s, id))
	res, err := Import(ctx, s, id, in, ImportOptions{Remove: true, Actor: "admin@a.org", Now: t0})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.ClaimsRemoved != 4 || res.MembersRemoved != 2 || res.MembersAdded != 0 {
		t.Errorf("removal result %+v, want 4 claims and 2 members removed", res.ApplyResult)
	}
	if !reflect.DeepEqual(res.Kept, wantKept) || !slices.Equal(res.NotFound, []string{"ghost@a.org"}) {
		t.Errorf("kept %+v, not found %q; want %+v and ghost@a.org", res.Kept, res.NotFound, wantKept)
	}
	dry.DryRun = false
	if !reflect.DeepEqual(dry, res) {
		t.Errorf("dry run said\n%+v\nthe import did\n%+v", dry, res)
	}
	for email, want := range map[string][]license.Source{
		"synced@a.org": {"google-directory/hs"}, "domain@a.org": {"domain:a.org"}, "bystander@a.org": {"manual"},
		"manual@a.org": nil, "csv@a.org": nil,
	} {
		m, err := s.Member(ctx, id, email)
		if want == nil {
			if !errors.Is(err, license.ErrNotFound) {
				t.Errorf("%s still on the license: %+v, %v", email, m, err)
			}
			continue
		}
		if err != nil || !slices.Equal(m.Sources(), want) {
			t.Errorf("%s sources %v (%v), want %v", email, m.Sources(), err, want)
		}
	}
}

// TestDryRunMatchesImport runs mixed uploads dry and then for real, over a
// license holding members of every kind: the two results must agree and the
// dry run must change nothing.
func TestDryRunMatchesImport(t *testing.T) {
	ctx := context.Background()
	uploads := []struct {
		csv  string
		opts ImportOptions
	}{
		{"email,name,role\nnew1@a.org,New,teacher\nold@a.org,Old,student\nnew2@a.org\n", ImportOptions{UploadID: "20261125-aaaaa"}},
		// Same upload id again with one row changed: an update and unchanged claims.
		{"email,name,role\nnew1@a.org,New,other\nold@a.org,Old,student\n", ImportOptions{UploadID: "20261125-aaaaa"}},
		{"email\nnew1@a.org\nsync@a.org\nnobody@a.org\n", ImportOptions{Remove: true}},
		{"email\nnew1@a.org\n", ImportOptions{Remove: true}}, // already gone
	}
	s := openStore(t)
	id := newLicense(t, s, 10, time.Time{})
	seed(t, s, id, up("old@a.org", license.SourceManual), up("sync@a.org", "canvas/c1"), up("sync@a.org", license.SourceKey))
	for i, u := range uploads {
		in := rows(t, u.csv)
		opts := u.opts
		opts.Now, opts.Actor = t0.Add(time.Duration(i)*time.Hour), "admin@a.org"
		before := snap(t, s, id)
		opts.DryRun = true
		dry, err := Import(ctx, s, id, in, opts)
		if err != nil {
			t.Fatalf("upload %d dry run: %v", i, err)
		}
		unchanged(t, fmt.Sprintf("upload %d dry run", i), before, snap(t, s, id))
		opts.DryRun = false
		res, err := Import(ctx, s, id, in, opts)
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		dry.DryRun = false
		if !reflect.DeepEqual(dry, res) {
			t.Errorf("upload %d: dry run said\n%+v\nthe import did\n%+v", i, dry, res)
		}
	}
}

func TestExportFromStore(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	id := newLicense(t, s, 3000, time.Time{})
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"email", "name", "role"})
	for i := range 2500 { // more than one page of the store
		_ = w.Write([]string{fmt.Sprintf("u%04d@a.org", i), fmt.Sprintf("%s %d", nasty[i%len(nasty)], i), string(license.Roles[i%3])})
	}
	w.Flush()
	in := rows(t, b.String())
	if _, err := Import(ctx, s, id, in, ImportOptions{UploadID: "u1", Now: t0}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Export(ctx, &out, s, id, license.ListOptions{}); err != nil {
		t.Fatalf("Export: %v", err)
	}
	back, err := ReadImport(&out, "export.csv")
	if err != nil {
		t.Fatalf("ReadImport of the export: %v", err)
	}
	if len(back) != len(in) {
		t.Fatalf("export has %d rows, want %d", len(back), len(in))
	}
	for i := range back {
		back[i].Line = in[i].Line // sorted by email, like the input
	}
	if !slices.Equal(back, in) {
		t.Errorf("store → export → import changed the rows")
	}
	if err := Export(ctx, &out, s, "nope", license.ListOptions{}); !errors.Is(err, license.ErrNotFound) {
		t.Errorf("Export of a missing license: %v, want ErrNotFound", err)
	}
}

func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	var buf bytes.Buffer
	buf.WriteString("email,name,role\n")
	for i := range n {
		fmt.Fprintf(&buf, "student.%06d@hs.district.org,Student %06d,%s\n", i, i, license.Roles[i%3])
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := openStore(b)
		id := newLicense(b, s, n, time.Time{})
		b.StartTimer()
		in, err := ReadImport(bytes.NewReader(data), "bench.csv")
		if err != nil {
			b.Fatal(err)
		}
		res, err := Import(ctx, s, id, in, ImportOptions{UploadID: "bench", Actor: "bench", Now: t0})
		if err != nil || res.MembersAdded != n {
			b.Fatalf("Import: %+v, %v", res.ApplyResult, err)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "rows/s")
}
