package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/csvio"
)

func TestAddEmails(t *testing.T) {
	tests := []struct {
		name      string
		who       string
		lic       string
		box, role string
		want      int    // status
		added     int    // members after
		message   string // on the page
	}{
		{"lines and commas", "ann", licA, "a@school.org\nb@school.org, c@school.org;  d@school.org\n\n", "teacher", http.StatusSeeOther, 4, ""},
		{"duplicates count once", "ann", licA, "a@school.org, A@School.org", "student", http.StatusSeeOther, 1, ""},
		{"one bad address adds nobody", "ann", licA, "a@school.org\nnot-an-email\nc@school.org", "student", http.StatusUnprocessableEntity, 0, "Address 2, &#34;not-an-email&#34;"},
		{"empty box", "ann", licA, " \n ", "student", http.StatusUnprocessableEntity, 0, "at least one email"},
		{"bad role", "ann", licA, "a@school.org", "janitor", http.StatusUnprocessableEntity, 0, "must be student, teacher or other"},
		{"over the seats adds nobody", "bob", licB, "1@s.org,2@s.org,3@s.org,4@s.org,5@s.org,6@s.org,7@s.org,8@s.org,9@s.org,10@s.org,11@s.org", "student", http.StatusConflict, 0, "do not all fit in the 10 free seats"},
		{"domain admin in their domain", "dora", licD, "kid@district.org", "student", http.StatusSeeOther, 1, ""},
		{"domain admin outside it", "dora", licD, "kid@district.org, spy@other.org", "student", http.StatusUnprocessableEntity, 0, "spy@other.org, is not in a domain you administer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			before := e.eventCount(tt.lic)
			res := e.as(tt.who).post("/licenses/"+tt.lic+"/add/emails", url.Values{"emails": {tt.box}, "role": {tt.role}})
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			if !strings.Contains(res.body, tt.message) {
				t.Fatalf("page lacks %q", tt.message)
			}
			if got := e.used(tt.lic); got != tt.added {
				t.Fatalf("%d members, want %d", got, tt.added)
			}
			if tt.added == 0 && e.eventCount(tt.lic) != before {
				t.Fatal("a refused add wrote audit events")
			}
			if tt.role == "teacher" && tt.added > 0 {
				m, err := e.store.Member(context.Background(), tt.lic, "d@school.org")
				if err != nil || m.Role != license.RoleTeacher || m.Claims[0].Source != license.SourceManual {
					t.Fatalf("member %+v, %v: want a manual teacher", m, err)
				}
			}
		})
	}
}

