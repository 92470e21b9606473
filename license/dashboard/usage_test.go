package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// step is one day of the usage story.
type step struct {
	day     int
	changes []license.Change
}

var story = []step{
	{-20, []license.Change{
		{Op: license.OpUpsert, Email: "s1@school.org", Source: license.SourceManual, Role: license.RoleStudent},
		{Op: license.OpUpsert, Email: "s2@school.org", Source: license.SourceManual, Role: license.RoleStudent},
		{Op: license.OpUpsert, Email: "t1@school.org", Source: license.SourceManual, Role: license.RoleTeacher},
	}},
	{-12, []license.Change{
		{Op: license.OpUpsert, Email: "s3@school.org", Source: "google-directory/hs", Role: license.RoleStudent},
		{Op: license.OpUpsert, Email: "s1@school.org", Source: "google-directory/hs", Role: license.RoleStudent}, // a second claim
	}},
	{-7, []license.Change{
		{Op: license.OpUpsert, Email: "s2@school.org", Source: license.SourceManual, Role: license.RoleTeacher}, // promoted
	}},
	{-3, []license.Change{
		{Op: license.OpRemove, Email: "s3@school.org", Source: "google-directory/hs"},
		{Op: license.OpRemove, Email: "s1@school.org", Source: license.SourceManual}, // s1 stays through the sync
	}},
}

var pointRe = regexp.MustCompile(`data-value="([0-9.]+)"`)

// seriesValues reads the points of one named series out of the SVG.
func seriesValues(t *testing.T, body, name string) []float64 {
	t.Helper()
	_, rest, ok := strings.Cut(body, `data-series="`+name+`">`)
	if !ok {
		t.Fatalf("no series %q in the chart", name)
	}
	group, _, _ := strings.Cut(rest, "</g>")
	var out []float64
	for _, m := range pointRe.FindAllStringSubmatch(group, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		out = append(out, v)
	}
	return out
}

func TestUsageCharts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, s := range story {
		if _, err := e.store.Apply(ctx, licA, s.changes, license.ApplyOptions{Actor: "test", Now: day(s.day)}); err != nil {
			t.Fatal(err)
		}
	}
	ann := e.as("ann")
	const days = 30
	start := day(-days + 1).Truncate(24 * time.Hour)

	// The expectations are worked out from the story here, by day, with
	// the store's claim rules; the chart must agree at every point.
	type person struct {
		claims map[license.Source]license.Role
	}
	people := map[string]*person{}
	var used, teachers, students, syncs, adds, removes []float64
	for d := range days {
		today := start.AddDate(0, 0, d)
		add, rem := 0.0, 0.0
		for _, s := range story {
			if !day(s.day).Truncate(24 * time.Hour).Equal(today) {
				continue
			}
			for _, c := range s.changes {
				p := people[c.Email]
				if c.Op == license.OpUpsert {
					if p == nil {
						p = &person{claims: map[license.Source]license.Role{}}
						people[c.Email] = p
						add++
					}
					p.claims[c.Source] = c.Role
				} else {
					delete(p.claims, c.Source)
					if len(p.claims) == 0 {
						delete(people, c.Email)
						rem++
					}
				}
			}
		}
		var n, tc, sc, sy float64
		for _, p := range people {
			n++
			role := license.RoleStudent
			for src, r := range p.claims {
				role = license.Stronger(role, r)
				if src.Kind() == "deployment" {
					sy++
				}
			}
			if role == license.RoleTeacher {
				tc++
			} else {
				sc++
			}
		}
		used, teachers, students, syncs = append(used, n), append(teachers, tc), append(students, sc), append(syncs, sy)
		adds, removes = append(adds, add), append(removes, rem)
	}

	tests := []struct {
		series string
		name   string
		want   []float64
	}{
		{"seats", "Seats used", used},
		{"seats", "Seats", slices.Repeat([]float64{100}, days)},
		{"roles", "Teachers", teachers},
		{"roles", "Students", students},
		{"sources", "Syncs", syncs},
	}
	for _, tt := range tests {
		t.Run(tt.series+"/"+tt.name, func(t *testing.T) {
			res := ann.get("/licenses/" + licA + "/usage?range=30&series=" + tt.series)
			if res.status != http.StatusOK {
				t.Fatalf("status %d", res.status)
			}
			if got := seriesValues(t, res.body, tt.name); !slices.Equal(got, tt.want) {
				t.Fatalf("points %v\nwant   %v", got, tt.want)
			}
		})
	}
	// Bars are drawn only for periods with changes; their sum is the story's.
	res := ann.get("/licenses/" + licA + "/usage?range=30&series=changes")
	sum := func(vs []float64) (s float64) {
		for _, v := range vs {
			s += v
		}
		return s
	}
	if got := seriesValues(t, res.body, "Added"); sum(got) != sum(adds) || len(got) != 2 {
		t.Fatalf("added bars %v, want %v in two periods", got, sum(adds))
	}
	if got := seriesValues(t, res.body, "Removed"); sum(got) != sum(removes) || len(got) != 1 {
		t.Fatalf("removed bars %v, want %v", got, sum(removes))
	}
	// Screen readers get the same figures as a table.
	if !strings.Contains(res.body, "<caption>Adds and removals</caption>") || !strings.Contains(res.body, `aria-labelledby="chart-title chart-desc"`) {
		t.Fatal("no accessible title, description or data table")
	}
}

