package classroom

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"testing"

	"golang.org/x/oauth2/google"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/classroom/fake"
	"github.com/rollcall-sync/rollcall/connectors/reconcile"
)

// benchEnrollments is the school size: ROLLCALL_BENCH_ENROLLMENTS, else
// 216,000, which gives about 200,000 enrollments in ACTIVE courses (the
// rest are in archived and provisioned ones, read by nobody).
func benchEnrollments(b *testing.B) int {
	n := 216_000
	if v := os.Getenv("ROLLCALL_BENCH_ENROLLMENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("ROLLCALL_BENCH_ENROLLMENTS=%q: want a positive number", v)
		}
	}
	return n
}

// BenchmarkFetch reads a whole school against the fake on loopback:
//
//   - floor: pages and decodes the same responses with net/http and
//     encoding/json into minimal structs, one token, no client library,
//     no retries, nobody emitted: the cost of the API itself.
//   - fetch: the connector's Fetch through the real client, emitting
//     every page to a counter.
//   - collect: reconcile.Collect over the connector, the snapshot a sync
//     plans from (emails normalized, people folded, hashed); no store.
//
// Run one at a time under /usr/bin/time -v for peak RSS.
func BenchmarkFetch(b *testing.B) {
	n := benchEnrollments(b)
	e := newEnv(b, fake.Generate(1, n), envOptions{settings: func(s *Settings) { s.PageSize = 1000 }})
	st, teachers := 0, 0
	for _, c := range e.srv.Courses() {
		if c.State == fake.StateActive {
			st += len(c.Students)
			teachers += len(c.Teachers)
		}
	}
	sel := connectors.Selection{Units: []string{UnitAll}}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fakeHeap := float64(ms.HeapAlloc) / (1 << 20)
	report := func(b *testing.B, rows int) {
		b.ReportAllocs()
		b.ReportMetric(float64(rows), "rows/op")
		b.ReportMetric(float64(st+teachers), "enrollments")
		b.ReportMetric(fakeHeap, "fake-heap-MB")
	}

	b.Run("floor", func(b *testing.B) {
		tok := benchToken(b, e)
		rows := 0
		for b.Loop() {
			rows = floorRead(b, e.srv.URL(), tok, 1000)
		}
		report(b, rows)
	})
	b.Run("fetch", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			rows = 0
			if err := e.conn.Fetch(context.Background(), sel, func(p []connectors.Person) error {
				rows += len(p)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		report(b, rows)
	})
	b.Run("collect", func(b *testing.B) {
		var snap *reconcile.Snapshot
		for b.Loop() {
			var err error
			if snap, err = reconcile.Collect(context.Background(), e.conn, sel); err != nil {
				b.Fatal(err)
			}
		}
		report(b, snap.Fetched)
		b.ReportMetric(float64(len(snap.People)), "people")
	})
}

// benchToken gets one token through the real JWT flow.
func benchToken(b *testing.B, e *env) string {
	sa, err := testAccount()
	if err != nil {
		b.Fatal(err)
	}
	key, err := sa.KeyFile(e.srv.TokenURL())
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := google.JWTConfigFromJSON(key, Scopes()...)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Subject = e.srv.Admin()
	tok, err := cfg.TokenSource(context.Background()).Token()
	if err != nil {
		b.Fatal(err)
	}
	return tok.AccessToken
}

// floorRead pages courses.list (ACTIVE) and every course's teachers and
// students, decoding each page, and counts the roster rows.
func floorRead(b *testing.B, base, tok string, size int) int {
	list := func(path string, v any) string {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			NextPageToken string `json:"nextPageToken"`
		}
		var raw json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil || resp.StatusCode != 200 {
			b.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			b.Fatal(err)
		}
		_ = json.Unmarshal(raw, &page)
		return page.NextPageToken
	}
	type profile struct {
		ID   string `json:"id"`
		Name struct {
			FullName string `json:"fullName"`
		} `json:"name"`
		Email string `json:"emailAddress"`
	}
	var ids []string
	for next := "-"; next != ""; {
		var page struct {
			Courses []struct {
				ID string `json:"id"`
			} `json:"courses"`
		}
		path := "/v1/courses?courseStates=ACTIVE&pageSize=" + strconv.Itoa(size)
		if next != "-" {
			path += "&pageToken=" + url.QueryEscape(next)
		}
		next = list(path, &page)
		for _, c := range page.Courses {
			ids = append(ids, c.ID)
		}
	}
	rows := 0
	for _, id := range ids {
		for _, kind := range []string{"teachers", "students"} {
			for next := "-"; next != ""; {
				var page struct {
					Teachers []struct {
						UserID  string  `json:"userId"`
						Profile profile `json:"profile"`
					} `json:"teachers"`
					Students []struct {
						UserID  string  `json:"userId"`
						Profile profile `json:"profile"`
					} `json:"students"`
				}
				path := "/v1/courses/" + id + "/" + kind + "?pageSize=" + strconv.Itoa(size)
				if next != "-" {
					path += "&pageToken=" + url.QueryEscape(next)
				}
				next = list(path, &page)
				rows += len(page.Teachers) + len(page.Students)
			}
		}
	}
	return rows
}
