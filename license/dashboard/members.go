package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/csvio"
	"github.com/rollcall-sync/rollcall/license/query"
)

// pageSizes are the page lengths the members table offers.
var pageSizes = []int{25, 50, 100, 200}

// column is a header of the members table.
type column struct {
	Field    license.SortField
	Label    string
	Sorted   string // "ascending", "descending" or "" (aria-sort)
	Href     string // where clicking the header goes
	NextSort string // what that click sorts by, for its label
}

type membersPage struct {
	Tabs      tabs
	Q         string
	Canonical string
	Err       *queryError
	Sort      string
	Limit     int
	Limits    []int
	Columns   []column
	Members   []license.Member
	Pager     pager
	Export    string
	Scoped    bool // a domain admin sees only their domains' members
	Builder   builder
	Removable bool
}

// queryError is a parse error of the filter box, shown under it with a
// caret at the spot.
type queryError struct {
	Pos     int
	Column  int // from 1, for people
	Message string
	Caret   string
}

// membersQuery is the table's state as the URL carries it.
type membersQuery struct {
	Q     string
	Sort  string
	Page  int // from 1
	Limit int
}

func (q membersQuery) values() url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Sort != "" && q.Sort != "email" {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.Limit != 0 && q.Limit != 50 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

func (q membersQuery) url(base string) string {
	if enc := q.values().Encode(); enc != "" {
		return base + "?" + enc
	}
	return base
}

func readMembersQuery(r *http.Request) membersQuery {
	v := r.URL.Query()
	q := membersQuery{Q: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort"), Page: 1, Limit: 50}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 1 {
		q.Page = n
	}
	if n, err := strconv.Atoi(v.Get("limit")); err == nil {
		for _, size := range pageSizes {
			if n == size {
				q.Limit = n
			}
		}
	}
	return q
}

// scope bounds the members a grant reaches: nil (everyone) for license
// admins and operators, their shared domains for a domain admin.
func scope(g auth.Grant) license.Filter {
	if g.Access >= auth.AccessLicense {
		return nil
	}
	return auth.DomainFilter(g.Domains)
}

// filter compiles the filter box, narrowed to the members the viewer may see.
func filter(g auth.Grant, q string) (license.Filter, *queryError, error) {
	parsed, err := query.Parse(q)
	var qe *query.Error
	if errors.As(err, &qe) {
		return nil, &queryError{Pos: qe.Pos, Column: qe.Pos + 1, Message: qe.Msg, Caret: qe.Caret(q)}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var f license.Filter
	if !parsed.Empty() {
		f = parsed
	}
	return auth.And(scope(g), f), nil, nil
}

func (s *server) membersPage(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needRead)
	if !ok {
		return
	}
	base := "/licenses/" + l.ID + "/members"
	mq := readMembersQuery(r)
	// Without JavaScript the search builder submits its parts; the server
	// writes the condition into the query and shows the result.
	if b := readBuilder(r.URL.Query()); b.Field != "" {
		nq, err := b.apply(mq.Q)
		if err == nil {
			mq.Q, mq.Page = nq, 1
			http.Redirect(w, r, mq.url(base), http.StatusSeeOther)
			return
		}
		setFlash(w, "error", err.Error())
		http.Redirect(w, r, mq.url(base), http.StatusSeeOther)
		return
	}
	field, desc, err := license.ParseSort(mq.Sort)
	if err != nil {
		field, desc, mq.Sort = license.SortEmail, false, ""
	}
	p := membersPage{Q: mq.Q, Sort: mq.Sort, Limit: mq.Limit, Limits: pageSizes, Builder: newBuilder(),
		Tabs: tabsOf(g, "members"), Removable: g.Access >= auth.AccessDomain, Scoped: scope(g) != nil}
	p.Columns = columns(base, mq, field, desc)
	f, qerr, err := filter(g, mq.Q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if qerr != nil {
		p.Err = qerr
		status = http.StatusUnprocessableEntity
	} else {
		if parsed, _ := query.Parse(mq.Q); parsed != nil && parsed.String() != mq.Q {
			p.Canonical = parsed.String()
		}
		members, total, err := membersPageOf(r.Context(), s.store, l.ID, license.ListOptions{Filter: f, Sort: field, Desc: desc}, mq.Page, mq.Limit)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if last := max(1, (total+mq.Limit-1)/mq.Limit); mq.Page > last {
			// Past the end (the list shrank since the link was made).
			mq.Page = last
			http.Redirect(w, r, mq.url(base), http.StatusSeeOther)
			return
		}
		p.Members = members
		p.Pager = newPager(base, mq, total)
	}
	exp := mq
	exp.Page, exp.Limit = 1, 0
	p.Export = exp.url(base + ".csv")
	s.render(w, r, status, "members", view{Title: l.Name + " · Members", Section: "licenses", Viewer: v, Page: p})
}

var columnLabels = []struct {
	f     license.SortField
	label string
}{
	{license.SortEmail, "Email"}, {license.SortName, "Name"}, {license.SortRole, "Role"},
	{license.SortOrgUnit, "Org unit"}, {license.SortSource, "Sources"}, {license.SortAdded, "Added"},
}

// columns builds the headers: the sorted one says so (aria-sort) and
// clicking it reverses the order; any other sorts by itself, ascending.
func columns(base string, mq membersQuery, field license.SortField, desc bool) []column {
	out := make([]column, len(columnLabels))
	for i, c := range columnLabels {
		col := column{Field: c.f, Label: c.label}
		next := mq
		next.Page = 1
		next.Sort = string(c.f)
		col.NextSort = "ascending"
		if c.f == field {
			col.Sorted = "ascending"
			if desc {
				col.Sorted = "descending"
			} else {
				next.Sort = "-" + string(c.f)
				col.NextSort = "descending"
			}
		}
		col.Href = next.url(base)
		out[i] = col
	}
	return out
}

func (s *server) exportMembers(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needRead)
	if !ok {
		return
	}
	mq := readMembersQuery(r)
	field, desc, err := license.ParseSort(mq.Sort)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, qerr, err := filter(g, mq.Q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if qerr != nil {
		http.Error(w, fmt.Sprintf("filter: position %d: %s", qerr.Pos, qerr.Message), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-members-%s.csv"`, l.ID, s.now().UTC().Format("20060102")))
	if err := csvio.Export(r.Context(), w, s.store, l.ID, license.ListOptions{Filter: f, Sort: field, Desc: desc}); err != nil {
		// Headers are gone; the truncated file is all we can do, and the log says why.
		s.log.Error("members export failed", "license", l.ID, "err", err)
	}
}

// removeMember takes away the claims an admin made (manual, CSV, key).
// Someone a sync or a domain deployment still claims stays, and the
// message says which sources keep them.
func (s *server) removeMember(w http.ResponseWriter, r *http.Request, v viewer) {
	l, g, ok := s.licenseFor(w, r, v, needMembers)
	if !ok {
		return
	}
	back := "/licenses/" + l.ID + "/members"
	if ret := r.PostFormValue("return"); strings.HasPrefix(ret, back) {
		back = ret
	}
	email, err := license.NormalizeEmail(r.PostFormValue("email"))
	if err != nil {
		redirect(w, r, back, "error", "Cannot remove: "+err.Error()+".")
		return
	}
	if !g.Covers(email) {
		// As the API answers: a member out of reach does not exist.
		s.notFound(w, r, v)
		return
	}
	res, err := csvio.Import(r.Context(), s.store, l.ID, []csvio.Row{{Line: 1, Email: email, Role: license.RoleStudent}},
		csvio.ImportOptions{Remove: true, Actor: v.Email, Now: s.now()})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case len(res.NotFound) > 0:
		redirect(w, r, back, "info", email+" is not on this license.")
	case len(res.Kept) > 0:
		srcs := make([]string, len(res.Kept[0].Sources))
		for i, s := range res.Kept[0].Sources {
			srcs[i] = string(s)
		}
		redirect(w, r, back, "info", fmt.Sprintf("%s stays on the license: %s still %s them. Change that source to remove them.",
			email, strings.Join(srcs, ", "), map[bool]string{true: "claims", false: "claim"}[len(srcs) == 1]))
	default:
		s.log.Info("member removed from the dashboard", "license", l.ID, "email", email, "actor", v.Email)
		redirect(w, r, back, "success", "Removed "+email+" at "+s.now().UTC().Format(time.Kitchen)+" UTC.")
	}
}
