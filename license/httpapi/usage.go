package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/rollcall-sync/rollcall/license"
)

// Usage series.
const (
	SeriesSeats   = "seats"   // used seats at the end of each day, and the seat count
	SeriesChanges = "changes" // members added and removed each day
	SeriesRoles   = "roles"   // members by role at the end of each day
	SeriesSources = "sources" // claims by source kind at the end of each day
	SeriesRuns    = "runs"    // sync runs each day, by result
)

var seriesNames = []string{SeriesSeats, SeriesChanges, SeriesRoles, SeriesSources, SeriesRuns}

// maxUsageDays bounds one series request.
const maxUsageDays = 3660

// point is one day of a series.
type point struct {
	Date   string         `json:"date"`
	Values map[string]int `json:"values"`
}

// usageAnswer is the body of GET /licenses/{id}/usage.
type usageAnswer struct {
	License string  `json:"license"`
	Series  string  `json:"series"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Points  []point `json:"points"`
	// Now is the exact current breakdown for roles and sources, read from
	// the members themselves; the points are rebuilt from the audit trail.
	Now map[string]int `json:"now,omitempty"`
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func (s *server) usage(w http.ResponseWriter, r *http.Request) error {
	_, id, g, err := s.grantedLicense(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	series := q.Get("series")
	if series == "" {
		series = SeriesSeats
	}
	if !slices.Contains(seriesNames, series) {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "series", Message: fmt.Sprintf("series %q: must be one of seats, changes, roles, sources, runs", series)}
	}
	to := day(s.now())
	from := day(g.License.Created)
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "to", Message: "to must be a date such as 2026-09-30"}
		}
	}
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return &apiError{Status: 400, Code: CodeInvalid, Field: "from", Message: "from must be a date such as 2026-09-01"}
		}
	} else if to.Sub(from) > 365*24*time.Hour {
		from = to.AddDate(-1, 0, 0)
	}
	if to.Before(from) || to.Sub(from) > maxUsageDays*24*time.Hour {
		return &apiError{Status: 400, Code: CodeInvalid, Field: "from", Message: fmt.Sprintf("from must be on or before to, and at most %d days before it", maxUsageDays)}
	}
	ans := usageAnswer{License: id, Series: series, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	if series == SeriesRuns {
		ans.Points, err = s.runSeries(r.Context(), id, from, to)
	} else {
		ans.Points, err = s.eventSeries(r.Context(), g.License, series, from, to)
	}
	if err != nil {
		return err
	}
	if series == SeriesRoles || series == SeriesSources {
		if ans.Now, err = s.breakdown(r.Context(), id, series); err != nil {
			return err
		}
	}
	writeJSON(w, 200, ans)
	return nil
}

// tally is a running count kept while replaying the audit trail.
type tally struct {
	counts map[string]int
	role   map[string]license.Role // member → role, for the roles series
}

func (t *tally) add(k string, n int) {
	t.counts[k] += n
	if t.counts[k] == 0 {
		delete(t.counts, k)
	}
}

// apply folds one event into the running counts of a series. Per-day
// counters (changes) are reset by the caller at each day's end.
func (t *tally) apply(series string, ev *license.Event) {
	switch series {
	case SeriesSeats:
		switch ev.Action {
		case license.ActionMemberAdded:
			t.add("used", 1)
		case license.ActionMemberRemoved:
			t.add("used", -1)
		}
	case SeriesChanges:
		switch ev.Action {
		case license.ActionMemberAdded:
			t.counts["added"]++
		case license.ActionMemberRemoved:
			t.counts["removed"]++
		}
	case SeriesSources:
		switch ev.Action {
		case license.ActionMemberAdded, license.ActionClaimAdded:
			t.add(ev.Source.Kind(), 1)
		case license.ActionMemberRemoved, license.ActionClaimRemoved:
			t.add(ev.Source.Kind(), -1)
		}
	case SeriesRoles:
		// The trail records a member's role when they arrive; later role
		// changes of a claim are not folded in, so past days show roles as
		// members arrived. The "now" breakdown is exact.
		switch ev.Action {
		case license.ActionMemberAdded:
			role := license.Role(ev.Detail)
			if !role.Valid() {
				role = license.RoleStudent
			}
			t.role[ev.Email] = role
			t.add(string(role), 1)
		case license.ActionMemberRemoved:
			if role, ok := t.role[ev.Email]; ok {
				delete(t.role, ev.Email)
				t.add(string(role), -1)
			}
		}
	}
}

// eventPage is how many audit events one store call reads.
const eventPage = 10000

func (s *server) eventSeries(ctx context.Context, l license.License, series string, from, to time.Time) ([]point, error) {
	t := &tally{counts: map[string]int{}, role: map[string]license.Role{}}
	points := make([]point, 0, int(to.Sub(from)/(24*time.Hour))+1)
	cur := from
	emit := func() {
		vals := make(map[string]int, len(t.counts)+1)
		for k, v := range t.counts {
			vals[k] = v
		}
		if series == SeriesSeats {
			vals["used"] = t.counts["used"]
			vals["seats"] = l.Seats
		}
		if series == SeriesChanges {
			vals["added"], vals["removed"] = t.counts["added"], t.counts["removed"]
			clear(t.counts)
		}
		points = append(points, point{Date: cur.Format(time.DateOnly), Values: vals})
		cur = cur.AddDate(0, 0, 1)
	}
	var after uint64
pages:
	for {
		evs, err := s.store.Events(ctx, l.ID, license.EventQuery{After: after, Limit: eventPage})
		if err != nil {
			return nil, err
		}
		for i := range evs {
			ev := &evs[i]
			d := day(ev.Time)
			if d.After(to) {
				break pages
			}
			if d.Before(from) {
				if series != SeriesChanges {
					t.apply(series, ev)
				}
				continue
			}
			for cur.Before(d) {
				emit()
			}
			t.apply(series, ev)
		}
		if len(evs) < eventPage {
			break
		}
		after = evs[len(evs)-1].Seq
	}
	for !cur.After(to) {
		emit()
	}
	return points, nil
}

// breakdown counts today's members by role or by source kind.
func (s *server) breakdown(ctx context.Context, id, series string) (map[string]int, error) {
	out := map[string]int{}
	opts := license.ListOptions{Limit: 1000}
	for {
		page, err := s.store.ListMembers(ctx, id, opts)
		if err != nil {
			return nil, err
		}
		for i := range page.Members {
			m := &page.Members[i]
			if series == SeriesRoles {
				out[string(m.Role)]++
				continue
			}
			for _, c := range m.Claims {
				out[c.Source.Kind()]++
			}
		}
		if page.Next == "" {
			return out, nil
		}
		opts.Cursor = page.Next
	}
}

// runSeries counts the license's sync runs per day by result.
func (s *server) runSeries(ctx context.Context, id string, from, to time.Time) ([]point, error) {
	byDay := map[string]map[string]int{}
	if s.syncs != nil {
		ds, err := s.syncs.Deployments(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			runs, err := s.syncs.Runs(ctx, d.Name, 1000)
			if err != nil {
				return nil, err
			}
			for _, run := range runs {
				k := day(run.Started).Format(time.DateOnly)
				if byDay[k] == nil {
					byDay[k] = map[string]int{}
				}
				byDay[k][run.Result]++
			}
		}
	}
	var points []point
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		vals := map[string]int{"success": 0, "failed": 0, "held": 0, "skipped": 0}
		for res, n := range byDay[k] {
			vals[res] = n
		}
		points = append(points, point{Date: k, Values: vals})
	}
	return points, nil
}
