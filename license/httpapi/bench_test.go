package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// benchSize is the members of the benchmark license: ROLLCALL_BENCH_MEMBERS,
// default one million (the figure).
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("ROLLCALL_BENCH_MEMBERS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

var benchFirst = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas", "Mia", "Mason",
	"Amelia", "Ethan", "Harper", "Logan", "Evelyn", "Aiden", "Abigail", "Jackson", "Wei", "Priya", "Mohammed", "Fatima", "Kenji", "Diego"}
var benchLast = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Lopez", "Wilson", "Anderson", "Taylor", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Nguyen", "Patel", "Kim"}

// benchWorld is one store with a license of benchSize() members, built
// once per test binary run: user<i>@district.k12.us, about 3% of them
// named Thomas (first or last name).
var benchWorld struct {
	once  sync.Once
	dir   string
	err   error
	store *bolt.Store
	auth  *auth.Store
	app   string // application token
	admin string // license admin token
	n     int
}

func openBenchWorld(b *testing.B) {
	b.Helper()
	benchWorld.once.Do(func() {
		benchWorld.n = benchSize()
		benchWorld.dir, benchWorld.err = os.MkdirTemp("", "rollcall-api-bench")
		if benchWorld.err != nil {
			return
		}
		benchWorld.err = buildBenchWorld(benchWorld.dir, benchWorld.n)
	})
	if benchWorld.err != nil {
		b.Fatal(benchWorld.err)
	}
}

func buildBenchWorld(dir string, n int) error {
	ctx := context.Background()
	st, err := bolt.Open(filepath.Join(dir, "rollcall.db"), bolt.Options{})
	if err != nil {
		return err
	}
	if _, err := st.CreateLicense(ctx, license.License{ID: "big", Name: "District", Type: license.TypeDistrict, Seats: n,
		Admins: []string{"admin@district.k12.us"}, Features: map[string]bool{"export": true}}); err != nil {
		return err
	}
	const batch = 50_000
	for lo := 0; lo < n; lo += batch {
		ch := make([]license.Change, 0, batch)
		for i := lo; i < min(n, lo+batch); i++ {
			first, last := benchFirst[(i*7)%len(benchFirst)], benchLast[(i*13)%len(benchLast)]
			switch i % 100 {
			case 3, 51:
				first = "Thomas"
			case 77:
				last = "Thomas"
			}
			role := license.RoleStudent
			if i%20 == 0 {
				role = license.RoleTeacher
			}
			ch = append(ch, license.Change{Op: license.OpUpsert, Email: fmt.Sprintf("user%d@district.k12.us", i),
				Source: "google-directory/district", Name: first + " " + last, Role: role, OrgUnit: "/Students"})
		}
		if _, err := st.Apply(ctx, "big", ch, license.ApplyOptions{Actor: "bench", BatchSize: batch}); err != nil {
			return err
		}
	}
	as, err := auth.Open(filepath.Join(dir, "auth.db"), auth.Options{})
	if err != nil {
		return err
	}
	app, _, err := as.CreateToken(ctx, "app@vendor.com", auth.RoleApplication, 0, "bench")
	if err != nil {
		return err
	}
	admin, _, err := as.CreateToken(ctx, "admin@district.k12.us", auth.RoleAdmin, 0, "bench")
	if err != nil {
		return err
	}
	benchWorld.store, benchWorld.auth, benchWorld.app, benchWorld.admin = st, as, app, admin
	return nil
}

func benchHandler() http.Handler {
	return New(Options{Store: benchWorld.store, Auth: benchWorld.auth, Logger: slog.New(slog.DiscardHandler)})
}

// BenchmarkMembersThomasFirstPage is the Manage Users first page filtered
// by %thomas%, timed inside the server (no network): ns/op is server time.
func BenchmarkMembersThomasFirstPage(b *testing.B) {
	openBenchWorld(b)
	h := benchHandler()
	for _, q := range []struct{ name, query string }{
		{"floor-no-filter", ""},
		{"thomas", "?q=%25thomas%25"},
		{"thomas-by-name", "?q=%25thomas%25&sort=name"},
	} {
		b.Run(q.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", Prefix+"/licenses/big/members"+q.query, nil)
			req.Header.Set("Authorization", "Bearer "+benchWorld.admin)
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkEntitlementLoopback serves the API on a loopback listener and
// runs the load generator as a second process at a fixed rate
// (ROLLCALL_BENCH_RATE, default 5000/s, for ROLLCALL_BENCH_SECONDS, default
// 5), reporting its p50 and p99. The floor is the same load against a
// handler that does nothing, on the same server, in the same run.
func BenchmarkEntitlementLoopback(b *testing.B) {
	openBenchWorld(b)
	gen := filepath.Join(b.TempDir(), "loadgen")
	if out, err := exec.Command("go", "build", "-o", gen, "./internal/loadgen").CombinedOutput(); err != nil {
		b.Fatalf("build loadgen: %v\n%s", err, out)
	}
	mux := http.NewServeMux()
	mux.Handle(Prefix+"/", benchHandler())
	mux.HandleFunc("GET /floor", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	rate, secs := envInt("ROLLCALL_BENCH_RATE", 5000), envInt("ROLLCALL_BENCH_SECONDS", 5)

	load := func(b *testing.B, url string) loadReport {
		cmd := exec.Command(gen, "-url", url, "-n", strconv.Itoa(benchWorld.n), "-rate", strconv.Itoa(rate),
			"-duration", strconv.Itoa(secs)+"s", "-header", "Authorization: Bearer "+benchWorld.app)
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("loadgen: %v", err)
		}
		var r loadReport
		if err := json.Unmarshal(out, &r); err != nil {
			b.Fatalf("loadgen said %q: %v", out, err)
		}
		if r.Errors > 0 {
			b.Fatalf("%d of %d requests failed", r.Errors, r.Requests)
		}
		return r
	}
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			r := load(b, base+"/floor")
			report(b, r)
		}
	})
	b.Run("entitlement", func(b *testing.B) {
		for b.Loop() {
			r := load(b, base+Prefix+"/entitlements/user%d@district.k12.us")
			report(b, r)
		}
	})
}

type loadReport struct {
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"`
	Rate     float64 `json:"rate"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	P999ms   float64 `json:"p999_ms"`
	Maxms    float64 `json:"max_ms"`
}

func report(b *testing.B, r loadReport) {
	b.ReportMetric(r.P50ms, "p50-ms")
	b.ReportMetric(r.P99ms, "p99-ms")
	b.ReportMetric(r.Maxms, "max-ms")
	b.ReportMetric(r.Rate, "req/s")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestMain removes the benchmark world after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchWorld.store != nil {
		benchWorld.store.Close()
		benchWorld.auth.Close()
	}
	if benchWorld.dir != "" {
		os.RemoveAll(benchWorld.dir)
	}
	os.Exit(code)
}

// BenchmarkEntitlementHandler is one entitlement lookup inside the server
// (token check, store read, JSON), without the network.
func BenchmarkEntitlementHandler(b *testing.B) {
	openBenchWorld(b)
	h := benchHandler()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest("GET", fmt.Sprintf("%s/entitlements/user%d@district.k12.us", Prefix, (i*7919)%benchWorld.n), nil)
		req.Header.Set("Authorization", "Bearer "+benchWorld.app)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		i++
	}
}
