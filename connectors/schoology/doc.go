// Package schoology owns the Schoology connector (type "schoology"): it
// reads course-section enrollments through Schoology's REST API v1 with a
// district's two-legged OAuth 1.0a consumer key and secret (signed by
// connectors/oauth1), follows links.next paging, retries 429 and 5xx
// through connectors/httpretry (paced by connectors/ratelimit only when
// quota_per_5_seconds is set: Schoology documents no figure), and reads
// each member's email from the user record, since enrollments carry none.
//
// Selection units: "school:<id>" (every course of the key's school),
// "building:<id>", "course:<id>" (its sections) and "section:<id>".
// Roles: an enrollment with admin=1 is "admin" (default teacher), one with
// admin=0 "member" (default student); Selection.Roles may remap "admin" and
// "member" or map a school role title ("Counselor": other), which wins over
// the enrollment's admin flag. Users whose school role is listed in option
// exclude_roles (default "Parent,Guest"; "none" keeps everyone) are left
// out unless their title is mapped. Options: enrollment_status (comma list
// of 1-5, default 1: active), include_past (true/false: sections of past
// grading periods, default false).
//
// Emails: for a few users (settings.user_lookup_max, default 50) each user
// is read with GET /v1/users/{id}; for more, or for school and building
// units, the school's user list is paged once. A user Schoology no longer
// returns (deactivated) is left out; a user without primary_email is
// reported with an empty email, which the planner counts as skipped; when
// nobody has one the sync fails with ErrNoEmails (the key's user may not
// see emails) instead of planning to skip everyone.
//
// The fake Schoology it is tested against is in schoology/fake.
package schoology
