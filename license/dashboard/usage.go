package dashboard

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// series is one choice of the Usage tab.
type seriesChoice struct {
	Value, Label string
}

var seriesChoices = []seriesChoice{
	{"seats", "Seats used vs seats"},
	{"roles", "Members by role"},
	{"sources", "Members by source"},
	{"changes", "Adds and removals per day"},
	{"runs", "Sync runs"},
}

var rangeChoices = []seriesChoice{{"30", "Last 30 days"}, {"90", "Last 90 days"}, {"365", "Last year"}, {"all", "Since created"}}

// maxPoints bounds the points of one chart line: longer ranges are
// bucketed by several days.
const maxPoints = 90

type usagePage struct {
	Tabs    tabs
	Series  string
	Range   string
	Choices []seriesChoice
	Ranges  []seriesChoice
	Chart   chart
}

func (s *server) usagePage(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needRead)
	if !ok {
		return
	}
	q := r.URL.Query()
	p := usagePage{Series: "seats", Range: "all", Choices: seriesChoices, Ranges: rangeChoices,
		Tabs: tabsOf(g, "usage")}
	for _, c := range seriesChoices {
		if q.Get("series") == c.Value {
			p.Series = c.Value
		}
	}
	for _, c := range rangeChoices {
		if q.Get("range") == c.Value {
			p.Range = c.Value
		}
	}
	var err error
	p.Chart, err = s.usageChart(r.Context(), l, p.Series, p.Range)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "usage", view{Title: l.Name + " · Usage", Section: "licenses", Viewer: v, Page: p})
}

// timeline is the days a chart covers, in buckets of step days.
type timeline struct {
	start time.Time // midnight UTC of the first day
	step  int       // days per bucket
	n     int       // buckets
}

// newTimeline is the days a chart of range rng draws, ending today: the
// last N days for "N" (days before the license existed are drawn as no
// data), the days since the license was created for "all". The axis is
// the period chosen, whatever the license's age.
func newTimeline(from, now time.Time, rng string) timeline {
	end := now.UTC().Truncate(24 * time.Hour)
	start := from.UTC().Truncate(24 * time.Hour)
	if days, err := strconv.Atoi(rng); err == nil && days > 0 {
		start = end.AddDate(0, 0, -days+1)
	}
	if start.After(end) {
		start = end // a creation date in the future (clock skew): today only
	}
	days := int(end.Sub(start).Hours()/24) + 1
	step := (days + maxPoints - 1) / maxPoints
	n := (days + step - 1) / step
	return timeline{start: start, step: step, n: n}
}

// bucket is the index of t's bucket, clamped to the timeline (events before
// it count towards the first level, after it towards the last).
func (tl timeline) bucket(t time.Time) int {
	d := int(t.UTC().Sub(tl.start).Hours() / 24)
	if t.Before(tl.start) {
		return -1
	}
	return min(d/tl.step, tl.n-1)
}

func (tl timeline) label(i int) time.Time { return tl.start.AddDate(0, 0, i*tl.step) }

func (tl timeline) labels() []time.Time {
	out := make([]time.Time, tl.n)
	for i := range out {
		out[i] = tl.label(i)
	}
	return out
}

func (s *server) usageChart(ctx context.Context, l license.License, kind, rng string) (chart, error) {
	tl := newTimeline(l.Created, s.now(), rng)
	if kind == "runs" {
		return s.runsChart(ctx, l, tl)
	}
	events, err := s.store.Events(ctx, l.ID, license.EventQuery{})
	if err != nil {
		return chart{}, fmt.Errorf("usage of license %s: %w", l.ID, err)
	}
	return replay(l, events, tl, kind), nil
}

var (
	createdSeats = regexp.MustCompile(`with (\d+) seats`)
	updatedSeats = regexp.MustCompile(`seats (\d+) → (\d+)`)
	updatedRole  = regexp.MustCompile(`role (\w+) → (\w+)`)
)

// memberState is what the replay knows of one member: each claim's role.
type memberState map[license.Source]license.Role

func (m memberState) role() license.Role {
	var r license.Role
	for _, cr := range m {
		r = license.Stronger(r, cr)
	}
	if r == "" {
		r = license.RoleStudent
	}
	return r
}

var sourceKinds = []string{"manual", "csv", "key", "domain", "deployment"}

var sourceKindLabels = map[string]string{"manual": "Added by hand", "csv": "CSV uploads", "key": "License key",
	"domain": "Domain-wide", "deployment": "Syncs"}

func (m memberState) kinds() map[string]bool {
	k := map[string]bool{}
	for src := range m {
		k[src.Kind()] = true
	}
	return k
}

