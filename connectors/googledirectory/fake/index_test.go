package fake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/oauth2/jwt"
)

// scanPage is users.list's listing as the fake did it before the index:
// every user from position start on, checked one by one. The index must
// give exactly its answers.
func (s *Server) scanPage(q *userQuery, start, limit int) (ids []string, more bool) {
	for i := start; i < len(s.d.Users); i++ {
		u := &s.d.Users[i]
		if s.removed[i] || !q.match(u) {
			continue
		}
		if len(ids) == limit {
			return ids, true
		}
		ids = append(ids, u.ID)
	}
	return ids, false
}

func (s *Server) indexedPage(q *userQuery, start, limit int) (ids []string, more bool) {
	_, more = s.listPage(q, start, limit, func(u *User) { ids = append(ids, u.ID) })
	return ids, more
}

// oddDistrict is a generated district plus users the generator never
// makes: emails starting with upper case, digits, symbols and non-ASCII
// letters (one of them upper case, whose lower case is longer in bytes),
// and users placed at paths whose case differs from the unit's.
func oddDistrict(seed int64, people int) *District {
	d := Generate(seed, people)
	grade := "/Students/" + d.Schools[0].Name + "/" + d.Schools[0].Grades[0]
	odd := []struct{ email, ou string }{
		{"Zed.Upper@" + d.Domain, grade},
		{"9lives@" + d.Domain, "/Students"},
		{"_under@" + d.Domain, strings.ToLower(grade)},
		{"'quote@" + d.Domain, "/STUDENTS/" + d.Schools[0].Name},
		{"-dash@" + d.Domain, "/Staff"},
		{"élodie@" + d.Domain, grade},
		{"Émile@" + d.Domain, grade},
		{"ßtraße@" + d.Domain, "/Staff/District Office"},
		{"øyvind@" + d.Domain, "/"},
		{"Ⱥlpha@" + d.Domain, grade}, // U+023A lower-cases to a 3-byte rune
		{"zed.upper2@" + d.Domain, "/students"},
	}
	for _, o := range odd {
		d.Users = append(d.Users, User{ID: d.newID(), PrimaryEmail: o.email, GivenName: "Odd", OrgUnitPath: o.ou})
	}
	slices.SortFunc(d.Users, func(a, b User) int { return strings.Compare(a.ID, b.ID) })
	return d
}

// randomQuery draws a query over d's units, in any case, with any mix of
// the filters and email prefixes of one or more characters, some matching
// nobody.
func randomQuery(rng *rand.Rand, d *District) string {
	var clauses []string
	if rng.IntN(6) > 0 {
		ou := d.OrgUnits[rng.IntN(len(d.OrgUnits))].Path
		switch rng.IntN(4) {
		case 0:
			ou = strings.ToLower(ou)
		case 1:
			ou = strings.ToUpper(ou)
		}
		clauses = append(clauses, "orgUnitPath='"+strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(ou)+"'")
	}
	for _, f := range []string{"isSuspended", "isArchived", "isAdmin"} {
		if rng.IntN(3) == 0 {
			clauses = append(clauses, f+"="+strconv.FormatBool(rng.IntN(2) == 0))
		}
	}
	if rng.IntN(4) > 0 {
		prefixes := []string{"", "a", "t", "T", "th", "thomas.", "z", "Z", "9", "_", "'", "-", "é", "É", "ß", "ø", "ⱥ", "Ⱥ", "q", "x", "ma", "olivia.smith"}
		p := prefixes[rng.IntN(len(prefixes))]
		if strings.ContainsAny(p, "'") {
			clauses = append(clauses, `email:'\'*'`)
		} else {
			clauses = append(clauses, "email:"+p+"*")
		}
	}
	rng.Shuffle(len(clauses), func(i, j int) { clauses[i], clauses[j] = clauses[j], clauses[i] })
	return strings.Join(clauses, " ")
}

