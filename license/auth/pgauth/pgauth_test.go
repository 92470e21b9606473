package pgauth_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/auth/authtest"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth"
	"github.com/rollcall-sync/rollcall/license/auth/pgauth/pgauthtest"
)

func openStorage(t *testing.T, url string) *pgauth.Storage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := pgauth.OpenStorage(ctx, url, auth.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformance(t *testing.T) {
	authtest.Run(t, func(t *testing.T) authtest.Opener {
		url := pgauthtest.NewDatabase(t)
		return func(t *testing.T) auth.Storage { return openStorage(t, url) }
	})
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return conn
}

// TestHoldsNoSecret reads every auth table as text, row by row: no token
// or cookie in plain text, and each token row's hash is exactly the
// SHA-256 of its token, as in auth.db.
func TestHoldsNoSecret(t *testing.T) {
	url := pgauthtest.NewDatabase(t)
	st := openStorage(t, url)
	secrets := authtest.WriteSecrets(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	ctx := context.Background()
	var dump []string
	for _, table := range []string{"auth_tokens", "auth_sessions", "auth_oidc_logins", "auth_schema_version"} {
		rows, err := conn.Query(ctx, `SELECT r::text FROM `+table+` r`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		dump = append(dump, got...)
	}
	if len(dump) < len(secrets.Tokens)+len(secrets.Sessions) {
		t.Fatalf("only %d rows: the secrets were not written", len(dump))
	}
	all := strings.Join(dump, "\n")
	for _, s := range secrets.All() {
		if strings.Contains(all, s) {
			t.Errorf("a row holds a secret in plain text (%d chars)", len(s))
		}
	}
	var hashes [][]byte
	rows, err := conn.Query(ctx, `SELECT hash FROM auth_tokens UNION ALL SELECT hash FROM auth_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	hashes, err = pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range secrets.Hashes() {
		found := false
		for _, h := range hashes {
			found = found || bytes.Equal(h, want)
		}
		if !found {
			t.Errorf("no row keyed by the SHA-256 of a secret handed out")
		}
	}
	for _, tok := range secrets.Tokens {
		sum := sha256.Sum256([]byte(tok))
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM auth_tokens WHERE hash = $1 AND $2 LIKE prefix || '%'`, sum[:], tok).Scan(&n); err != nil || n != 1 {
			t.Errorf("token row by sha256 and prefix: %d rows, %v", n, err)
		}
	}
}

// TestMigrations: opening twice, or from several processes at once,
// applies each version once; a database migrated by a newer rollcall is
// refused and left alone.
func TestMigrations(t *testing.T) {
	url := pgauthtest.NewDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			st, err := pgauth.OpenStorage(ctx, url, auth.Options{})
			if err != nil {
				errs <- err
				return
			}
			errs <- st.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("parallel open: %v", err)
		}
	}
	conn := connect(t, url)
	var n, maxV int
	if err := conn.QueryRow(ctx, `SELECT count(*), max(version) FROM auth_schema_version`).Scan(&n, &maxV); err != nil {
		t.Fatal(err)
	}
	if n != pgauth.SchemaVersion() || maxV != pgauth.SchemaVersion() || n < 1 {
		t.Errorf("%d versions recorded up to %d, want %d", n, maxV, pgauth.SchemaVersion())
	}
	next := pgauth.SchemaVersion() + 1
	if _, err := conn.Exec(ctx, `INSERT INTO auth_schema_version (version, name) VALUES ($1, 'from the future')`, next); err != nil {
		t.Fatal(err)
	}
	_, err := pgauth.OpenStorage(ctx, url, auth.Options{})
	if !errors.Is(err, pgauth.ErrSchemaTooNew) {
		t.Errorf("open on a newer schema: %v, want ErrSchemaTooNew", err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM auth_schema_version`).Scan(&n); err != nil || n != next {
		t.Errorf("after a refused open: %d versions (%v), want %d untouched", n, err, next)
	}
}

// TestSharesDatabase: the auth tables sit beside other tables (the
// license store's) in one database without touching them.
func TestSharesDatabase(t *testing.T) {
	url := pgauthtest.NewDatabase(t)
	ctx := context.Background()
	conn := connect(t, url)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_version (version integer PRIMARY KEY); INSERT INTO schema_version VALUES (7); CREATE TABLE tokens (x int)`); err != nil {
		t.Fatal(err)
	}
	st := openStorage(t, url)
	defer st.Close()
	var v int
	if err := conn.QueryRow(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil || v != 7 {
		t.Errorf("another schema's version table: %d, %v", v, err)
	}
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cases := []struct {
		name, url string
		want      error
	}{
		{"bad port", "postgres://rollcall:hunter2secret@127.0.0.1:notaport/db", auth.ErrInvalid},
		{"bad scheme part", "postgres://rollcall:hunter2secret@[::1/db", auth.ErrInvalid},
		{"nobody listening", "postgres://rollcall:hunter2secret@127.0.0.1:1/db?connect_timeout=2", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := pgauth.Open(ctx, tc.url, auth.Options{Timeout: 2 * time.Second})
			if err == nil {
				st.Close()
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), "hunter2secret") {
				t.Errorf("error shows the password: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBackupUnsupported(t *testing.T) {
	url := pgauthtest.NewDatabase(t)
	s, err := pgauth.Open(context.Background(), url, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var buf bytes.Buffer
	if _, err := s.Backup(context.Background(), &buf); !errors.Is(err, errors.ErrUnsupported) || buf.Len() != 0 {
		t.Errorf("Backup = %v (%d bytes), want ErrUnsupported", err, buf.Len())
	}
}

// TestCopyTokensFromBolt moves auth.db's tokens into PostgreSQL: each
// signs in there as before (revoked and expiring ones alike), a second
// copy adds nothing, and a clashing id stops the copy.
func TestCopyTokensFromBolt(t *testing.T) {
	ctx := context.Background()
	boltPath := filepath.Join(t.TempDir(), "auth.db")
	src, err := auth.OpenBolt(boltPath, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	from := auth.New(src, auth.Options{})
	live, liveTok, err := from.CreateToken(ctx, "ann@district.org", auth.RoleAdmin, 0, "script")
	if err != nil {
		t.Fatal(err)
	}
	gone, goneTok, err := from.CreateToken(ctx, "bob@district.org", auth.RoleOperator, time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := from.Revoke(ctx, goneTok.ID); err != nil {
		t.Fatal(err)
	}
	dst := openStorage(t, pgauthtest.NewDatabase(t))
	defer dst.Close()
	n, err := auth.CopyTokens(ctx, dst, src)
	if err != nil || n != 2 {
		t.Fatalf("CopyTokens = %d, %v; want 2", n, err)
	}
	to := auth.New(dst, auth.Options{})
	if p, err := to.Authenticate(ctx, live); err != nil || p.TokenID != liveTok.ID || p.Email != "ann@district.org" {
		t.Errorf("copied token: %+v, %v", p, err)
	}
	var ce *auth.CredentialError
	if _, err := to.Authenticate(ctx, gone); !errors.As(err, &ce) || ce.Reason != auth.ReasonRevoked {
		t.Errorf("copied revoked token: %v", err)
	}
	before, _ := from.ListTokens(ctx)
	after, _ := to.ListTokens(ctx)
	if len(before) != len(after) {
		t.Fatalf("%d tokens copied of %d", len(after), len(before))
	}
	for i := range before {
		b, a := before[i], after[i]
		if b.ID != a.ID || b.Prefix != a.Prefix || b.Note != a.Note || !b.Created.Equal(a.Created) || !b.Expires.Equal(a.Expires) || !b.Revoked.Equal(a.Revoked) {
			t.Errorf("token %d: %+v, copied as %+v", i, b, a)
		}
	}
	if n, err := auth.CopyTokens(ctx, dst, src); err != nil || n != 0 {
		t.Errorf("second copy = %d, %v; want 0", n, err)
	}
	clash := auth.TokenRecord{Token: auth.Token{ID: "clash", Prefix: "rcat_xxxxxx", Email: "x@y.org", Role: auth.RoleAdmin, Created: time.Now().UTC().Truncate(time.Microsecond)}, Hash: bytes.Repeat([]byte{1}, 32)}
	if err := dst.PutToken(ctx, clash); err != nil {
		t.Fatal(err)
	}
	clash.Hash = bytes.Repeat([]byte{2}, 32)
	if err := src.PutToken(ctx, clash); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.CopyTokens(ctx, dst, src); !errors.Is(err, auth.ErrInvalid) {
		t.Errorf("copy over a clashing id: %v, want ErrInvalid", err)
	}
}

// TestNewOnSharedPool: a Storage made on the caller's pool leaves it open
// on Close, for the license store that shares it.
func TestNewOnSharedPool(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgauthtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st, err := pgauth.New(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	s := auth.New(st, auth.Options{})
	plain, _, err := s.CreateToken(ctx, "ann@district.org", auth.RoleAdmin, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM auth_tokens WHERE hash = $1`, sha256Of(plain)).Scan(&n); err != nil || n != 1 {
		t.Errorf("the shared pool after Close: %d rows, %v", n, err)
	}
}

func sha256Of(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}
