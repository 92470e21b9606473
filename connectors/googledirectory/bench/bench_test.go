package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
	admin "google.golang.org/api/admin/directory/v1"
	"google.golang.org/api/option"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
)

// The benchmarks read their setting from the environment:
//
//	ROLLCALL_BENCH_READY   the ready file of a running fakedirectory (out of
//	                       process); unset: the phase benchmarks skip, and
//	                       BenchmarkDirectoryInProcess serves its own fake
//	ROLLCALL_BENCH_DIR     folder holding the store between phase runs
//	ROLLCALL_BENCH_PEOPLE  in-process district size (default 20,000)
//	ROLLCALL_BENCH_QUOTA   the connector's quota_per_minute (default: Google's)
//	ROLLCALL_BENCH_CONCURRENCY  the connector's concurrency (default: its default)
//	ROLLCALL_BENCH_SPLIT_LATENCY  WithSplitLatency (default: DefaultSplitLatency)
//	ROLLCALL_BENCH_BATCH   changes per store transaction (default: the engine's)
//
// Each phase benchmark is one process in the script, so that /usr/bin/time
// reports its peak RSS alone; run them with -benchtime 1x.

// target is a fake Directory to read.
type target struct {
	ready struct {
		Endpoint string `json:"endpoint"`
		TokenURL string `json:"token_url"`
		Subject  string `json:"subject"`
		KeyFile  string `json:"key_file"`
		Control  string `json:"control"`
		People   int    `json:"people"`
	}
	churn func(n int) error
}

