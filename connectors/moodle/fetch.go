package moodle

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

type unit struct {
	kind string // category or course
	id   int64
}

func (u unit) String() string { return u.kind + ":" + strconv.FormatInt(u.id, 10) }

func parseUnit(s string) (unit, error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	kind = strings.ToLower(kind)
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || (kind != "category" && kind != "course") {
		return unit{}, fmt.Errorf("unit %q: %w", s, ErrBadUnit)
	}
	return unit{kind, n}, nil
}

// plan is a selection read for one Fetch.
type plan struct {
	units         []unit
	roles         map[string]license.Role // by role shortname
	subcategories bool
	hidden        bool
}

func (c *Connector) planFor(sel connectors.Selection) (*plan, error) {
	p := &plan{subcategories: true, roles: map[string]license.Role{
		"student": license.RoleStudent, "editingteacher": license.RoleTeacher, "teacher": license.RoleTeacher}}
	if len(sel.Units) == 0 {
		return nil, fmt.Errorf("%s: the selection names no unit (category:<id> or course:<id>)", c.prefix())
	}
	for _, s := range sel.Units {
		u, err := parseUnit(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.prefix(), err)
		}
		if !slices.Contains(p.units, u) {
			p.units = append(p.units, u)
		}
	}
	for k, r := range sel.Roles {
		if !r.Valid() {
			return nil, fmt.Errorf("%s: roles[%q] = %q: must be student, teacher or other", c.prefix(), k, r)
		}
		p.roles[k] = r
	}
	for opt, dst := range map[string]*bool{"include_subcategories": &p.subcategories, "include_hidden": &p.hidden} {
		switch v := sel.Options[opt]; v {
		case "":
		case "true", "false":
			*dst = v == "true"
		default:
			return nil, fmt.Errorf("%s: option %s: %q must be true or false", c.prefix(), opt, v)
		}
	}
	return p, nil
}

// rank orders roles so the strongest of several wins.
func rank(r license.Role) int {
	switch r {
	case license.RoleTeacher:
		return 3
	case license.RoleStudent:
		return 2
	case license.RoleOther:
		return 1
	}
	return 0
}

type enrolledUser struct {
	ID       int64  `json:"id"`
	Fullname string `json:"fullname"`
	Email    string `json:"email"`
	Roles    []struct {
		Shortname string `json:"shortname"`
	} `json:"roles"`
}

// Fetch emits the active participants of the selection's courses, one emit
// per page of core_enrol_get_enrolled_users. Someone in several courses is
// emitted once per course.
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	courses, err := c.coursesOf(ctx, p)
	if err != nil {
		return err
	}
	buf := make([]connectors.Person, 0, c.s.PageSize)
	var seen connectors.EmailCount
	counted := func(page []connectors.Person) error {
		seen.CountPage(page)
		return emit(page)
	}
	for _, cid := range courses {
		if err := c.participants(ctx, p, cid, &buf, counted); err != nil {
			return err
		}
	}
	// Everyone without an email is a token that may not see them, not a
	// district of people without addresses: fail rather than plan to
	// skip everyone (the rule is connectors.EmailCount's).
	return seen.Err(c.prefix(), "participants", ErrNoEmails)
}

// participants pages one course's active enrolments.
func (c *Connector) participants(ctx context.Context, p *plan, cid int64, buf *[]connectors.Person, emit func([]connectors.Person) error) error {
	cs := strconv.FormatInt(cid, 10)
	org := "course:" + cs
	for from, page := 0, 1; ; page++ {
		args := url.Values{"courseid": {cs}}
		for i, kv := range [][2]string{{"onlyactive", "1"}, {"userfields", "id,fullname,email,roles"}, {"limitfrom", strconv.Itoa(from)},
			{"limitnumber", strconv.Itoa(c.s.PageSize)}, {"sortby", "id"}} {
			args.Set("options["+strconv.Itoa(i)+"][name]", kv[0])
			args.Set("options["+strconv.Itoa(i)+"][value]", kv[1])
		}
		var users []enrolledUser
		if err := c.call(ctx, fmt.Sprintf("participants of %s, page %d", org, page), "core_enrol_get_enrolled_users", args, &users); err != nil {
			return err
		}
		out := (*buf)[:0]
		for _, u := range users {
			var best license.Role
			for _, r := range u.Roles {
				if m, ok := p.roles[r.Shortname]; ok && rank(m) > rank(best) {
					best = m
				}
			}
			if best == "" || u.ID == 0 {
				continue // no mapped role: guests, parents, managers, no role
			}
			out = append(out, connectors.Person{ExternalID: strconv.FormatInt(u.ID, 10), Email: strings.TrimSpace(u.Email),
				Name: u.Fullname, Role: best, OrgUnit: org})
		}
		*buf = out
		if len(out) > 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%s: %w", c.prefix(), err)
			}
			if err := emit(out); err != nil {
				return err
			}
		}
		// Moodle pages by offset with no total: a short page is the last.
		if len(users) < c.s.PageSize {
			return nil
		}
		from += len(users)
	}
}

type category struct {
	ID int64 `json:"id"`
}

type course struct {
	ID      int64 `json:"id"`
	Visible int   `json:"visible"`
}

// coursesOf lists the selection's courses, each once.
func (c *Connector) coursesOf(ctx context.Context, p *plan) ([]int64, error) {
	var out []int64
	add := func(id int64) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, u := range p.units {
		if u.kind == "course" {
			add(u.id)
			continue
		}
		cats, err := c.categories(ctx, u, p.subcategories)
		if err != nil {
			return nil, err
		}
		for _, cat := range cats {
			var ans struct {
				Courses []course `json:"courses"`
			}
			err := c.call(ctx, fmt.Sprintf("courses of category:%d", cat), "core_course_get_courses_by_field",
				url.Values{"field": {"category"}, "value": {strconv.FormatInt(cat, 10)}}, &ans)
			if err != nil {
				return nil, err
			}
			for _, cr := range ans.Courses {
				if cr.Visible == 1 || p.hidden {
					add(cr.ID)
				}
			}
		}
	}
	return out, nil
}

// categories is the category and, when asked, its subcategories.
func (c *Connector) categories(ctx context.Context, u unit, sub bool) ([]int64, error) {
	args := url.Values{"criteria[0][key]": {"id"}, "criteria[0][value]": {strconv.FormatInt(u.id, 10)}, "addsubcategories": {"0"}}
	if sub {
		args.Set("addsubcategories", "1")
	}
	var cats []category
	if err := c.call(ctx, "look up "+u.String(), "core_course_get_categories", args, &cats); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(cats, func(x category) bool { return x.ID == u.id }) {
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), u, ErrUnknownUnit)
	}
	out := make([]int64, 0, len(cats))
	for _, x := range cats {
		out = append(out, x.ID)
	}
	return out, nil
}

// Check tests the token with one cheap call: the site's info.
func (c *Connector) Check(ctx context.Context) error {
	var info struct {
		Sitename string `json:"sitename"`
	}
	return c.call(ctx, "check the token (site info)", "core_webservice_get_site_info", nil, &info)
}

// ValidateSelection checks that every unit parses and exists.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		if u.kind == "category" {
			if _, err := c.categories(ctx, u, false); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		var ans struct {
			Courses []course `json:"courses"`
		}
		err := c.call(ctx, "look up "+u.String(), "core_course_get_courses_by_field",
			url.Values{"field": {"id"}, "value": {strconv.FormatInt(u.id, 10)}}, &ans)
		if err == nil && len(ans.Courses) == 0 {
			err = fmt.Errorf("%s: %s: %w", c.prefix(), u, ErrUnknownUnit)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
