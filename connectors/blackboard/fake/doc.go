// Package fake serves a fake of the Blackboard Learn REST API (its OAuth 2
// token endpoint, course memberships, courses, terms and data sources) over
// httptest, for the blackboard connector's tests, benchmarks and the demo.
// It owns the fake's district model and its fault switches. FIDELITY.md
// lists every endpoint, parameter, field, header and status it serves,
// each with the Anthology document or client it comes from.
//
// Reproduced, by ../shared/VENDOR-FACTS.md ("Blackboard Learn") and the
// sources in FIDELITY.md:
//
//   - POST /learn/api/public/v1/oauth2/token: the application key and
//     secret in HTTP Basic, grant_type=client_credentials; answers
//     access_token, token_type "bearer" and expires_in (one hour); a wrong
//     key or secret is 401 {"error":"invalid_client",...}. Tokens expire
//     (ExpireTokens) and are refused with 401 {"status":401,"message":...}.
//   - GET /learn/api/public/v1/courses/{courseId}/users: offset and limit
//     paging (default 100; larger limits are cut to the server's maximum),
//     answered as {"results":[...],"paging":{"nextPage":"<path?query>"}}
//     with a relative nextPage that carries every parameter of the
//     request and is absent on the last page; expand=user embeds the user;
//     filters role, dataSourceId and availability.available. courseId may
//     be the primary id (_12_1) or courseId:, externalId: or uuid:. A
//     parent of cross-listed courses also lists its children's members,
//     each with childCourseId. Memberships carry availability.available
//     Yes, No or Disabled and courseRoleId Instructor, BbFacilitator,
//     TeachingAssistant, CourseBuilder, Grader, Student, Guest or a
//     custom role's id.
//   - Users: availability.available Yes, No or Disabled; contact.email
//     absent when the user has none; name.given and name.family.
//   - GET /learn/api/public/v3/courses with termId, dataSourceId
//     (primary or externalId:), organization, offset and limit; GET of one
//     course, term or data source by id. A course whose availability is
//     Term follows its term's availability.
//   - Rate limits: every answer carries X-Rate-Limit-Limit,
//     X-Rate-Limit-Remaining and X-Rate-Limit-Reset (seconds until the
//     window ends) for the application's quota (10,000 calls per 24 hours by
//     default); once it is spent every call answers 429 until the window
//     resets.
//   - Errors: {"status":N,"message":"..."} (with "code" where Learn sends
//     one); 401 for a missing or dead token, 404 for an unknown course,
//     term or data source, 500 and 503 for server faults.
//
// Not reproduced: three-legged OAuth, the fields= projection, sort,
// created/modified filters, groups, the v1 and v2 course routes, user
// lookups by email prefixes, entitlements beyond "the application may read
// every course" (Learn answers 403 without them; Forbid switches that on).
package fake
