package postgres

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/bolt"
	"github.com/rollcall-sync/rollcall/license/postgres/pgtest"
)

// allOf reads everything a store answers through license.Store and
// license.Outbox, for comparing two stores.
type allOf struct {
	Licenses    []license.License
	Members     map[string][]license.Member
	Events      map[string][]license.Event
	Feed        []license.FeedEvent
	Webhooks    []license.Webhook
	DeadLetters map[string][]license.DeadLetter
	Admins      map[string][]string
	Entitled    map[string]license.Entitlement
}

func readAll(t *testing.T, s license.Store) allOf {
	t.Helper()
	ctx := context.Background()
	var a allOf
	var err error
	if a.Licenses, err = s.ListLicenses(ctx); err != nil {
		t.Fatal(err)
	}
	a.Members, a.Events, a.DeadLetters, a.Admins, a.Entitled = map[string][]license.Member{}, map[string][]license.Event{}, map[string][]license.DeadLetter{}, map[string][]string{}, map[string]license.Entitlement{}
	for _, l := range a.Licenses {
		p, err := s.ListMembers(ctx, l.ID, license.ListOptions{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		a.Members[l.ID] = p.Members
		if a.Events[l.ID], err = s.Events(ctx, l.ID, license.EventQuery{}); err != nil {
			t.Fatal(err)
		}
		for _, m := range p.Members {
			if a.Entitled[m.Email], err = s.Entitlement(ctx, m.Email); err != nil {
				t.Fatal(err)
			}
		}
	}
	o := s.(license.Outbox)
	if a.Feed, err = o.Feed(ctx, license.FeedQuery{Limit: 10000}); err != nil {
		t.Fatal(err)
	}
	if a.Webhooks, err = o.Webhooks(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for _, w := range a.Webhooks {
		if a.DeadLetters[w.ID], err = o.DeadLetters(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"x.org", "y.org", "z.org"} {
		if a.Admins[d], err = s.DomainAdmins(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// TestImportFromBolt copies a bbolt store holding every kind of record
// and finds the copy answering every question as the original does.
func TestImportFromBolt(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 891011121, time.UTC)
	src, err := bolt.Open(filepath.Join(t.TempDir(), "rollcall.db"), bolt.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	_, key := license.NewKey(t0)
	for _, l := range []license.License{
		{ID: "hs", Name: "High school", Type: license.TypeSchool, Seats: 50, Domains: []string{"y.org"}, Key: key, Admins: []string{"boss@z.org"}, Features: map[string]bool{"export": true}},
		{ID: "gone", Name: "Deleted later", Type: license.TypePro, Seats: 5},
		{ID: "ms", Name: "Middle school", Type: license.TypeSchool, Seats: 3, Expires: t0.AddDate(1, 0, 0)},
	} {
		if _, err := src.CreateLicense(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	dir := license.DeploymentSource("google-directory", "hs")
	var changes []license.Change
	for i := range 30 {
		changes = append(changes, license.Change{Op: license.OpUpsert, Email: fmt.Sprintf("s%02d@x.org", i), Source: dir, Name: fmt.Sprintf("Student %d", i),
			Role: license.RoleStudent, OrgUnit: "/Students", ExternalID: fmt.Sprint(i), Attrs: map[string]string{"grade": "9"}})
	}
	changes = append(changes, license.Change{Op: license.OpUpsert, Email: "s01@x.org", Source: license.SourceManual, Name: "Stu", Role: license.RoleTeacher})
	for _, app := range []struct {
		id      string
		at      time.Time
		changes []license.Change
	}{
		{"hs", t0, changes},
		{"gone", t0, changes[:2]},
		{"hs", t0.Add(time.Hour), []license.Change{{Op: license.OpRemove, Email: "s02@x.org", Source: dir},
			{Op: license.OpUpsert, Email: "s03@x.org", Source: dir, Name: "Student 3", Role: license.RoleStudent, Leaving: t0.AddDate(0, 0, 14), LeavingRevokes: true}}},
		{"ms", t0, changes[:5]}, // three fit
	} {
		if _, err := src.Apply(ctx, app.id, app.changes, license.ApplyOptions{Actor: "test", Now: app.at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := src.Record(ctx, "hs", []license.Event{{Email: "s09@x.org", Action: license.ActionChangeHeld, Source: dir, Detail: "held"}}); err != nil {
		t.Fatal(err)
	}
	if err := src.DeleteLicense(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	w, err := src.PutWebhook(ctx, license.Webhook{ID: "hook", License: "hs", URL: "https://hooks.example.org/x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Apply(ctx, "hs", changes[:1:1], license.ApplyOptions{Now: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Apply(ctx, "hs", []license.Change{{Op: license.OpRemove, Email: "s04@x.org", Source: dir}}, license.ApplyOptions{Now: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	feed, _ := src.Feed(ctx, license.FeedQuery{After: w.Cursor})
	if len(feed) != 1 {
		t.Fatalf("feed after the webhook = %+v", feed)
	}
	if err := src.AdvanceWebhook(ctx, "hook", feed[0].Cursor, &license.DeadLetter{Event: feed[0].Event, Attempts: 3, Error: "503"}); err != nil {
		t.Fatal(err)
	}
	for _, da := range [][2]string{{"x.org", "it@x.org"}, {"y.org", "boss@z.org"}, {"z.org", "boss@z.org"}} {
		if err := src.SetDomainAdmin(ctx, da[0], da[1], true); err != nil {
			t.Fatal(err)
		}
	}

	dst, err := Open(ctx, pgtest.NewDatabase(t), Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	st, err := dst.Import(ctx, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Licenses != 2 || st.Members != 31 || st.Webhooks != 1 || st.DeadLetters != 1 || st.DomainAdmins != 3 {
		t.Errorf("import stats = %+v", st)
	}
	want, got := readAll(t, src), readAll(t, dst)
	v1, v2 := reflect.ValueOf(want), reflect.ValueOf(got)
	for i := range v1.NumField() {
		if !reflect.DeepEqual(v1.Field(i).Interface(), v2.Field(i).Interface()) {
			t.Errorf("%s differs after import:\n got %+v\nwant %+v", v1.Type().Field(i).Name, v2.Field(i).Interface(), v1.Field(i).Interface())
		}
	}

	// The copy carries on: the next feed entry comes after every copied
	// cursor, and seats and the key still hold.
	if _, err := dst.Apply(ctx, "hs", []license.Change{{Op: license.OpUpsert, Email: "new@x.org", Source: license.SourceManual}}, license.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	next, err := dst.Feed(ctx, license.FeedQuery{After: feed[0].Cursor})
	if err != nil || len(next) != 1 || next[0].Email != "new@x.org" {
		t.Fatalf("feed after the copied end = %+v, %v", next, err)
	}
	if last := got.Events["hs"][len(got.Events["hs"])-1].Seq; next[0].Seq != last+1 {
		t.Errorf("next event seq %d, want %d", next[0].Seq, last+1)
	}
	if l, err := dst.LicenseByKey(ctx, key.Hash); err != nil || l.ID != "hs" {
		t.Errorf("LicenseByKey after import = %v, %v", l.ID, err)
	}
	if r, err := dst.Apply(ctx, "ms", changes[10:12], license.ApplyOptions{}); err != nil || len(r.Overflow) != 2 {
		t.Errorf("a full license took more members after import: %+v, %v", r, err)
	}
	// A second import refuses: the database is no longer empty.
	if _, err := dst.Import(ctx, src, nil); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second import = %v, want ErrNotEmpty", err)
	}
}
