package classroom

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	classroom "google.golang.org/api/classroom/v1"
	"google.golang.org/api/googleapi"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/license"
)

// Partial responses: only what a claim needs crosses the wire.
const (
	courseFields  googleapi.Field = "id,ownerId,courseState"
	coursesFields googleapi.Field = "nextPageToken,courses(" + courseFields + ")"
	memberFields                  = "userId,profile(id,name/fullName,emailAddress)"
)

// emitError marks an error from the caller's emit, passed through as is.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }

// Fetch reads the selected courses, then each one's teachers and
// students, a page at a time; a person in several courses is emitted
// once per course (the planner folds them).
func (c *Connector) Fetch(ctx context.Context, sel connectors.Selection, emit func([]connectors.Person) error) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	courses, err := c.courses(ctx, p)
	if err != nil {
		return err
	}
	for _, id := range courses {
		if err := c.roster(ctx, id, true, p.teacher, emit); err != nil {
			return err
		}
		if err := c.roster(ctx, id, false, p.student, emit); err != nil {
			return err
		}
	}
	return nil
}

// courses lists the ids of the selected courses in course_states, each
// once, in the order the units name them.
func (c *Connector) courses(ctx context.Context, p *plan) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, u := range p.units {
		if u.kind == UnitCourse {
			co, err := c.svc.Courses.Get(u.value).Fields(courseFields).Context(ctx).Do()
			if err != nil {
				return nil, c.fail(ctx, "courses.get "+u.value, err)
			}
			if slices.Contains(c.s.CourseStates, co.CourseState) {
				add(co.Id)
			} else {
				c.log.InfoContext(ctx, "selected course is not in course_states: read nobody from it",
					"course", co.Id, "state", co.CourseState, "course_states", c.s.CourseStates)
			}
			continue
		}
		call := c.svc.Courses.List().CourseStates(c.s.CourseStates...).PageSize(int64(c.s.PageSize)).Fields(coursesFields)
		owner := ""
		switch u.kind {
		case UnitTeacher:
			call = call.TeacherId(u.value)
		case UnitOwner:
			// Classroom filters by teacher, not owner; the owner is always
			// one of a course's teachers, so filter by them and keep the
			// courses they own.
			owner = u.value
			if strings.Contains(owner, "@") {
				prof, err := c.svc.UserProfiles.Get(owner).Fields("id").Context(ctx).Do()
				if err != nil {
					return nil, c.fail(ctx, "userProfiles.get "+owner, err)
				}
				owner = prof.Id
			}
			call = call.TeacherId(owner)
		}
		pages := 0
		err := call.Pages(ctx, func(resp *classroom.ListCoursesResponse) error {
			pages++
			for _, co := range resp.Courses {
				if owner == "" || co.OwnerId == owner {
					add(co.Id)
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return nil, c.fail(ctx, fmt.Sprintf("courses.list for %s (states %s), page %d", u, strings.Join(c.s.CourseStates, ","), pages+1), err)
		}
	}
	return out, nil
}

// roster lists a course's teachers or students and emits each page.
func (c *Connector) roster(ctx context.Context, course string, teachers bool, role license.Role, emit func([]connectors.Person) error) error {
	pages := 0
	send := func(out []connectors.Person) error {
		pages++
		if len(out) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := emit(out); err != nil {
			return emitError{err}
		}
		return nil
	}
	var err error
	call := "courses.students.list"
	if teachers {
		call = "courses.teachers.list"
		err = c.svc.Courses.Teachers.List(course).PageSize(int64(c.s.PageSize)).
			Fields(googleapi.Field("nextPageToken,teachers("+memberFields+")")).
			Pages(ctx, func(resp *classroom.ListTeachersResponse) error {
				out := make([]connectors.Person, 0, len(resp.Teachers))
				for _, t := range resp.Teachers {
					out = append(out, person(course, role, t.UserId, t.Profile))
				}
				return send(out)
			})
	} else {
		err = c.svc.Courses.Students.List(course).PageSize(int64(c.s.PageSize)).
			Fields(googleapi.Field("nextPageToken,students("+memberFields+")")).
			Pages(ctx, func(resp *classroom.ListStudentsResponse) error {
				out := make([]connectors.Person, 0, len(resp.Students))
				for _, s := range resp.Students {
					out = append(out, person(course, role, s.UserId, s.Profile))
				}
				return send(out)
			})
	}
	var ee emitError
	if errors.As(err, &ee) {
		return fmt.Errorf("%s: %s of course %s: %w", c.prefix(), call, course, ee.err)
	}
	if err != nil {
		return c.fail(ctx, fmt.Sprintf("%s of course %s, page %d", call, course, pages+1), err)
	}
	return nil
}

// person is one roster entry. The email is as Classroom gives it, absent
// without the profile emails scope; the planner normalizes it or skips
// the person with a reason.
func person(course string, role license.Role, userID string, prof *classroom.UserProfile) connectors.Person {
	p := connectors.Person{ExternalID: userID, Role: role, OrgUnit: course}
	if prof != nil {
		p.Email = prof.EmailAddress
		if prof.Name != nil {
			p.Name = prof.Name.FullName
		}
		if p.ExternalID == "" {
			p.ExternalID = prof.Id
		}
	}
	return p
}

// fail names the call; a cancelled context wins over what it caused.
func (c *Connector) fail(ctx context.Context, call string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	return c.wrap(call, err)
}

// ValidateSelection checks a selection's syntax, then that each course it
// names exists and is in course_states, and that each teacher or owner it
// names is a user Classroom knows.
func (c *Connector) ValidateSelection(ctx context.Context, sel connectors.Selection) error {
	p, err := c.planFor(sel)
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range p.units {
		switch u.kind {
		case UnitCourse:
			co, err := c.svc.Courses.Get(u.value).Fields(courseFields).Context(ctx).Do()
			switch {
			case notFound(err):
				errs = append(errs, fmt.Errorf("%s: selection unit %s: %w", c.prefix(), u, ErrUnknownCourse))
			case err != nil:
				return c.fail(ctx, "courses.get "+u.value, err)
			case !slices.Contains(c.s.CourseStates, co.CourseState):
				errs = append(errs, fmt.Errorf("%s: selection unit %s: the course is %s, not one of course_states %v, so it would add nobody",
					c.prefix(), u, co.CourseState, c.s.CourseStates))
			}
		case UnitTeacher, UnitOwner:
			_, err := c.svc.UserProfiles.Get(u.value).Fields("id").Context(ctx).Do()
			switch {
			case notFound(err):
				errs = append(errs, fmt.Errorf("%s: selection unit %s: %w", c.prefix(), u, ErrUnknownUser))
			case err != nil:
				return c.fail(ctx, "userProfiles.get "+u.value, err)
			}
		}
	}
	return errors.Join(errs...)
}

func notFound(err error) bool {
	var gerr *googleapi.Error
	return errors.As(err, &gerr) && gerr.Code == 404
}
