package dashboard

import (
	"net/http"
	"strings"
	"testing"
)

func TestPendingApproval(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		message string
		members int // on license B after
		status  string
	}{
		{"approve removes the plan's members", "approve", "approved: 2 removed", 0, "approved"},
		{"reject keeps them", "reject", "rejected: nobody was removed", 2, "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			pid := e.syncs.hold(t, licB, "bio-hs", "leaver1@school.org", "leaver2@school.org")
			bob := e.as("bob")
			page := bob.get("/syncs")
			for _, want := range []string{"Plan " + pid, "leaver1@school.org", "leaver2@school.org", "Approve 2 removals", "2 removals exceed the deletion limit"} {
				if !strings.Contains(page.body, want) {
					t.Fatalf("the Syncs page lacks %q", want)
				}
			}
			if e.used(licB) != 2 {
				t.Fatal("setup")
			}
			res := bob.follow(bob.post("/syncs/pending/"+pid+"/"+tt.action, nil))
			if res.status != http.StatusOK || !strings.Contains(res.body, tt.message) {
				t.Fatalf("after %s: %d, no %q", tt.action, res.status, tt.message)
			}
			if got := e.used(licB); got != tt.members {
				t.Fatalf("%d members, want %d", got, tt.members)
			}
			if e.syncs.plans[pid].pending.Status != tt.status || e.syncs.plans[pid].pending.DecidedBy != "bob@school.org" {
				t.Fatalf("plan %+v", e.syncs.plans[pid].pending)
			}
			if strings.Contains(res.body, "Approve 2 removals") {
				t.Fatal("a decided plan is still offered")
			}
		})
	}
}

func TestPendingPlansOfOtherLicensesHidden(t *testing.T) {
	e := newEnv(t)
	e.syncs.hold(t, licB, "bio-hs", "leaver@school.org")
	page := e.as("ann").get("/syncs")
	if strings.Contains(page.body, "leaver@school.org") || strings.Contains(page.body, "bio-hs") {
		t.Fatal("another license's plan or deployment is listed")
	}
	if !strings.Contains(page.body, "Nothing is waiting for approval") {
		t.Fatal("no empty state")
	}
}