// replay walks the audit trail oldest first, keeping counts, and records
// them per bucket: levels (seats, members by role or source kind) at the
// end of each bucket, flows (adds, removals) summed within it.
//
// The trail records a claim's role when the member is added and when it
// changes; a claim added to an existing member records none, so the
// replay takes that member's current role for it, which is right unless it
// changed later without a trace.
func replay(l license.License, events []license.Event, tl timeline, kind string) chart {
	members := map[string]memberState{}
	seats, used := 0, 0
	byRole := map[license.Role]int{}
	byKind := map[string]int{}
	added := make([]float64, tl.n)
	removed := make([]float64, tl.n)
	levels := map[string][]float64{}
	level := func(name string) []float64 {
		if levels[name] == nil {
			levels[name] = make([]float64, tl.n)
		}
		return levels[name]
	}
	current := -1
	snapshot := func(upTo int) {
		for b := max(current, 0); b < upTo && b < tl.n; b++ {
			level("seats")[b] = float64(seats)
			level("used")[b] = float64(used)
			for _, r := range license.Roles {
				level(string(r))[b] = float64(byRole[r])
			}
			for _, k := range sourceKinds {
				level(k)[b] = float64(byKind[k])
			}
		}
	}
	count := func(m memberState, d int) {
		if m == nil {
			return
		}
		byRole[m.role()] += d
		for k := range m.kinds() {
			byKind[k] += d
		}
	}
	for _, ev := range events {
		b := tl.bucket(ev.Time)
		if b > current {
			snapshot(b)
			current = b
		}
		m := members[ev.Email]
		switch ev.Action {
		case license.ActionLicenseCreated:
			if mm := createdSeats.FindStringSubmatch(ev.Detail); mm != nil {
				seats, _ = strconv.Atoi(mm[1])
			}
		case license.ActionLicenseUpdated:
			if mm := updatedSeats.FindStringSubmatch(ev.Detail); mm != nil {
				seats, _ = strconv.Atoi(mm[2])
			}
		case license.ActionMemberAdded:
			count(m, -1)
			role, err := license.ParseRole(ev.Detail)
			if err != nil {
				role = license.RoleStudent
			}
			m = memberState{ev.Source: role}
			members[ev.Email] = m
			count(m, +1)
			used++
			if b >= 0 {
				added[b]++
			}
		case license.ActionClaimAdded, license.ActionClaimUpdated:
			if m == nil {
				continue
			}
			count(m, -1)
			if ev.Action == license.ActionClaimAdded {
				m[ev.Source] = m.role()
			}
			if mm := updatedRole.FindStringSubmatch(ev.Detail); mm != nil {
				if role, err := license.ParseRole(mm[2]); err == nil {
					m[ev.Source] = role
				}
			}
			count(m, +1)
		case license.ActionClaimRemoved:
			if m == nil {
				continue
			}
			count(m, -1)
			delete(m, ev.Source)
			count(m, +1)
		case license.ActionMemberRemoved:
			count(m, -1)
			delete(members, ev.Email)
			used--
			if b >= 0 {
				removed[b]++
			}
		}
	}
	snapshot(tl.n)
	// Before the license existed there is no level to draw, not a zero.
	if born := tl.bucket(l.Created); born > 0 {
		for _, vs := range levels {
			for b := range born {
				vs[b] = math.NaN()
			}
		}
	}
	c := chart{Labels: tl.labels(), Step: tl.step}
	switch kind {
	case "roles":
		c.Title, c.Desc, c.Kind, c.Unit = "Members by role", "Members of "+l.Name+" by their role at the end of each period.", "line", "members"
		for i, r := range license.Roles {
			c.Series = append(c.Series, chartSeries{Name: roleLabel(r), Class: fmt.Sprintf("s%d", i), Values: level(string(r))})
		}
	case "sources":
		c.Title, c.Desc, c.Kind, c.Unit = "Members by source", "Members of "+l.Name+" claimed by each kind of source; a member claimed by two kinds counts in both.", "line", "members"
		for i, k := range sourceKinds {
			c.Series = append(c.Series, chartSeries{Name: sourceKindLabels[k], Class: fmt.Sprintf("s%d", i), Values: level(k)})
		}
	case "changes":
		c.Title, c.Desc, c.Kind, c.Unit = "Adds and removals", "Members added to and removed from "+l.Name+" in each period.", "bar", "members"
		c.Series = []chartSeries{{Name: "Added", Class: "s0", Values: added}, {Name: "Removed", Class: "s3", Values: removed}}
	default:
		c.Title, c.Desc, c.Kind, c.Unit = "Seats used vs seats", fmt.Sprintf("Seats of %s in use against the seats it has, now %d of %d.", l.Name, l.Used, l.Seats), "line", "seats"
		c.Series = []chartSeries{{Name: "Seats used", Class: "s0", Values: level("used")}, {Name: "Seats", Class: "s4", Values: level("seats"), Dashed: true}}
	}
	if c.Step > 1 {
		c.Desc += fmt.Sprintf(" Each point covers %d days.", c.Step)
	}
	return c
}

func roleLabel(r license.Role) string {
	switch r {
	case license.RoleTeacher:
		return "Teachers"
	case license.RoleOther:
		return "Staff and others"
	}
	return "Students"
}

// runsChart counts the license's sync runs per period by result.
func (s *server) runsChart(ctx context.Context, l license.License, tl timeline) (chart, error) {
	c := chart{Labels: tl.labels(), Step: tl.step, Kind: "bar", Unit: "runs", Title: "Sync runs",
		Desc: "Sync runs of the deployments of " + l.Name + " in each period, by result."}
	results := []string{"success", "held", "failed", "skipped"}
	vals := map[string][]float64{}
	for _, r := range results {
		vals[r] = make([]float64, tl.n)
	}
	if s.syncs != nil {
		deps, err := s.syncs.Deployments(ctx, l.ID)
		if err != nil {
			return chart{}, fmt.Errorf("usage of license %s: %w", l.ID, err)
		}
		for _, d := range deps {
			runs, err := s.syncs.Runs(ctx, d.Name, 1000)
			if err != nil {
				return chart{}, fmt.Errorf("usage of license %s: runs of %s: %w", l.ID, d.Name, err)
			}
			for _, run := range runs {
				b := tl.bucket(run.Started)
				if v, ok := vals[run.Result]; ok && b >= 0 {
					v[b]++
				}
			}
		}
	}
	classes := map[string]string{"success": "s0", "held": "s2", "failed": "s3", "skipped": "s4"}
	for _, r := range results {
		c.Series = append(c.Series, chartSeries{Name: r, Class: classes[r], Values: vals[r]})
	}
	if c.Step > 1 {
		c.Desc += fmt.Sprintf(" Each bar covers %d days.", c.Step)
	}
	return c, nil
}
