// Package canvas owns the Canvas LMS connector (type "canvas"): it reads
// the people of Canvas courses through the Canvas REST API, for one
// course, the courses of an account and its sub-accounts, or the courses
// of a term, and maps enrollment types to Rollcall roles. It authenticates
// with an access token or an OAuth2 developer key's refresh token, follows
// Canvas's Link header pagination, backs off on Canvas's throttling
// signals, and turns Canvas's error bodies into errors that name the
// connector and the call. Canvas meters request cost, not a request
// count, so requests are paced (connectors/ratelimit) only when a
// quota_per_minute cap is set.
//
// # Where emails come from
//
// Canvas's "List enrollments" carries no email (its embedded user has an
// id, names and, for admins, a login_id that for most students is an SIS
// username), so the connector reads "List users in course"
// (GET /api/v1/courses/:id/users) with include[]=email and
// include[]=enrollments, one listing per course: each user once, with the
// email Canvas shows and their enrollments in the course. The reasons and
// the cost are in Fetch's comment. A person without an email is emitted
// with none, once per sync, and the planner skips and counts them; a login
// is never taken for an email.
//
// # Token permissions
//
// The token's user (an account admin, or a custom account role) needs, on
// the account synced or in each course:
//
//   - "Users - view list" (read_roster), to list a course's users;
//   - "Courses - view list" (read_course_list), for account:<id> and
//     term:<id> units;
//   - "Users - view primary email address" (read_email_addresses):
//     without it Canvas leaves the email key out of every user. The
//     connector then fails the link check (ValidateSelection) and every
//     sync with ErrEmailPermission, naming the permission, and plans no
//     removals.
//
// "Users - view login IDs" is not needed.
//
// # Selection
//
// Units: "course:<id>", "account:<id>" ("account:self" is the root
// account; option include_sub_accounts=false keeps only the account's own
// courses), "term:<id>" (courses of that term in the root account).
// Selection.Roles is keyed by enrollment type or custom role name
// ("TaEnrollment": other). StudentEnrollment is a student; Teacher, Ta and
// DesignerEnrollment are teachers; ObserverEnrollment (parents) is left
// out unless mapped there or by the include_observers setting. A person
// with several enrollments in a course takes the strongest role.
//
// Options: enrollment_states (comma list, default "active"; with
// "invited", invited people who have not accepted are read, but Canvas
// shows no email for them, so they are skipped), course_states (default
// "available": unpublished, concluded ("completed") and deleted courses
// are left out, for course:<id> units too, even when their enrollments
// still say active).
//
// The fake Canvas it is tested against is in canvas/fake; an independent
// npm client (@kth/canvas-api, in npmclient/) pages that fake in the
// tests too.
package canvas