// outOfProcess reads the ready file of a running fakedirectory.
func outOfProcess(b *testing.B) *target {
	b.Helper()
	path := os.Getenv("ROLLCALL_BENCH_READY")
	if path == "" {
		b.Skip("ROLLCALL_BENCH_READY is unset: run scripts/bench-directory.sh, which starts the fake out of process")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	t := &target{}
	if err := json.Unmarshal(raw, &t.ready); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	t.churn = func(n int) error {
		resp, err := http.Post(fmt.Sprintf("%s/churn?n=%d&seed=%d", t.ready.Control, n, time.Now().UnixNano()&0xffff), "", nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("churn: %s", resp.Status)
		}
		return nil
	}
	return t
}

// inProcess serves a fake in this process.
func inProcess(b *testing.B, people int) *target {
	b.Helper()
	srv := fake.New(fake.Options{District: fake.Generate(1, people)})
	b.Cleanup(srv.Close)
	key, err := srv.NewServiceAccount()
	if err != nil {
		b.Fatal(err)
	}
	t := &target{}
	t.ready.Endpoint, t.ready.TokenURL, t.ready.Subject = srv.Endpoint(), srv.TokenURL(), srv.District().SuperAdmin
	t.ready.KeyFile, t.ready.People = filepath.Join(b.TempDir(), "sa.json"), people
	if err := os.WriteFile(t.ready.KeyFile, key, 0o600); err != nil {
		b.Fatal(err)
	}
	t.churn = func(n int) error { srv.Churn(rand.New(rand.NewPCG(1, 2)), n); return nil }
	return t
}

func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

var (
	units = []string{"/Students", "/Staff"}
	sel   = connectors.Selection{Units: units, Roles: map[string]license.Role{"/Staff": license.RoleTeacher}}
)

// floor pages the selection with Google's Go client alone, one page after
// another, asking for the same fields and query as the connector, and
// keeps nothing: the cost of the transfer and the decoding.
func (t *target) floor(b *testing.B) int {
	b.Helper()
	ctx := context.Background()
	key, err := os.ReadFile(t.ready.KeyFile)
	if err != nil {
		b.Fatal(err)
	}
	conf, err := google.JWTConfigFromJSON(key, "https://www.googleapis.com/auth/admin.directory.user.readonly")
	if err != nil {
		b.Fatal(err)
	}
	conf.Subject, conf.TokenURL = t.ready.Subject, t.ready.TokenURL
	svc, err := admin.NewService(ctx, option.WithHTTPClient(conf.Client(ctx)), option.WithEndpoint(t.ready.Endpoint))
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, ou := range units {
		err := svc.Users.List().Customer("my_customer").MaxResults(500).Projection("basic").
			Query("orgUnitPath='"+ou+"' isSuspended=false isArchived=false").
			Fields("nextPageToken,users(id,primaryEmail,name/fullName,orgUnitPath,suspended,archived)").
			Pages(ctx, func(u *admin.Users) error { n += len(u.Users); return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	return n
}

// connector opens google-directory on the target.
func (t *target) connector(b *testing.B) connectors.Connector {
	b.Helper()
	s := &googledirectory.Settings{CredentialsFile: t.ready.KeyFile, Subject: t.ready.Subject,
		Endpoint: t.ready.Endpoint, TokenURL: t.ready.TokenURL,
		QuotaPerMinute: envInt(b, "ROLLCALL_BENCH_QUOTA", googledirectory.DefaultQuotaPerMinute),
		Concurrency:    envInt(b, "ROLLCALL_BENCH_CONCURRENCY", googledirectory.DefaultConcurrency),
		// The split is opt-in (see Settings.SplitByEmail); the benchmark
		// measures it unless ROLLCALL_BENCH_SPLIT=0.
		SplitByEmail: os.Getenv("ROLLCALL_BENCH_SPLIT") != "0"}
	var opts []googledirectory.Option
	if v := os.Getenv("ROLLCALL_BENCH_SPLIT_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("ROLLCALL_BENCH_SPLIT_LATENCY=%q: %v", v, err)
		}
		opts = append(opts, googledirectory.WithSplitLatency(d))
	}
	conn, err := googledirectory.New(*s, connectors.OpenOptions{Name: "district"}, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return conn
}

// read runs the connector alone, keeping nothing.
func (t *target) read(b *testing.B, conn connectors.Connector) int {
	b.Helper()
	n := 0
	if err := conn.Fetch(context.Background(), sel, func(p []connectors.Person) error { n += len(p); return nil }); err != nil {
		b.Fatal(err)
	}
	return n
}

// syncer is the engine on a store in dir, syncing the target.
type syncer struct {
	store  *bolt.Store
	engine *engine.Engine
	path   string
}

func openSyncer(b *testing.B, t *target, dir string, fresh bool) *syncer {
	b.Helper()
	storePath, statePath := filepath.Join(dir, "rollcall.db"), filepath.Join(dir, "syncstate.db")
	if fresh {
		for _, p := range []string{storePath, statePath} {
			if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
				b.Fatal(err)
			}
		}
	} else if _, err := os.Stat(storePath); err != nil {
		b.Fatalf("no store from a first sync: %v (run BenchmarkDirectoryFirstSync first)", err)
	}
	s := &syncer{path: storePath}
	var err error
	if s.store, err = bolt.Open(storePath, bolt.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.store.Close() })
	state, err := syncstate.Open(statePath, syncstate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { state.Close() })
	if fresh {
		if _, err := s.store.CreateLicense(context.Background(), license.License{ID: "district", Name: "District",
			Type: license.TypeDistrict, Seats: 2 * max(t.ready.People, 1)}); err != nil {
			b.Fatal(err)
		}
	}
	dep := connectors.Deployment{Name: "all", Connector: "district", License: "district", Selection: sel,
		DeletionLimit: connectors.DeletionLimit{Percent: 100}}
	s.engine, err = engine.New(engine.Options{Store: s.store, State: state, SpillDir: dir,
		BatchSize:   envInt(b, "ROLLCALL_BENCH_BATCH", reconcile.DefaultBatchSize),
		Connectors:  map[string]connectors.Connector{"district": t.connector(b)},
		Deployments: []connectors.Deployment{dep}})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func (s *syncer) run(b *testing.B) syncstate.Run {
	b.Helper()
	run, err := s.engine.Run(context.Background(), "all", engine.TriggerManual)
	if err != nil {
		b.Fatal(err)
	}
	if run.Result != syncstate.ResultSuccess {
		b.Fatalf("run %s: %s %s", run.Result, run.Guard, run.Error)
	}
	return run
}

// storeStamp is what any bbolt write transaction changes: bbolt rewrites
// a meta page on every commit, so even an empty one moves the mtime.
func storeStamp(b *testing.B, path string) (time.Time, int64) {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.ModTime(), fi.Size()
}

func benchDir(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("ROLLCALL_BENCH_DIR")
	if dir == "" {
		b.Skip("ROLLCALL_BENCH_DIR is unset: run scripts/bench-directory.sh")
	}
	return dir
}

func BenchmarkDirectoryFloor(b *testing.B) {
	t := outOfProcess(b)
	n := 0
	for b.Loop() {
		n = t.floor(b)
	}
	b.ReportMetric(float64(n), "people")
}

func BenchmarkDirectoryRead(b *testing.B) {
	t := outOfProcess(b)
	conn := t.connector(b)
	n := 0
	before := t.usersLists(b)
	for b.Loop() {
		n = t.read(b, conn)
	}
	b.ReportMetric(float64(n), "people")
	b.ReportMetric(float64(t.usersLists(b)-before)/float64(b.N), "requests")
}

// usersLists asks the fake how many users.list requests it has answered.
func (t *target) usersLists(b *testing.B) int64 {
	b.Helper()
	resp, err := http.Get(t.ready.Control + "/counts")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct {
		UsersList int64 `json:"users_list"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		b.Fatal(err)
	}
	return c.UsersList
}

func BenchmarkDirectoryFirstSync(b *testing.B) {
	t := outOfProcess(b)
	dir := benchDir(b)
	var run syncstate.Run
	defer anonPeak(b)()
	for b.Loop() {
		b.StopTimer()
		s := openSyncer(b, t, dir, true)
		b.StartTimer()
		run = s.run(b)
		b.StopTimer()
		s.store.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(run.Counts.Added), "added")
}

func BenchmarkDirectoryResync(b *testing.B) {
	t := outOfProcess(b)
	s := openSyncer(b, t, benchDir(b), false)
	mtime, size := storeStamp(b, s.path)
	defer anonPeak(b)()
	for b.Loop() {
		run := s.run(b)
		if c := run.Counts; c.Added+c.Updated+c.Removed+c.Leaving != 0 {
			b.Fatalf("an unchanged source changed the store: %+v", c)
		}
	}
	if m, sz := storeStamp(b, s.path); !m.Equal(mtime) || sz != size {
		b.Fatal("an unchanged resync wrote to the store")
	}
	b.ReportMetric(0, "store-writes")
}

func BenchmarkDirectoryChurn(b *testing.B) {
	t := outOfProcess(b)
	s := openSyncer(b, t, benchDir(b), false)
	var run syncstate.Run
	defer anonPeak(b)()
	for b.Loop() {
		b.StopTimer()
		if err := t.churn(max(t.ready.People/100, 1)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		run = s.run(b)
	}
	c := run.Counts
	b.ReportMetric(float64(c.Added+c.Updated+c.Removed+c.Leaving), "changes")
}

// BenchmarkDirectoryInProcess runs every phase in one process against a
// fake in the same process, for a quick look: go test -bench InProcess.
// The figures come from the script (fake out of process).
func BenchmarkDirectoryInProcess(b *testing.B) {
	people := envInt(b, "ROLLCALL_BENCH_PEOPLE", 20_000)
	for b.Loop() {
		t := inProcess(b, people)
		conn := t.connector(b)
		timeIt := func(f func()) float64 { s := time.Now(); f(); return time.Since(s).Seconds() }
		floor := timeIt(func() { t.floor(b) })
		read := timeIt(func() { t.read(b, conn) })
		s := openSyncer(b, t, b.TempDir(), true)
		first := timeIt(func() { s.run(b) })
		mtime, size := storeStamp(b, s.path)
		unchanged := timeIt(func() {
			if c := s.run(b).Counts; c.Added+c.Updated+c.Removed+c.Leaving != 0 {
				b.Fatalf("an unchanged source changed the store: %+v", c)
			}
		})
		if m, sz := storeStamp(b, s.path); !m.Equal(mtime) || sz != size {
			b.Fatal("an unchanged resync wrote to the store")
		}
		if err := t.churn(people / 100); err != nil {
			b.Fatal(err)
		}
		churn := timeIt(func() { s.run(b) })
		b.ReportMetric(floor, "floor-s")
		b.ReportMetric(read/floor, "read-x")
		b.ReportMetric(first/floor, "first-x")
		b.ReportMetric(unchanged/floor, "unchanged-x")
		b.ReportMetric(churn/floor, "churn-x")
	}
}
