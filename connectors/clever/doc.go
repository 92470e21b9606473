// Package clever owns the Clever connector (type "clever"): it reads a
// district's people through Clever's Data API (v3.0 or v3.1) with the
// district-app bearer token of a Secure Sync app, for the whole district,
// one school, one section or one teacher's sections, and maps Clever's
// roles to Rollcall roles.
//
// Selection units: "district", "school:<id>", "section:<id>" and
// "teacher:<id>" (every section that teacher teaches), ids being Clever's
// ObjectIDs. For district and school units the roles come from each
// user's roles object: a user may hold several, and is read once per role
// (Clever's role-filtered lists repeat them), so the planner keeps the
// strongest. For sections the roles come from the section: its students
// are students, its teachers teachers. Selection.Roles is keyed by
// Clever's role names: "student" and "teacher" (default: student and
// teacher), "staff" and "district_admin" (left out unless mapped).
// Contacts (guardians) are never members. People without an email are
// reported without one, and the planner skips and counts them.
//
// Paging follows the links[rel=next] of each answer (limit and
// starting_after), reading each record under data[].data. Requests are
// paced (connectors/ratelimit) to Clever's 1,200 a minute per token; a
// window spent anyway is waited out until X-RateLimit-Reset, not failed;
// 401 and 400 are not retried, 5xx are. The fake Clever it is tested
// against is in clever/fake.
package clever
