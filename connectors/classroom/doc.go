// Package classroom owns the google-classroom connector: it reads the
// teachers and students of Google Classroom courses through the Classroom
// API (google.golang.org/api/classroom/v1, the real Go client) with a
// service account's domain-wide delegation, impersonating a Workspace
// admin, through the machinery it shares with google-directory
// (connectors/googleauth: delegation, retries, the 401 refresh, errors).
//
// Decisions worth knowing:
//
//   - Selection units: "all" (every course in course_states),
//     "course:<id>", "teacher:<email or id>" (courses.list's teacherId
//     filter) and "owner:<id or email>" (the teacher filter, keeping the
//     courses whose ownerId is that user). Units may be combined; each
//     course is read once.
//   - course_states (default [ACTIVE]) applies to every unit, a course
//     named by id included: ValidateSelection says when a named course is
//     in another state, and Fetch reads nobody from it.
//   - Roles: teachers → teacher, students → student; Selection.Roles keys
//     "teacher" and "student" override them. The owner of a course is one
//     of its teachers in Classroom, so owners are teachers.
//   - A person in several courses is emitted once per course, OrgUnit set
//     to the course id; the planner folds them, keeping the strongest role.
//   - Emails come from profile.emailAddress, which Classroom fills only for
//     tokens with the classroom.profile.emails scope; the connector asks
//     for it with the read-only courses and rosters scopes. A profile
//     without an email is emitted without one, and the planner skips it
//     with the reason "no email".
//   - Requests run one at a time, paced (connectors/ratelimit, below the
//     retries, so every attempt counts) to Classroom's quota of 1,200
//     requests a minute per user, the delegated admin being that one user
//     (settings quota_per_minute, quota_percent).
package classroom