// TestCSVUploadWithBadRowChangesNothing: one bad row, and the page lists
// it by line while the license stays exactly as it was.
func TestCSVUploadWithBadRowChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.seed(licA, license.Change{Email: "already@school.org", Name: "Already Here"})
	ann := e.as("ann")
	beforeEvents := e.eventCount(licA)
	beforeMember, _ := e.store.Member(context.Background(), licA, "already@school.org")
	file := "email,name,role\n" +
		"new.one@school.org,New One,student\n" +
		"already@school.org,Renamed,teacher\n" +
		"broken-address,Bad Row,student\n" +
		"new.two@school.org,New Two,wizard\n"
	_, readErr := csvio.ReadImport(strings.NewReader(file), "roster.csv")
	ie, ok := readErr.(*csvio.ImportError)
	if !ok || len(ie.Rows) != 2 {
		t.Fatalf("csvio finds %v; the test needs exactly two bad rows", readErr)
	}
	res := ann.upload("/licenses/"+licA+"/add/csv", "file", "roster.csv", file, url.Values{"mode": {"add"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", res.status)
	}
	for _, r := range ie.Rows {
		row := `<td class="num">` + strconv.Itoa(r.Line) + `</td>`
		if !strings.Contains(res.body, row) || !strings.Contains(res.body, strings.ReplaceAll(r.Reason, `"`, "&#34;")) {
			t.Fatalf("the report lacks line %d: %s", r.Line, r.Reason)
		}
	}
	if !strings.Contains(res.body, "Nothing was imported") {
		t.Fatal("the report does not say nothing changed")
	}
	if e.used(licA) != 1 || e.eventCount(licA) != beforeEvents {
		t.Fatalf("the license changed: %d members, %d events (was 1, %d)", e.used(licA), e.eventCount(licA), beforeEvents)
	}
	after, _ := e.store.Member(context.Background(), licA, "already@school.org")
	if after.Name != beforeMember.Name || after.Role != beforeMember.Role {
		t.Fatal("an existing member was updated by a refused file")
	}

	// The corrected file goes in whole.
	fixed := strings.Replace(strings.Replace(file, "broken-address", "fixed@school.org", 1), "wizard", "student", 1)
	res = ann.follow(ann.upload("/licenses/"+licA+"/add/csv", "file", "roster.csv", fixed, url.Values{"mode": {"add"}}))
	if !strings.Contains(res.body, "roster.csv: 4 rows read, 3 new members added, 1 updated.") {
		t.Fatalf("no summary of the import: %s", res.body)
	}
	if e.used(licA) != 4 {
		t.Fatalf("%d members after the good file, want 4", e.used(licA))
	}

	// The same file as a removal takes the CSV and manual claims away.
	res = ann.follow(ann.upload("/licenses/"+licA+"/add/csv", "file", "leavers.csv", "new.one@school.org\nnobody@school.org\n", url.Values{"mode": {"remove"}}))
	if !strings.Contains(res.body, "removed 1 member") || !strings.Contains(res.body, "1 were not on the license") {
		t.Fatalf("removal summary missing: %s", res.body)
	}
	if e.used(licA) != 3 {
		t.Fatalf("%d members after the removal, want 3", e.used(licA))
	}
}

func TestCSVSample(t *testing.T) {
	e := newEnv(t)
	res := e.as("ann").get("/licenses/" + licA + "/add/sample.csv")
	if res.status != http.StatusOK || res.body != csvio.Sample() || !strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("sample: %d %q", res.status, res.body)
	}
	rows, err := csvio.ReadImport(strings.NewReader(res.body), "sample.csv")
	if err != nil || len(rows) == 0 {
		t.Fatalf("the sample does not import: %v", err)
	}
}

func TestDeployOU(t *testing.T) {
	e := newEnv(t)
	e.syncs.hold(t, licB, "bio", "x@school.org") // makes district-directory known
	e.syncs.admin = "ann@school.org"
	e.syncs.ous["/Students"] = nil
	e.syncs.ous["/Students/HS"] = []license.PlanChange{{Email: "hs1@school.org", Name: "H One"}, {Email: "hs2@school.org", Name: "H Two"}}
	e.syncs.ous["/Staff"] = []license.PlanChange{{Email: "t1@school.org", Name: "T One"}}
	ann := e.as("ann")

	page := ann.get("/licenses/" + licA + "/add")
	for _, ou := range []string{"/Students", "/Students/HS", "/Staff"} {
		if !strings.Contains(page.body, `name="ou" value="`+ou+`"`) {
			t.Fatalf("the OU picker lacks %s", ou)
		}
	}
	form := url.Values{"connector": {"district-directory"}, "ou": {"/Students/HS"}, "role": {"student"}, "action": {"preview"}}
	preview := ann.post("/licenses/"+licA+"/add/deploy", form)
	if preview.status != http.StatusOK || !strings.Contains(preview.body, "Preview of the first sync") ||
		!strings.Contains(preview.body, "<strong>2</strong> new members") || !strings.Contains(preview.body, "hs1@school.org") {
		t.Fatalf("preview: %d", preview.status)
	}
	if e.used(licA) != 0 {
		t.Fatal("the preview changed the license")
	}
	form.Set("action", "deploy")
	done := ann.follow(ann.post("/licenses/"+licA+"/add/deploy", form))
	if !strings.Contains(done.body, "Deployed to /Students/HS") {
		t.Fatalf("no deploy message: %s", done.body)
	}
	if got := emails(done.body); !slices.Equal(got, []string{"hs1@school.org", "hs2@school.org"}) {
		t.Fatalf("members after deploy: %v", got)
	}

	// Someone who is not a Google admin of the units is refused, with the reason.
	e.syncs.admin = "someone.else@school.org"
	refused := ann.post("/licenses/"+licA+"/add/deploy", url.Values{"connector": {"district-directory"}, "ou": {"/Staff"}, "role": {"teacher"}, "action": {"deploy"}})
	if refused.status != http.StatusUnprocessableEntity || !strings.Contains(refused.body, "not a Google admin") {
		t.Fatalf("refused deploy: %d", refused.status)
	}
	if none := ann.post("/licenses/"+licA+"/add/deploy", url.Values{"connector": {"district-directory"}, "role": {"student"}}); !strings.Contains(none.body, "Choose at least one organizational unit") {
		t.Fatal("deploying to no org unit is not refused")
	}
	if e.used(licA) != 2 {
		t.Fatalf("%d members, want 2", e.used(licA))
	}
}