// churnSome changes the district through every mutation the fake has.
func churnSome(t *testing.T, rng *rand.Rand, s *Server, n int) {
	t.Helper()
	s.Churn(rng, n)
	users := s.Users()
	ous := s.District().OrgUnits
	for range n / 4 {
		u := users[rng.IntN(len(users))]
		if u.IsAdmin {
			continue
		}
		switch rng.IntN(4) {
		case 0:
			_ = s.Move(u.PrimaryEmail, ous[rng.IntN(len(ous))].Path)
		case 1:
			_ = s.Suspend(u.PrimaryEmail)
		case 2:
			_ = s.Remove(u.PrimaryEmail)
		case 3:
			local := fmt.Sprintf("%c%d.added", "aéZ9_ßx"[rng.IntN(7)], rng.IntN(1e6))
			if _, err := s.Add(User{PrimaryEmail: local + "@" + s.Domain(), OrgUnitPath: ous[rng.IntN(len(ous))].Path}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestIndexedListingMatchesScan holds listPage to the scan on random
// queries, starting positions and page sizes, over districts of several
// seeds and sizes, before and after rounds of churn; it also checks that
// the index kept up by the mutations equals one built afresh.
func TestIndexedListingMatchesScan(t *testing.T) {
	cases := []struct {
		name   string
		seed   int64
		people int
		rounds int
	}{
		{"tiny", 1, 5, 3},
		{"small", 2, 300, 4},
		{"medium", 3, 3000, 4},
		{"large", 4, 20000, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{District: oddDistrict(tc.seed, tc.people)})
			defer s.Close()
			rng := rand.New(rand.NewPCG(uint64(tc.seed), 99))
			var nonEmpty, compared int
			for round := range tc.rounds {
				if round > 0 {
					churnSome(t, rng, s, max(tc.people/50, 8))
				}
				s.mu.RLock()
				for range 300 {
					raw := randomQuery(rng, s.d)
					q, err := parseUserQuery(raw)
					if err != nil {
						t.Fatalf("query %q: %v", raw, err)
					}
					start := 0
					if rng.IntN(2) == 0 {
						start = rng.IntN(len(s.d.Users) + 2)
					}
					limit := []int{1, 2, 7, 100, 500}[rng.IntN(5)]
					want, wantMore := s.scanPage(&q, start, limit)
					got, gotMore := s.indexedPage(&q, start, limit)
					if !slices.Equal(got, want) || gotMore != wantMore {
						s.mu.RUnlock()
						t.Fatalf("round %d, query %q from %d, limit %d:\nindexed %d users (more %v) %v\nscan    %d users (more %v) %v",
							round, raw, start, limit, len(got), gotMore, head(got), len(want), wantMore, head(want))
					}
					compared++
					if len(want) > 0 {
						nonEmpty++
					}
				}
				fresh := newUserIndex(s.d.Users, s.removed)
				kept := s.index
				s.mu.RUnlock()
				if msg := sameIndex(kept, fresh); msg != "" {
					t.Fatalf("round %d: the index kept by mutations differs from a fresh one: %s", round, msg)
				}
			}
			// The random queries must not all be trivially empty (a district
			// of five people is, mostly).
			if tc.people >= 300 && nonEmpty < compared/4 {
				t.Errorf("only %d of %d random queries matched anybody", nonEmpty, compared)
			}
		})
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 5)] }

func sameIndex(a, b *userIndex) string {
	if len(a.paths) != len(b.paths) {
		return fmt.Sprintf("%d paths, fresh has %d", len(a.paths), len(b.paths))
	}
	for path, pa := range a.paths {
		pb := b.paths[path]
		if pb == nil {
			return "path " + path + " not in the fresh index"
		}
		if !slices.Equal(pa.all, pb.all) {
			return "path " + path + ": users differ"
		}
		if len(pa.first) != len(pb.first) {
			return fmt.Sprintf("path %s: %d first bytes, fresh has %d", path, len(pa.first), len(pb.first))
		}
		for c, la := range pa.first {
			if !slices.Equal(la, pb.first[c]) {
				return fmt.Sprintf("path %s, first byte %q: users differ", path, c)
			}
		}
	}
	return ""
}

// TestPagedListingsMatchScan pages whole listings over HTTP, with page
// tokens and fields=, while the district churns between listings, and
// holds every listing to the users a scan finds, in the same order.
func TestPagedListingsMatchScan(t *testing.T) {
	s := New(Options{District: oddDistrict(6, 2500), Fidelity: true})
	defer s.Close()
	defer s.CheckFidelity(t)
	tok := token(t, s, s.District().SuperAdmin)
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range 40 {
		if i%8 == 7 {
			churnSome(t, rng, s, 40)
		}
		raw := randomQuery(rng, s.District())
		q, err := parseUserQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		s.mu.RLock()
		want, _ := s.scanPage(&q, 0, len(s.d.Users)+1)
		s.mu.RUnlock()
		per := 1 + rng.IntN(60)
		var got []string
		next := ""
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("query %q: more pages than users", raw)
			}
			path := fmt.Sprintf("/admin/directory/v1/users?customer=my_customer&maxResults=%d&fields=nextPageToken,users(id,primaryEmail)&query=%s",
				per, url.QueryEscape(raw))
			if next != "" {
				path += "&pageToken=" + url.QueryEscape(next)
			}
			code, body, _ := get(t, s, tok, path)
			if code != 200 {
				t.Fatalf("query %q page %d: %d %v", raw, pages+1, code, body)
			}
			users, _ := body["users"].([]any)
			for _, u := range users {
				got = append(got, u.(map[string]any)["id"].(string))
			}
			next, _ = body["nextPageToken"].(string)
			if next == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("query %q, %d a page: listing gave %d users, scan %d", raw, per, len(got), len(want))
		}
	}
}

