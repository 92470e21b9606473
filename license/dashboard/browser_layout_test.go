package dashboard

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rollcall-sync/rollcall/license"
)

// fitsViewport is JavaScript that lists what does not fit the window: the
// page scrolling sideways, or one of the named controls (a CSS selector
// each) outside the viewport or missing.
const fitsViewport = `((sels) => {
  const bad = [];
  const de = document.documentElement;
  if (de.scrollWidth > window.innerWidth) bad.push("page is " + de.scrollWidth + "px wide in a " + window.innerWidth + "px window");
  for (const sel of sels) {
    const el = document.querySelector(sel);
    if (!el) { bad.push(sel + " is missing"); continue; }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.left < 0 || r.right > window.innerWidth) bad.push(sel + " spans " + Math.round(r.left) + "–" + Math.round(r.right) + "px");
    // Inside a scrolling box, it must also be within the box's visible part.
    for (let p = el.parentElement; p; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (cs.overflowX === "auto" || cs.overflowX === "scroll") {
        const pr = p.getBoundingClientRect();
        if (r.right > pr.right + 1 || r.left < pr.left - 1) bad.push(sel + " is scrolled out of view in its box");
      }
    }
  }
  return bad;
})(%s)`

// TestBrowserMembersFitTheWindow: Manage Users at 1,280 and 1,024 pixels
// wide (a laptop and a tablet) has no sideways page scroll, and Apply,
// Per page, the Added column, Remove, Export and the pager are on screen,
// with long addresses, names and source names in the table.
func TestBrowserMembersFitTheWindow(t *testing.T) {
	b := newBrowser(t)
	e := newEnv(t)
	var people []license.Change
	for i := range 60 {
		people = append(people,
			license.Change{Email: fmt.Sprintf("%s.%02d@students.lincoln-unified-school-district.example.org", strings.Repeat("verylongfirstname", 3), i),
				Name: "Maximiliana Bartholomew-Featherstonehaugh " + fmt.Sprint(i), Role: license.RoleStudent,
				OrgUnit: "/Students/Lincoln Unified High School/Grade 12/Advanced Placement Chemistry"},
			license.Change{Email: fmt.Sprintf("t%02d@school.org", i), Role: license.RoleTeacher,
				Source: license.Source("google-directory-district-wide/lincoln-high-school-students-and-staff-2026-2027")})
	}
	e.seed(licA, people...)
	// Two sources on some: the chips must wrap or truncate too.
	var both []license.Change
	for i := range 60 {
		both = append(both, license.Change{Email: fmt.Sprintf("t%02d@school.org", i), Role: license.RoleTeacher,
			Source: license.Source("canvas-instructure-district-account/science-department-course-sections")})
	}
	e.seed(licA, both...)
	token := e.tokens["operator"]
	b.do("sign in", chromedp.Navigate(e.srv.URL+"/signin"), chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), token))
	b.submit("submit sign-in", "form[action='/signin'] button[type=submit]", `document.querySelector("h1")`)

	controls := []string{
		`#filter-form button[type=submit]`, `#limit`, `#export`, `#match-count`,
		`#members thead th:nth-child(6)`,            // Added
		`#members tbody tr:first-child form button`, // Remove
		`#members tbody tr:first-child td.email`,
		`.pager a[rel=next]`,
	}
	sels := `["` + strings.Join(controls, `","`) + `"]`
	for _, width := range []int64{1280, 1024} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			b.t = t
			b.do("resize", chromedp.EmulateViewport(width, 900))
			for _, sort := range []string{"", "-email"} { // long addresses first, then the long sources
				b.do("open members", chromedp.Navigate(e.srv.URL+"/licenses/"+licA+"/members?limit=50&sort="+sort), chromedp.WaitVisible(chromedp.CSS("#members")))
				if bad := eval[[]string](b, fmt.Sprintf(fitsViewport, sels)); len(bad) > 0 {
					b.shot(fmt.Sprintf("members-%d-overflow", width))
					t.Fatalf("at %dpx, sorted %q: %s", width, sort, strings.Join(bad, "; "))
				}
				b.shot(fmt.Sprintf("members-%d%s", width, sort))
			}
			// A truncated source keeps its full name as a tooltip.
			if !eval[bool](b, `Array.from(document.querySelectorAll("#members td.sources .chip")).some(c =>
				c.title.includes("canvas-instructure-district-account/science-department-course-sections") && c.scrollWidth > c.clientWidth)`) {
				t.Error("no cut-short source chip carries its full name as a tooltip")
			}
		})
	}
}
