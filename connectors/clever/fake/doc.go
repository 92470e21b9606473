// Package fake serves a faithful fake of Clever's Data API (v3.0 and
// v3.1) over httptest, for the clever connector's tests, benchmarks and
// the demo. It owns the fake's district model (schools, users with a roles
// object, sections) and its fault switches. FIDELITY.md beside it lists
// every endpoint, parameter, field, header and status it serves, each with
// the Clever document it comes from; tests hold the fake to it through
// connectors/fidelity (Options.Fidelity).
//
// Reproduced behaviour (dev.clever.com "Pagination and Response Limits",
// "API Responses and Error Messages", "Users", "Sections", "Multi-Role
// Users in Clever"; ../shared/VENDOR-FACTS.md "Clever"):
//
//   - Envelopes: a list is {"data":[{"data":{...},"uri":...}],"links":[...]},
//     one record {"data":{...},"links":[...]}: the record sits one level
//     down, under data[].data.
//   - Paging: records in ascending id order; limit (default 100, at most
//     10,000, above which the answer is 413) and starting_after=<id>;
//     links are relative URIs with rel self and, whenever a page is full,
//     next, so a district whose size is a multiple of the page size ends
//     with an empty page reached through a next link.
//   - Rate limit: 1,200 requests a minute per bearer token in fixed
//     windows of the server's clock; every answer carries
//     X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (unix
//     seconds of the window's end), and a request over the limit is a 429.
//   - Errors: 401 for a missing or unknown token, 404 for a record that is
//     not shared or was deleted, 400 for a bad parameter, 413 for a limit
//     above 10,000, with {"message":...} bodies; a token of the wrong kind
//     (an Instant Login token, "ilc_...") gets an HTML page.
//   - Users: email is omitted for people without one (often young
//     students); name{first,middle,last}; roles is an object keyed by
//     student, teacher, staff, district_admin and contact, and a user may
//     hold several, so role-filtered lists repeat multi-role users.
//     Contacts (guardians) are users with roles.contact and are never in a
//     section. People the district no longer shares are simply absent.
//   - Sections carry students (ids), teacher (the primary) and teachers
//     (primary first).
package fake