// listToken is token for benchmarks.
func listToken(tb testing.TB, s *Server) string {
	tb.Helper()
	sa, _, err := NewServiceAccount("bench@p.iam.gserviceaccount.com", s.TokenURL())
	if err != nil {
		tb.Fatal(err)
	}
	s.Register(sa)
	kf, err := sa.KeyFile("x")
	if err != nil {
		tb.Fatal(err)
	}
	var k struct {
		PrivateKey string `json:"private_key"`
	}
	if err := json.Unmarshal(kf, &k); err != nil {
		tb.Fatal(err)
	}
	cfg := &jwt.Config{Email: sa.Email, PrivateKey: []byte(k.PrivateKey), Subject: s.District().SuperAdmin,
		Scopes: ReadOnlyScopes(), TokenURL: s.TokenURL()}
	t, err := cfg.TokenSource(context.Background()).Token()
	if err != nil {
		tb.Fatal(err)
	}
	return t.AccessToken
}

// listAll pages one listing through the server's handler in process (no
// sockets: the fake's own cost) and returns its users and pages.
func listAll(b *testing.B, s *Server, tok, query string) (users, pages int) {
	next := ""
	for {
		path := "/admin/directory/v1/users?customer=my_customer&maxResults=500&projection=basic" +
			"&fields=nextPageToken,users(id,primaryEmail,name/fullName,suspended,archived,orgUnitPath)&query=" + url.QueryEscape(query)
		if next != "" {
			path += "&pageToken=" + url.QueryEscape(next)
		}
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		s.http.Config.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", query, w.Code, w.Body)
		}
		// Only the token is decoded (and users counted by their ids), so
		// that the time is the fake's rather than a client's decoding.
		var body struct {
			NextPageToken string `json:"nextPageToken"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			b.Fatal(err)
		}
		users += bytes.Count(w.Body.Bytes(), []byte(`"id":`))
		pages++
		if body.NextPageToken == "" {
			return users, pages
		}
		next = body.NextPageToken
	}
}

// BenchmarkUsersList measures the fake serving users.list at a million
// users, in process, the way a split read asks: every page of one
// email-prefix listing of /Students, one listing whose prefix nobody has,
// every listing of a split /Students (one per first character, as the
// connector's split_by_email reads it), and /Students whole. The scan/
// variants are the same listings answered by the scan the index replaced
// (the floor, same run): compare ns/op.
//
//	go test -run '^$' -bench UsersList -benchtime 3x ./connectors/googledirectory/fake
func BenchmarkUsersList(b *testing.B) {
	s := New(Options{District: Generate(1, 1_000_000)})
	defer s.Close()
	tok := listToken(b, s)
	const unit = "orgUnitPath='/Students' isSuspended=false isArchived=false"
	alphabet := "0123456789abcdefghijklmnopqrstuvwxyz-_'ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ"
	split := func(b *testing.B) {
		users, pages := 0, 0
		for _, c := range alphabet {
			q := unit + " email:" + string(c) + "*"
			if c == '\'' {
				q = unit + ` email:'\'*'`
			}
			u, p := listAll(b, s, tok, q)
			users, pages = users+u, pages+p
		}
		b.ReportMetric(float64(pages), "pages/op")
		b.ReportMetric(float64(users), "users/op")
	}
	for _, bc := range []struct {
		name  string
		query string
	}{
		{"prefix", unit + " email:t*"},
		{"empty-prefix", unit + " email:9*"},
		{"whole-unit", unit},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				users, pages := listAll(b, s, tok, bc.query)
				b.ReportMetric(float64(pages), "pages/op")
				b.ReportMetric(float64(users), "users/op")
			}
		})
	}
	b.Run("split-unit", func(b *testing.B) {
		for b.Loop() {
			split(b)
		}
	})
	// The floor: the scan alone (no HTTP, no JSON) for the same listings.
	b.Run("scan/prefix", func(b *testing.B) {
		q, _ := parseUserQuery(unit + " email:t*")
		for b.Loop() {
			scanListing(s, &q)
		}
	})
	b.Run("scan/empty-prefix", func(b *testing.B) {
		q, _ := parseUserQuery(unit + " email:9*")
		for b.Loop() {
			scanListing(s, &q)
		}
	})
	b.Run("index/prefix", func(b *testing.B) {
		q, _ := parseUserQuery(unit + " email:t*")
		for b.Loop() {
			indexListing(s, &q)
		}
	})
	b.Run("index/empty-prefix", func(b *testing.B) {
		q, _ := parseUserQuery(unit + " email:9*")
		for b.Loop() {
			indexListing(s, &q)
		}
	})
}

// scanListing and indexListing page one whole listing, 500 a page, by the
// scan and by the index.
func scanListing(s *Server, q *userQuery) (n int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := 0
	for {
		ids, more := s.scanPage(q, start, 500)
		n += len(ids)
		if !more {
			return n
		}
		start = s.searchID(ids[len(ids)-1]) + 1
	}
}

func indexListing(s *Server, q *userQuery) (n int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	start := 0
	for {
		ids, more := s.indexedPage(q, start, 500)
		n += len(ids)
		if !more {
			return n
		}
		start = s.searchID(ids[len(ids)-1]) + 1
	}
}

// appendStringByByte is appendString as it was, one byte at a time: the
// reference the run-copying version must equal.
func appendStringByByte(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "thomas.smith@district.example.org", `O'Brien "Tom" \ x`, "tab\there\nnl\x00\x1f",
		"Müller Hernández ßø Ⱥ", "bad \xff\xfe utf8 \xc3", "\xe2\x82", "/Students/O'Keeffe Middle/Grade 7", "\u2028\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString([]byte("x"), s)
		want := appendStringByByte([]byte("x"), s)
		if string(got) != string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("appendString(%q) = %s: not a JSON string: %v", s, got[1:], err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("appendString(%q) reads back as %q", s, back)
		}
	})
}

// TestIndexUnderConcurrentListingsAndChurn runs split-style listings side
// by side (they share the candidate cache under the read lock) while the
// district churns; run with -race. Every page must still be what a scan
// of the same moment gives.
func TestIndexUnderConcurrentListingsAndChurn(t *testing.T) {
	s := New(Options{District: oddDistrict(8, 6000)})
	defer s.Close()
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 6 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 8))
			for {
				select {
				case <-done:
					return
				default:
				}
				raw := randomQuery(rng, s.District())
				q, err := parseUserQuery(raw)
				if err != nil {
					errs <- err
					return
				}
				s.mu.RLock()
				start := rng.IntN(len(s.d.Users) + 1)
				got, gotMore := s.indexedPage(&q, start, 50)
				want, wantMore := s.scanPage(&q, start, 50)
				s.mu.RUnlock()
				if !slices.Equal(got, want) || gotMore != wantMore {
					errs <- fmt.Errorf("query %q from %d: indexed %d users, scan %d", raw, start, len(got), len(want))
					return
				}
			}
		})
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for range 20 {
		churnSome(t, rng, s, 30)
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
