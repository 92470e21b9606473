package bolt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	bbolt "go.etcd.io/bbolt"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/query"
)

const benchMembers = 1_000_000

var (
	benchFirst = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
		"Mia", "Mason", "Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Jackson", "Emily", "Sebastian",
		"Ella", "Mateo", "Chloe", "Jack", "Aria", "Owen", "Grace", "Daniel", "Zoë", "Sofía", "Wei", "Priya", "Mohammed",
		"Fatima", "Kenji", "Aaliyah", "Diego", "Camila", "Hannah", "Samuel", "Leah", "Caleb", "Nora", "Isaac", "Maya", "Levi"}
	benchLast = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
		"Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Lee",
		"Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
		"Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
		"Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kim", "Patel", "O'Brien", "Müller"}
)

// benchRoster makes n changes of a district roster: realistic names, about
// 2% first-named Thomas and 1% surnamed Thomas (Thompson does not match
// "%thomas%"; Thomas is about 3% of the roster), 5% teachers,
// 2% staff, the rest students, in no particular order.
func benchRoster(n int, seed uint64) []license.Change {
	rng := rand.New(rand.NewPCG(seed, 42))
	changes := make([]license.Change, n)
	roles := []license.Role{license.RoleTeacher, license.RoleOther}
	for i := range changes {
		first := benchFirst[rng.IntN(len(benchFirst))]
		if rng.IntN(100) < 2 {
			first = "Thomas"
		}
		last := benchLast[rng.IntN(len(benchLast))]
		if rng.IntN(100) < 1 {
			last = "Thomas"
		}
		role := license.RoleStudent
		if r := rng.IntN(100); r < 7 {
			role = roles[min(r/5, 1)]
		}
		local := strings.ToLower(asciiOnly(first) + "." + asciiOnly(last))
		changes[i] = license.Change{
			Op: license.OpUpsert, Email: fmt.Sprintf("%s.%d@district.k12.us", local, i), Source: "google-directory/district",
			Name: first + " " + last, Role: role, OrgUnit: fmt.Sprintf("/Students/%d", 6+rng.IntN(7)), ExternalID: fmt.Sprint(1000000 + i),
		}
	}
	rng.Shuffle(len(changes), func(i, j int) { changes[i], changes[j] = changes[j], changes[i] })
	return changes
}

func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return -1
	}, s)
}

// fixture is one store holding a 1M-member license, built once per test
// binary run for the read benchmarks.
var fixture struct {
	once sync.Once
	dir  string
	err  error
}