func TestUsageRunsChart(t *testing.T) {
	e := newEnv(t)
	e.syncs.hold(t, licA, "alg", "a@school.org")
	res := e.as("ann").get("/licenses/" + licA + "/usage?" + url.Values{"series": {"runs"}, "range": {"30"}}.Encode())
	if got := seriesValues(t, res.body, "success"); !slices.Equal(got, []float64{1}) {
		t.Fatalf("success runs %v, want one", got)
	}
	if got := seriesValues(t, res.body, "held"); !slices.Equal(got, []float64{1}) {
		t.Fatalf("held runs %v, want one", got)
	}
}

func TestTimeline(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		from        time.Time
		rng         string
		points, per int
	}{
		{"30 days", now.AddDate(-1, 0, 0), "30", 30, 1},
		// The axis is the period chosen, whatever the license's age.
		{"since created of a new license is its one day", now, "all", 1, 1},
		{"30 days of a new license span 30 days", now, "30", 30, 1},
		{"30 days of a 3-day-old license span 30 days", now.AddDate(0, 0, -3), "30", 30, 1},
		{"since created of a 10-day-old license", now.AddDate(0, 0, -9), "all", 10, 1},
		// 366 days: 4-day buckets would make 92 points, over the limit of 90.
		{"a year is bucketed", now.AddDate(-1, 0, 0), "all", 74, 5},
		{"90 days fit", now.AddDate(0, 0, -89), "all", 90, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTimeline(tt.from, now, tt.rng)
			if tl.step != tt.per || tl.n != tt.points {
				t.Fatalf("timeline %+v, want %d points of %d days", tl, tt.points, tt.per)
			}
			if tl.n > maxPoints {
				t.Fatalf("%d points, more than %d", tl.n, maxPoints)
			}
			if last := tl.bucket(now); last != tl.n-1 {
				t.Fatalf("today is in bucket %d of %d", last, tl.n)
			}
			// The first day is the period's: N-1 days ago, or the creation day.
			wantStart := tt.from.UTC().Truncate(24 * time.Hour)
			if days, err := strconv.Atoi(tt.rng); err == nil {
				wantStart = now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -days+1)
			}
			if !tl.start.Equal(wantStart) {
				t.Fatalf("the axis starts %s, want %s", tl.start.Format(time.DateOnly), wantStart.Format(time.DateOnly))
			}
		})
	}
}

func TestNiceScale(t *testing.T) {
	for _, maxV := range []float64{0, 1, 3, 7, 10, 99, 100, 101, 1234, 999999} {
		top, step := niceScale(maxV)
		if top < maxV || step < 1 || top/step > 8 || top/step < 1 {
			t.Errorf("niceScale(%v) = %v, %v", maxV, top, step)
		}
	}
}

// TestUsageAxisIsThePeriod: for a license made today, "Last 30 days"
// draws 30 days and "Since created" draws today alone (both once drew the
// same week).
func TestUsageAxisIsThePeriod(t *testing.T) {
	e := newEnv(t)
	if _, err := e.store.CreateLicense(context.Background(), license.License{ID: "fresh", Name: "Fresh", Type: license.TypeSchool, Seats: 5, Created: epoch, Admins: []string{"ann@school.org"}}); err != nil {
		t.Fatal(err)
	}
	ann := e.as("ann")
	last30 := ann.get("/licenses/fresh/usage?range=30")
	since := ann.get("/licenses/fresh/usage?range=all")
	first30 := day(-29).Format("Jan 2")
	if !strings.Contains(last30.body, ">"+first30+"<") {
		t.Errorf("Last 30 days does not start on %s", first30)
	}
	if strings.Contains(since.body, ">"+first30+"<") || strings.Contains(since.body, ">"+day(-6).Format("Jan 2")+"<") {
		t.Errorf("Since created draws days before the license existed")
	}
	if !strings.Contains(since.body, ">"+epoch.Format("Jan 2")+"<") {
		t.Errorf("Since created does not draw the creation day")
	}
}
