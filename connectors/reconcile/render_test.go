package reconcile

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenPlan builds a plan from a seeded store, the way a dry run does.
func goldenPlan(t *testing.T, seats int, expired bool, limit connectors.DeletionLimit, seed, source []connectors.Person) *Plan {
	t.Helper()
	ctx := context.Background()
	s := openStore(t)
	createLicense(t, s, "lic-7", seats, time.Time{})
	d := deployment("lic-7", "hs")
	d.DeletionLimit = limit
	if len(seed) > 0 {
		syncOnce(t, s, d, paged(seed, 4))
	}
	if expired {
		if _, err := s.UpdateLicense(ctx, "lic-7", "test", func(l *license.License) error { l.Expires = testNow.AddDate(0, 0, -2); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := Collect(ctx, paged(source, 4), d.Selection)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(ctx, s, d, snap, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestWriteTableGolden(t *testing.T) {
	base := roster(0, 6, "")
	changed := append(roster(2, 4, ""),
		connectors.Person{ExternalID: "t-1", Email: "Teacher.One@School.example.org", Name: "Tess\tOne", Role: license.RoleTeacher, OrgUnit: "/Staff"},
		connectors.Person{ExternalID: "x-9", Email: "Not An Email"},
		connectors.Person{Email: "p0009@school.example.org", Name: "Pupil 9"},
	)
	changed[0].Role = license.RoleTeacher                   // p0002
	changed[1].Name, changed[1].OrgUnit = "Pupil Three", "" // p0003
	newTeachers := append(roster(0, 3, license.RoleStudent), roster(50, 1, license.RoleTeacher)...)
	tests := []struct {
		name    string
		seats   int
		expired bool
		limit   connectors.DeletionLimit
		seed    []connectors.Person
		source  []connectors.Person
	}{
		{name: "changes", seats: 100, limit: connectors.DefaultDeletionLimit, seed: base, source: changed},
		{name: "held", seats: 100, limit: connectors.DeletionLimit{Percent: 10, Min: 1}, seed: base, source: changed},
		{name: "overflow", seats: 2, limit: connectors.DefaultDeletionLimit, source: newTeachers},
		{name: "expired", seats: 100, expired: true, limit: connectors.DefaultDeletionLimit, seed: base, source: changed},
		{name: "empty_source", seats: 100, limit: connectors.DefaultDeletionLimit, seed: base},
		{name: "unchanged", seats: 100, limit: connectors.DefaultDeletionLimit, seed: base, source: base},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := goldenPlan(t, tt.seats, tt.expired, tt.limit, tt.seed, tt.source)
			var buf bytes.Buffer
			if err := p.WriteTable(&buf); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name+".golden", buf.Bytes())
			if strings.Contains(buf.String(), "\tOne") {
				t.Errorf("a tab from the source reached the table")
			}
		})
	}
}

func TestWriteJSONGolden(t *testing.T) {
	base := roster(0, 3, "")
	src := append(roster(1, 3, ""), connectors.Person{Email: "bad"})
	src[0].Role = license.RoleTeacher
	src[1].Attrs = map[string]string{"z": "1", "a": "2"}
	p := goldenPlan(t, 100, false, connectors.DefaultDeletionLimit, base, src)
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "plan.json.golden", buf.Bytes())
}

type failWriter struct{ after int }

func (f *failWriter) Write(b []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(b), nil
}

func TestWriteTableReportsWriteErrors(t *testing.T) {
	p := &Plan{Adds: []Person{{Email: "a@school.example.org", Role: license.RoleStudent}}}
	p.fillNil()
	for after := range 6 {
		if err := p.WriteTable(&failWriter{after: after}); err == nil {
			t.Errorf("write failing after %d writes: no error", after)
		}
	}
}
