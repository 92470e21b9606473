package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/reconcile"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// demoHistoryActor names the generated history in the audit trail, so
// nobody takes it for real syncs.
const demoHistoryActor = "rollcall demo: generated history (not a real sync)"

// demoHistoryStart is the first day of the generated history: August 10
// of last year, so the charts show a whole school year, its summer, and
// this year's start.
func demoHistoryStart(now time.Time) time.Time {
	return time.Date(now.Year()-1, time.August, 10, 0, 0, 0, 0, time.UTC)
}

// historyChange is one generated change on one day.
type historyChange struct {
	day    time.Time
	change license.Change
}

// demoHistoryStats says what the generated history holds.
type demoHistoryStats struct {
	Days, Added, Removed, Runs int
}

// demoHistory writes a believable school year of sync history for the
// deployment whose first sync plan is given, ending exactly where that
// sync would: staff join in August, returning students in the two weeks
// around the first day of school, a trickle of new students through the
// year, leavers through the year and a graduating class in June, and
// this August's new intake. Every change carries the deployment's own
// source (so the real first sync finds nothing to do) and the actor
// demoHistoryActor; one run a school day is recorded in the sync state.
func demoHistory(ctx context.Context, st license.Store, state syncstate.Backend, connector string, plan *reconcile.Plan, domain string, now time.Time, seed int64) (demoHistoryStats, error) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed_1157))
	start := demoHistoryStart(now)
	year2 := start.AddDate(1, 0, 0) // this school year's August 10
	today := now.UTC().Truncate(24 * time.Hour)
	between := func(from, to time.Time) time.Time {
		if !to.After(from) {
			return from
		}
		d := int(to.Sub(from).Hours() / 24)
		t := from.AddDate(0, 0, rng.IntN(d+1))
		if t.After(today.AddDate(0, 0, -1)) {
			t = today.AddDate(0, 0, -1)
		}
		return t
	}
	upsert := func(p reconcile.Person) license.Change {
		return license.Change{Op: license.OpUpsert, Email: p.Email, Source: plan.Source, Name: p.Name, Role: p.Role,
			OrgUnit: p.OrgUnit, ExternalID: p.ExternalID, Attrs: p.Attrs}
	}
	var changes []historyChange
	students := 0
	for _, p := range plan.Adds {
		var joined time.Time
		switch {
		case p.Role != license.RoleStudent:
			joined = between(start, start.AddDate(0, 0, 10)) // staff before the students
		default:
			students++
			switch r := rng.Float64(); {
			case r < 0.72: // returning in the first weeks of last year
				joined = between(start.AddDate(0, 0, 10), start.AddDate(0, 0, 31))
			case r < 0.85: // moved in during last year
				joined = between(start.AddDate(0, 1, 0), start.AddDate(0, 10, 0))
			default: // this year's intake
				joined = between(year2.AddDate(0, 0, 5), year2.AddDate(0, 0, 30))
			}
		}
		changes = append(changes, historyChange{joined, upsert(p)})
	}
	// Former students: last year's seniors who graduated in June, and
	// leavers through the year. All are gone by today.
	graduates, leavers := students/12, students/30
	for i := range graduates + leavers {
		p := reconcile.Person{Email: fmt.Sprintf("former.student.%04d@%s", i, domain), Name: fmt.Sprintf("Former Student %d", i),
			Role: license.RoleStudent, OrgUnit: "/Students"}
		joined := between(start.AddDate(0, 0, 10), start.AddDate(0, 0, 31))
		left := between(start.AddDate(0, 9, 25), start.AddDate(0, 10, 5)) // graduation, early June
		if i >= graduates {
			left = between(joined.AddDate(0, 1, 0), start.AddDate(0, 9, 0))
		}
		changes = append(changes, historyChange{joined, upsert(p)},
			historyChange{left, license.Change{Op: license.OpRemove, Email: p.Email, Source: plan.Source}})
	}
	slices.SortStableFunc(changes, func(a, b historyChange) int { return a.day.Compare(b.day) })

	var stats demoHistoryStats
	members := 0
	for i := 0; i < len(changes); {
		d := changes[i].day
		var batch []license.Change
		for ; i < len(changes) && changes[i].day.Equal(d); i++ {
			batch = append(batch, changes[i].change)
		}
		at := d.Add(6*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
		res, err := st.Apply(ctx, plan.License, batch, license.ApplyOptions{Actor: demoHistoryActor, Now: at})
		if err != nil {
			return stats, fmt.Errorf("demo history of %s: %w", d.Format(time.DateOnly), err)
		}
		members += res.MembersAdded - res.MembersRemoved
		stats.Days++
		stats.Added += res.MembersAdded
		stats.Removed += res.MembersRemoved
		if _, err := state.RecordRun(ctx, syncstate.Run{Deployment: plan.Deployment, Connector: connector, Trigger: "schedule",
			Started: at, Ended: at.Add(time.Duration(2+rng.IntN(20)) * time.Second), Result: syncstate.ResultSuccess,
			Reason: "generated demo history",
			Counts: syncstate.Counts{Desired: members, Added: res.MembersAdded + res.ClaimsAdded, Removed: res.MembersRemoved}}); err != nil {
			return stats, err
		}
		stats.Runs++
	}
	return stats, nil
}

// demoHistoryNote is the banner's line about the generated history.
func demoHistoryNote(s demoHistoryStats, now time.Time) string {
	if s.Days == 0 {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf("generated demo data since %s: %d days of syncs, %d joins, %d leavers (audit actor %q)",
		demoHistoryStart(now).Format("Jan 2, 2006"), s.Days, s.Added, s.Removed, demoHistoryActor))
}
