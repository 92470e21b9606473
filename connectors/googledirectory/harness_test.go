package googledirectory

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/connectortest"
	"github.com/rollcall-sync/rollcall/connectors/googledirectory/fake"
	"github.com/rollcall-sync/rollcall/connectors/ratelimit"
)

// testAccount is one RSA service account shared by the tests: key
// generation is the slowest step, and each server registers it anew.
var testAccount = sync.OnceValues(func() (*fake.ServiceAccount, error) {
	sa, _, err := fake.NewServiceAccount("rollcall-test@rollcall-fake.iam.gserviceaccount.com", "http://unused/token")
	return sa, err
})

// googleEnv is a fake Directory, a connector on it, and what the test
// observes of the connector.
type googleEnv struct {
	srv   *fake.Server
	d     *fake.District
	conn  *Connector
	rec   *connectortest.Recorder
	clock *connectortest.Clock
	set   Settings
	logs  *strings.Builder
}

// envOptions adjust a test environment before the connector opens.
type envOptions struct {
	settings func(*Settings)
	scopes   []string // the delegation grant; nil: read-only
	name     string   // connector instance name; empty: "district"
	rec      *connectortest.Recorder
	clock    *connectortest.Clock
	// transport is the base under the connector's retries; nil: default.
	transport http.RoundTripper
	// splitLatency is WithSplitLatency's; zero splits every unit that
	// outlasts the first pages.
	splitLatency time.Duration
	// quotaClock, when set, is what the quota paces on.
	quotaClock ratelimit.Clock
}

// newEnv serves d (nil: a small generated district) and opens a connector
// impersonating the super admin, with a key file written 0600 to a temp dir.
func newEnv(t testing.TB, d *fake.District, eo envOptions) *googleEnv {
	t.Helper()
	if d == nil {
		d = fake.Generate(7, 300)
	}
	srv := fake.New(fake.Options{District: d})
	t.Cleanup(srv.Close)
	sa, err := testAccount()
	if err != nil {
		t.Fatal(err)
	}
	srv.Register(sa, eo.scopes...)
	dir := t.TempDir()
	key, err := sa.KeyFile(srv.TokenURL())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.json"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	e := &googleEnv{srv: srv, d: d, rec: eo.rec, clock: eo.clock, logs: &strings.Builder{}}
	if e.rec == nil {
		e.rec = connectortest.NewRecorder()
	}
	if e.clock == nil {
		e.clock = connectortest.NewClock()
	}
	name := eo.name
	if name == "" {
		name = "district"
	}
	// The quota is paced on the wall clock; tests that are not about it
	// run with one too large to wait on.
	e.set = Settings{CredentialsFile: "sa.json", Subject: d.SuperAdmin, Endpoint: srv.Endpoint(), MaxResults: 50,
		QuotaPerMinute: 1_000_000}
	if eo.settings != nil {
		eo.settings(&e.set)
	}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{b: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	oo := connectors.OpenOptions{Name: name, Logger: logger, Upstream: e.rec, BaseDir: dir}
	if eo.transport != nil {
		oo.HTTPClient = &http.Client{Transport: eo.transport}
	}
	// Split however fast the fake answers, so that tests see the split.
	extra := []Option{WithClock(e.clock), WithSplitLatency(eo.splitLatency)}
	if eo.quotaClock != nil {
		extra = append(extra, WithQuotaClock(eo.quotaClock))
	}
	conn, err := New(e.set, oo, extra...)
	if err != nil {
		t.Fatal(err)
	}
	e.conn = conn
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// collect runs a Fetch and returns everyone emitted, by external id,
// failing the test if anyone is emitted twice.
func collect(t *testing.T, c connectors.Connector, sel connectors.Selection) (map[string]connectors.Person, error) {
	t.Helper()
	got := map[string]connectors.Person{}
	err := c.Fetch(context.Background(), sel, func(page []connectors.Person) error {
		for _, p := range page {
			if _, dup := got[p.ExternalID]; dup {
				t.Errorf("%s (%s) emitted twice", p.ExternalID, p.Email)
			}
			got[p.ExternalID] = p
		}
		return nil
	})
	return got, err
}
