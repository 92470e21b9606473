package lti

import (
	"context"
	"testing"

	"github.com/rollcall-sync/rollcall/connectors/engine"
	"github.com/rollcall-sync/rollcall/connectors/lti/fake"
	"github.com/rollcall-sync/rollcall/connectors/syncstate"
	"github.com/rollcall-sync/rollcall/license"
)

// TestLinkSyncChurnSync links a license to a course's roster URL through
// the engine (lms link), syncs, changes the course at the platform, syncs
// again, and checks each time that the license is the course's active
// members with an email, as the platform's own records say.
func TestLinkSyncChurnSync(t *testing.T) {
	e := newLaunchEnv(t, "")
	ctx := context.Background()
	course := e.courses[1].ID
	d, run, err := e.engine.LinkLMS(ctx, engine.LinkLMSRequest{License: "hs", Connector: ltiConnector,
		Units: []string{"memberships:" + e.platform.MembershipsURL(course)}, By: "admin@district.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(stage string, run syncstate.Run) {
		t.Helper()
		c, _ := e.platform.Course(course)
		want, got := wantMembers(c), e.members(t)
		if run.Result != syncstate.ResultSuccess || len(got) != len(want) || len(want) < 5 {
			t.Fatalf("%s: run %s, %d members, want %d", stage, run.Result, len(got), len(want))
		}
		for email, role := range want {
			if m, ok := got[email]; !ok || string(m.Role) != role || m.Claim(d.Source()) == nil {
				t.Fatalf("%s: %s = %+v, want a %s claimed by %s", stage, email, m, role, d.Source())
			}
		}
		l, err := e.store.GetLicense(ctx, "hs")
		if err != nil || l.LMS.Vendor != Type || l.LMS.Status != license.LinkOK || l.LMS.BaseURL != e.platform.Issuer() {
			t.Fatalf("%s: LMS %+v, %v", stage, l.LMS, err)
		}
	}
	check("after linking", run)

	// The platform changes: a learner is deleted, one becomes inactive,
	// a new learner and a new TA join, a learner's email changes.
	c, _ := e.platform.Course(course)
	changed := 0
	for i := range c.Members {
		m := &c.Members[i]
		if m.Email == "" || (m.Status != "" && m.Status != "Active") || m.UserID[0] == 'm' {
			continue
		}
		switch changed {
		case 0:
			m.Status = "Deleted"
		case 1:
			m.Status = "Inactive"
		case 2:
			m.Email = "renamed." + m.Email
		}
		changed++
		if changed == 3 {
			break
		}
	}
	c.Members = append(c.Members,
		fake.Member{UserID: "new-1", Given: "New", Family: "Learner", Email: "new.learner@district.example.org", Roles: []string{"Learner"}},
		fake.Member{UserID: "new-2", Given: "New", Family: "Assistant", Email: "new.ta@district.example.org", Roles: []string{fake.RoleTA}})
	e.platform.SetCourse(c)
	run, err = e.engine.Run(ctx, d.Name, engine.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if run.Counts.Added < 3 || run.Counts.Removed < 3 {
		t.Fatalf("the course changed but the sync counts %+v", run.Counts)
	}
	check("after the course changed", run)
}
