package postgres

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

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
	"github.com/rollcall-sync/rollcall/license/query"
)

// The benchmarks run each case on bbolt and on PostgreSQL in the same
// run, so the PostgreSQL figures come with the embedded floor beside them:
//
//	scripts/test.d/postgres.sh (or any cluster in ROLLCALL_TEST_POSTGRES_URL), then
//	go test ./license/postgres/ -run '^$' -bench . -benchtime 1x
//
// The roster is license/bolt's bench roster: a million district members,
// about 3% of them matching "%thomas%".

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

// benchRoster makes n upserts of a district roster in no particular order:
// 2% first-named and 1% surnamed Thomas, 5% teachers, 2% staff.
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

// benchBackend opens an empty store of one kind; close ends it.
type benchBackend struct {
	name string
	open func(b *testing.B) (s license.Store, close func())
}

var benchBackends = []benchBackend{
	{"bolt", func(b *testing.B) (license.Store, func()) {
		s, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), bolt.Options{BatchSize: 10000})
		if err != nil {
			b.Fatal(err)
		}
		return s, func() { s.Close() }
	}},
	{"postgres", func(b *testing.B) (license.Store, func()) {
		ctx := context.Background()
		u, drop, err := pgtest.CreateDatabase(ctx, pgtest.ServerURL(b))
		if err != nil {
			b.Fatal(err)
		}
		s, err := Open(ctx, u, Options{BatchSize: 10000})
		if err != nil {
			_ = drop()
			b.Fatal(err)
		}
		return s, func() { s.Close(); _ = drop() }
	}},
}

// BenchmarkApplyNew1M applies a million new claims into an empty license
// in one Apply of 10,000-change batches.
func BenchmarkApplyNew1M(b *testing.B) {
	changes := benchRoster(benchMembers, 2)
	ctx := context.Background()
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				s, closeStore := be.open(b)
				if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict, Seats: benchMembers}); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				b.StartTimer()
				r, err := s.Apply(ctx, "district", changes, license.ApplyOptions{Actor: "bench"})
				b.StopTimer()
				if err != nil || r.MembersAdded != benchMembers {
					b.Fatalf("Apply: %+v, %v", r, err)
				}
				closeStore()
				b.StartTimer()
			}
			b.ReportMetric(float64(benchMembers)*float64(b.N)/b.Elapsed().Seconds(), "claims/s")
		})
	}
}

// fixtures hold a million-member license per backend, built once per
// test binary for the read benchmarks, beside 200 small licenses (some
// deployed domain-wide, one to the district's own domain).
var fixtures struct {
	sync.Mutex
	stores map[string]license.Store
	closes []func()
}

func benchFixture(b *testing.B, be benchBackend) license.Store {
	b.Helper()
	fixtures.Lock()
	defer fixtures.Unlock()
	if s := fixtures.stores[be.name]; s != nil {
		return s
	}
	s, closeStore := be.open(b)
	ctx := context.Background()
	if _, err := s.CreateLicense(ctx, license.License{ID: "district", Name: "District", Type: license.TypeDistrict,
		Seats: benchMembers, Features: map[string]bool{"export": true}}); err != nil {
		b.Fatal(err)
	}
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
			b.Fatal(err)
		}
	}
	if _, err := s.Apply(ctx, "district", benchRoster(benchMembers, 1), license.ApplyOptions{Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	if ps, ok := s.(*Store); ok {
		// What autovacuum would have done by the time anyone reads.
		if _, err := ps.pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	if fixtures.stores == nil {
		fixtures.stores = map[string]license.Store{}
	}
	fixtures.stores[be.name] = s
	fixtures.closes = append(fixtures.closes, closeStore)
	return s
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range fixtures.closes {
		c()
	}
	os.Exit(code)
}

// BenchmarkFilterThomasFirstPage asks for the first page of "%thomas%"
// sorted by name over the million members: the name index is walked and
// the compiled query filters each member, until 51 match.
func BenchmarkFilterThomasFirstPage(b *testing.B) {
	q, err := query.Parse("%thomas%")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := benchFixture(b, be)
			runtime.GC()
			b.ResetTimer()
			for b.Loop() {
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
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}

// BenchmarkEntitlement looks members of the million-member license up one
// at a time; each also finds the license deployed to their domain.
func BenchmarkEntitlement(b *testing.B) {
	roster := benchRoster(benchMembers, 1)
	emails := make([]string, 4096)
	for i := range emails {
		emails[i] = roster[(i*7919)%len(roster)].Email
	}
	roster = nil
	ctx := context.Background()
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := benchFixture(b, be)
			if ent, err := s.Entitlement(ctx, emails[0]); err != nil || len(ent.Licenses) != 2 || !ent.Features["export"] {
				b.Fatalf("Entitlement(%s) = %+v, %v; want the district and one domain-wide license", emails[0], ent, err)
			}
			i := 0
			for b.Loop() {
				if _, err := s.Entitlement(ctx, emails[i%len(emails)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}

// BenchmarkSourceClaims1M reads one deployment's million claims, as a
// planner does before every sync.
func BenchmarkSourceClaims1M(b *testing.B) {
	ctx := context.Background()
	for _, be := range benchBackends {
		b.Run(be.name, func(b *testing.B) {
			s := benchFixture(b, be)
			for b.Loop() {
				n := 0
				err := s.SourceClaims(ctx, "district", "google-directory/district", func(string, *license.Claim, bool) error { n++; return nil })
				if err != nil || n != benchMembers {
					b.Fatalf("SourceClaims: %d claims, %v", n, err)
				}
			}
			b.ReportMetric(float64(benchMembers)*float64(b.N)/b.Elapsed().Seconds(), "claims/s")
		})
	}
}