// TestDeployPreviewSaysWhatWillHappen: people already on the license
// through another source are not counted as needing seats; new people
// past the free seats are overflow; an org unit already deployed is
// marked. (The preview once said 842 to add with 373 seats free while
// most were already members.)
func TestDeployPreviewSaysWhatWillHappen(t *testing.T) {
	e := newEnv(t)
	e.syncs.hold(t, licA, "alg", "x@school.org") // makes district-directory known
	e.syncs.admin = "bob@school.org"
	var hs []license.PlanChange
	var already []license.Change
	for i := range 12 {
		hs = append(hs, license.PlanChange{Email: fmt.Sprintf("hs%02d@school.org", i)})
		if i < 7 {
			already = append(already, license.Change{Email: fmt.Sprintf("hs%02d@school.org", i), Role: license.RoleStudent})
		}
	}
	e.syncs.ous["/Students"] = nil
	e.syncs.ous["/Students/HS"] = hs
	e.syncs.ous["/Students/HS/Grade 9"] = nil
	e.seed(licB, already...) // license B: 10 seats, 7 used by hand
	bob := e.as("bob")
	free := 10 - e.used(licB)
	form := url.Values{"connector": {"district-directory"}, "ou": {"/Students/HS"}, "role": {"student"}, "action": {"preview"}}
	preview := bob.post("/licenses/"+licB+"/add/deploy", form)
	for _, want := range []string{
		`id="preview-new"><strong>5</strong> new members`, fmt.Sprintf("%d seats free", free),
		`id="preview-claims"><strong>7</strong> already on the license`,
		fmt.Sprintf(`<strong class="error-text">%d</strong> will not fit`, 5-free),
	} {
		if !strings.Contains(preview.body, want) {
			t.Errorf("the preview lacks %q", want)
		}
	}
	form.Set("action", "deploy")
	bob.follow(bob.post("/licenses/"+licB+"/add/deploy", form))
	page := bob.get("/licenses/" + licB + "/add")
	for ou, deployed := range map[string]bool{"/Students/HS": true, "/Students/HS/Grade 9": true, "/Students": false} {
		re := regexp.MustCompile(`value="` + regexp.QuoteMeta(ou) + `"[^>]*> <span class="ou-name">[^<]*</span> <code class="muted">[^<]*</code>( <span class="chip chip-deployment deployed")?`)
		m := re.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("no %s in the picker", ou)
		}
		if (m[1] != "") != deployed {
			t.Errorf("%s marked deployed: %v, want %v", ou, m[1] != "", deployed)
		}
	}
}

// TestOrgUnitPickerAsTheDirectorySays: a license admin whom the directory
// does not let read the units sees none of them in the picker.
func TestOrgUnitPickerAsTheDirectorySays(t *testing.T) {
	e := newEnv(t)
	e.syncs.hold(t, licB, "bio", "x@school.org")
	e.syncs.ous["/Students/HS"] = nil
	e.syncs.admin = "someone.else@school.org"
	if page := e.as("ann").get("/licenses/" + licA + "/add"); strings.Contains(page.body, `name="ou" value="/Students/HS"`) {
		t.Error("a license admin who may not read the org units sees them")
	}
	e.syncs.admin = "ann@school.org"
	if page := e.as("ann").get("/licenses/" + licA + "/add"); !strings.Contains(page.body, `name="ou" value="/Students/HS"`) {
		t.Error("the directory's admin does not see its org units")
	}
}