// benchFixture returns the store and a fresh copy of the roster it holds
// (the fixture does not keep it: a million live Changes would make every
// garbage collection in the read benchmarks scan them).
func benchFixture(b *testing.B) (*Store, []license.Change) {
	b.Helper()
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "rollcall-bench-")
		if fixture.err != nil {
			return
		}
		changes := benchRoster(benchMembers, 1)
		s, err := Open(filepath.Join(fixture.dir, "bench.db"), Options{})
		if err != nil {
			fixture.err = err
			return
		}
		defer s.Close()
		ctx := context.Background()
		if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict,
			Seats: benchMembers, Features: map[string]bool{"export": true}}); err != nil {
			fixture.err = err
			return
		}
		// Other licenses, some deployed domain-wide; one of them to the
		// district's own domain, so a lookup finds two grants, as a
		// district's student typically has.
		for i := range 200 {
			l := license.License{ID: fmt.Sprintf("teacher-%03d", i), Name: "Teacher", Type: license.TypeTeacher, Seats: 40,
				Features: map[string]bool{"charts": i%2 == 0}}
			if i%20 == 0 {
				l.Domains = []string{fmt.Sprintf("school%d.k12.us", i)}
			}
			if i == 0 {
				l.Domains = append(l.Domains, "district.k12.us")
			}
			if _, err := s.CreateLicense(ctx, l); err != nil {
				fixture.err = err
				return
			}
		}
		_, fixture.err = s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	s, err := Open(filepath.Join(fixture.dir, "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, benchRoster(benchMembers, 1)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

func fileSize(b *testing.B, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkApplyNew1M applies a million new claims into an empty license in
// one Apply of 10,000-change batches.
func BenchmarkApplyNew1M(b *testing.B) { benchApplyNew(b, benchMembers) }

// BenchmarkApplyNew100k is the same at a tenth of the size, to show how
// the cost grows.
func BenchmarkApplyNew100k(b *testing.B) { benchApplyNew(b, benchMembers/10) }

func benchApplyNew(b *testing.B, n int) {
	changes := benchRoster(n, 2)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		s, err := Open(filepath.Join(dir, "bench.db"), Options{BatchSize: 10000})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: n}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
		b.StopTimer()
		if err != nil || r.MembersAdded != n {
			b.Fatalf("Apply: %+v, %v", r, err)
		}
		b.ReportMetric(float64(fileSize(b, s.Path()))/1e6, "file-MB")
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkReapply1M applies the same million claims again: nothing may be
// written, which the bbolt write counter, the file size and the audit
// trail show.
func BenchmarkReapply1M(b *testing.B) {
	s, changes := benchFixture(b)
	ctx := context.Background()
	events := func() int {
		var n int
		_ = s.db.View(func(tx *bbolt.Tx) error {
			lb, _ := licenseBucket(tx, "district")
			var err error
			n, err = countEvents(lb)
			return err
		})
		return n
	}
	writes := func() int64 { st := s.db.Stats(); return st.TxStats.GetWrite() }
	writes0, size0, events0 := writes(), fileSize(b, s.Path()), events()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
		if err != nil || r.Changed() || r.Unchanged != benchMembers {
			b.Fatalf("re-apply: %+v, %v", r, err)
		}
	}
	b.StopTimer()
	written := writes() - writes0
	if written != 0 || fileSize(b, s.Path()) != size0 || events() != events0 {
		b.Fatalf("re-apply wrote: %d page writes, file %d → %d bytes, events %d → %d", written, size0, fileSize(b, s.Path()), events0, events())
	}
	b.ReportMetric(float64(written), "page-writes")
	b.ReportMetric(float64(benchMembers)*float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkEntitlement looks up members of the million-member license, on
// one goroutine; every lookup also finds the domain-wide licenses.
func BenchmarkEntitlement(b *testing.B) {
	s, changes := benchFixture(b)
	ctx := context.Background()
	emails := sampleEmails(changes, 4096)
	changes = nil
	runtime.GC()
	if ent, err := s.Entitlement(ctx, emails[0]); err != nil || len(ent.Licenses) != 2 || !ent.Features["export"] {
		b.Fatalf("Entitlement(%s) = %+v, %v; want the district and one domain-wide license", emails[0], ent, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Entitlement(ctx, emails[i%len(emails)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkFilterThomasFirstPage asks for the first page of "%thomas%"
// sorted by name over the million members.
func BenchmarkFilterThomasFirstPage(b *testing.B) {
	s, _ := benchFixture(b)
	runtime.GC()
	ctx := context.Background()
	q, err := query.Parse("%thomas%")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := s.ListMembers(ctx, "district", license.ListOptions{Filter: q, Sort: license.SortName})
		if err != nil || len(p.Members) != 50 || p.Next == "" {
			b.Fatalf("first page: %d members, %v", len(p.Members), err)
		}
		for _, m := range p.Members {
			if !strings.Contains(strings.ToLower(m.Name+" "+m.Email), "thomas") {
				b.Fatalf("%s (%s) does not match %%thomas%%", m.Email, m.Name)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
}

// BenchmarkFilterThomasByRole is the same page sorted by a column with no
// index: a scan of the million members keeping the best 51.
func BenchmarkFilterThomasByRole(b *testing.B) {
	s, _ := benchFixture(b)
	runtime.GC()
	ctx := context.Background()
	q, err := query.Parse("%thomas%")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := s.ListMembers(ctx, "district", license.ListOptions{Filter: q, Sort: license.SortRole, Desc: true})
		if err != nil || len(p.Members) != 50 {
			b.Fatalf("first page: %d members, %v", len(p.Members), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
}
