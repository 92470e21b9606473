// Package fake serves a faithful fake of the Canvas LMS REST API and of its
// OAuth2 token endpoint over httptest, for the canvas connector's tests,
// benchmarks and the demo. It owns the fake's district model (accounts
// with sub-accounts, terms, courses, users, enrollments) and its fault
// switches.
//
// Reproduced behaviour, by the lines of ../shared/VENDOR-FACTS.md ("Canvas
// LMS REST API") and instructure/canvas-lms doc/api/pagination.md,
// doc/api/throttling.md and app/controllers/enrollments_api_controller.rb:
//
//   - Pagination: 10 items a page by default; per_page raises it up to 100,
//     above which it is silently capped. Every list answers a Link header
//     with rel current, next (absent on the last page) and first, and for
//     numbered pages also prev and last. Enrollment lists page by opaque
//     bookmarks (page=bookmark:<base64 of the last sort key>) and send no
//     last link, as Canvas does when counting would be expensive; course
//     lists page by number. Links are absolute URLs that carry every
//     parameter of the request, in whatever order; the header is sent as
//     "link" (lower case, as Canvas's front end does) so that clients must
//     match it case-insensitively.
//   - GET /api/v1/courses/:id/enrollments with type[], role[], state[]
//     (default active and invited), user_id and include[]; ordered by type,
//     the user's sortable name, then id, as Canvas's bookmarker orders
//     them. Each enrollment embeds its user (id, name, sortable_name,
//     short_name, login_id); include[]=email adds user.email, which
//     enrollments_api_controller passes on to the user JSON though the
//     endpoint does not document it. Users without an email channel answer
//     "email": null.
//   - GET /api/v1/accounts/:id/courses with state[], enrollment_term_id and
//     include[]=term; it lists the courses of sub-accounts too, each with its
//     account_id. GET /api/v1/courses/:id, /api/v1/accounts/:id,
//     /api/v1/accounts/:id/terms/:term_id and /api/v1/users/self.
//     /api/v1/accounts/self is the root account.
//   - Throttling: every answer carries X-Request-Cost and
//     X-Rate-Limit-Remaining (a leaky bucket of 700 that refills as time
//     passes); a throttled request gets 403 with the plain-text body
//     "403 Forbidden (Rate Limit Exceeded)" (the long-standing docs) or 429
//     with the same body and Retry-After (newer ones), by switch.
//   - Auth: Authorization: Bearer <token> or ?access_token=; an unknown,
//     revoked or expired token gets 401 with WWW-Authenticate:
//     Bearer realm="canvas-lms" and {"errors":[{"message":"Invalid access
//     token."}]}; no token gets 401 "user authorization required"; a token
//     of a user who is not an admin of the account gets 401 "user not
//     authorized to perform that action".
//   - Errors: JSON {"errors":[{"message":"..."}]} (404 "The specified
//     resource does not exist.", 500 with an error_report_id); 502 and 503
//     answer an HTML page, as a load balancer does.
//   - OAuth2 (developer keys): POST /login/oauth2/token with
//     grant_type=refresh_token, client_id, client_secret and refresh_token
//     (form or HTTP Basic client authentication) answers access_token,
//     token_type Bearer, expires_in 3600 and the user; an unknown client or
//     wrong secret is 401 invalid_client, an unknown refresh token 400
//     invalid_grant.
//
// Not reproduced: section and user enrollment paths, SIS id lookups
// (sis_course_id:...), grades, custom roles beyond the base types, the
// pre-flight cost penalty of parallel requests, masquerading.
//
// Fault switches (RateLimit, ServerErrors, FailOnPage, SlowPages, Truncate,
// RevokeTokens, ExpireTokens, Empty) and mutations (AddUser, Enroll,
// SetState, Drop, Churn) are safe for concurrent use with requests in
// flight.
package fake
