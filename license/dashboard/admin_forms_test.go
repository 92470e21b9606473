package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestDomainAdminsFromTheDashboard: an operator assigns and removes domain
// admins on the Domains page; anyone else is refused, as by the API.
func TestDomainAdminsFromTheDashboard(t *testing.T) {
	e := newEnv(t)
	admins := func() []string {
		as, err := e.store.DomainAdmins(context.Background(), "district.org")
		if err != nil {
			t.Fatal(err)
		}
		return as
	}
	op := e.as("operator")
	if page := op.get("/domains"); !strings.Contains(page.body, `id="assign-domain-admin"`) {
		t.Fatal("the operator's Domains page has no assign form")
	}
	if page := e.as("ann").get("/domains"); strings.Contains(page.body, `id="assign-domain-admin"`) {
		t.Fatal("a license admin is offered the assign form")
	}
	res := op.post("/domains/admins", url.Values{"domain": {"District.org"}, "email": {"New.Lead@District.org"}, "action": {"add"}})
	if res.status != http.StatusSeeOther || !slices.Contains(admins(), "new.lead@district.org") {
		t.Fatalf("assign: %d, admins %v", res.status, admins())
	}
	for _, who := range []string{"ann", "dora"} {
		r := e.as(who).post("/domains/admins", url.Values{"domain": {"district.org"}, "email": {"sneaky@district.org"}})
		if r.status != http.StatusForbidden || slices.Contains(admins(), "sneaky@district.org") {
			t.Errorf("%s assigned a domain admin: %d", who, r.status)
		}
	}
	if r := op.follow(op.post("/domains/admins", url.Values{"domain": {"not a domain"}, "email": {"x@district.org"}})); !strings.Contains(r.body, "Not changed") {
		t.Error("a bad domain is not refused with a message")
	}
	op.post("/domains/admins", url.Values{"domain": {"district.org"}, "email": {"new.lead@district.org"}, "action": {"remove"}})
	if slices.Contains(admins(), "new.lead@district.org") {
		t.Error("remove left the domain admin")
	}
}

// TestLinkLMSFromTheDashboard: a license admin links their license to an
// LMS connector on the LMS page; people who do not manage the license
// cannot, and an unknown connector is refused.
func TestLinkLMSFromTheDashboard(t *testing.T) {
	e := newEnv(t)
	ann := e.as("ann")
	if page := ann.get("/lms"); !strings.Contains(page.body, `id="lms-link"`) || !strings.Contains(page.body, "canvas-lms (canvas)") {
		t.Fatal("the LMS page offers no link form")
	}
	if page := e.as("dora").get("/lms"); strings.Contains(page.body, `id="lms-link"`) {
		t.Fatal("a domain admin, who manages no license, is offered the link form")
	}
	lmsOf := func(id string) string {
		l, err := e.store.GetLicense(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return l.LMS.Connector
	}
	if r := e.as("bob").post("/lms/link", url.Values{"license": {licA}, "connector": {"canvas-lms"}}); r.status != http.StatusNotFound || lmsOf(licA) != "" {
		t.Errorf("another license's admin linked it: %d", r.status)
	}
	if r := e.as("dora").post("/lms/link", url.Values{"license": {licD}, "connector": {"canvas-lms"}}); r.status != http.StatusForbidden || lmsOf(licD) != "" {
		t.Errorf("a domain admin linked a license: %d", r.status)
	}
	if r := ann.follow(ann.post("/lms/link", url.Values{"license": {licA}, "connector": {"nope"}})); !strings.Contains(r.body, "Not linked") || lmsOf(licA) != "" {
		t.Error("an unknown connector is not refused")
	}
	done := ann.follow(ann.post("/lms/link", url.Values{"license": {licA}, "connector": {"canvas-lms"}, "units": {"account:self"}}))
	if !strings.Contains(done.body, "is linked to canvas-lms") || lmsOf(licA) != "canvas-lms" || !strings.Contains(done.body, "Linked") {
		t.Fatalf("link: %s", lmsOf(licA))
	}
}
