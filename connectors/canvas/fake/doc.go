// Package fake serves a fake of the Canvas LMS REST API and of its OAuth2
// token endpoint over httptest, for the canvas connector's tests,
// benchmarks and the demo. It owns the fake's district model (accounts
// with sub-accounts, terms, courses, users, enrollments), its generator
// and its fault switches.
//
// It was built from Canvas's own documents and source (instructure/
// canvas-lms: doc/api/pagination.md and throttling.md, lib/api.rb,
// lib/api/v1/user.rb, app/middleware/request_throttle.rb, and the @API
// comments of courses_controller.rb, enrollments_api_controller.rb,
// users_controller.rb and accounts_controller.rb) and from a real client
// (@kth/canvas-api), apart from the connector. FIDELITY.md lists every
// endpoint, parameter, field, header and status it serves with its
// source; tests hold the fake to it through Options.Fidelity.
//
// What it reproduces, traps included:
//
//   - Emails only where Canvas returns them and only when asked: "List
//     users in course" and "List users in account" add "email" for
//     include[]=email when the caller holds read_email_addresses (absent
//     otherwise; User.NoEmailPermission switches it off for one admin),
//     null for a user without an email channel, as typed (mixed case),
//     and absent for a course user whose enrollments are all invited,
//     pending or rejected. "List enrollments" never carries an email:
//     include[]=email is not one of its documented include values.
//   - Logins that are not emails: students log in with SIS usernames
//     (login_id s123456), shown to admins only.
//   - Pagination: 10 items a page by default; per_page is read as Ruby's
//     to_i and clamped to 1..100, as Api.per_page_for does ("0" asks for
//     one item). Links are absolute, carry the request's other parameters
//     (sorted and escaped as Rails' to_query writes them) with page and
//     per_page last, in the order current, next, prev, first, joined by
//     commas; the header is sent as "link" (lower case, as an HTTP/2
//     front end delivers it), so clients must match it case-insensitively.
//     Enrollments page by opaque bookmarks (page=bookmark:...); course and
//     account lists by number; none of the three sends rel="last" (the
//     controllers paginate with total_entries nil).
//   - Rosters: enrollment types Student, Teacher, Ta, Designer and
//     Observer (with associated_user_id); states active, invited,
//     inactive, completed, deleted; course states unpublished
//     (created/claimed in state[]), available, completed (concluded, its
//     enrollments still active) and deleted. "List users in course"
//     filters by enrollment_type[] and enrollment_state[] (default active
//     and invited) and lists each user once, sorted by sortable name;
//     "List enrollments" without state[] answers active and invited, and
//     inactive too for an admin caller, as its documentation says.
//   - Throttling: every answer carries X-Request-Cost and
//     X-Rate-Limit-Remaining (a leaky bucket whose high-water mark is 600,
//     refilled 10 a second); a throttled request gets 403 with the plain
//     text "403 Forbidden (Rate Limit Exceeded)", X-Rate-Limit-Remaining
//     0.0 and no X-Request-Cost (RequestThrottle#rate_limit_exceeded), or,
//     by switch, 429 as Instructure's newer developer documentation says.
//     Neither names a Retry-After.
//   - Auth: Authorization: Bearer <token> or ?access_token=; an unknown,
//     revoked or expired token gets 401 with WWW-Authenticate:
//     Bearer realm="canvas-lms" and {"errors":[{"message":"Invalid access
//     token."}]}; no token gets 401 "user authorization required"; a token
//     of a user who is not an admin gets 401 "user not authorized to
//     perform that action".
//   - Errors: JSON {"errors":[{"message":"..."}]} (404 "The specified
//     resource does not exist.", 500 with an error_report_id); 502, 503
//     and 504 answer an HTML page, as a load balancer does.
//   - OAuth2 (developer keys): POST /login/oauth2/token with
//     grant_type=refresh_token, client_id, client_secret and refresh_token
//     (form or HTTP Basic) answers access_token, token_type Bearer,
//     expires_in 3600 and the user; an unknown client or wrong secret is
//     401 invalid_client, an unknown refresh token 400 invalid_grant.
//
// Documented differently from what Canvas's newest source does, and built
// as documented: CoursesController#users now adds "email" to every
// request's includes (the documented include[] list of earlier versions
// named it), and enrollment_json passes include[]=email through to the
// user embedded in "List enrollments". The fake shows emails only for
// include[]=email on the two user listings, as the documentation says;
// the connector asks for them explicitly, so it works with either.
//
// Not reproduced: section and user enrollment paths, SIS id lookups
// (sis_course_id:...), grades, custom roles beyond the base types,
// include[] values other than email and enrollments (accepted, ignored),
// the pre-flight cost of parallel requests, masquerading.
//
// Fault switches (RateLimit, ServerErrors, FailOnPage, SlowPages,
// Truncate, RevokeTokens, ExpireTokens, Empty) apply to enrollment and
// course-user pages; mutations (AddUser, Enroll, SetState, Drop,
// SetEmail, Churn) are safe for concurrent use with requests in flight.
package fake
