// Package fake serves a faithful fake of the Google Classroom API
// (classroom/v1) and of Google's OAuth 2.0 token endpoint over httptest,
// so that the real Go client (google.golang.org/api/classroom/v1) and the
// real service-account JWT flow run against it unmodified. It owns the
// generated schools used by tests, benchmarks and the demo.
//
// Reproduced behaviour, from ../shared/VENDOR-FACTS.md ("Google Classroom
// API"), the Classroom REST reference and the discovery document
// classroom/v1/classroom-api.json in the google.golang.org/api module:
//
//   - courses.list (GET /v1/courses): courseStates (repeated; an unknown
//     state is 400 INVALID_ARGUMENT), teacherId or studentId (a numeric
//     id, an email or "me"; both at once is 400 INVALID_ARGUMENT; a user
//     that does not exist is 404 NOT_FOUND), pageSize (0 or none: the
//     server's maximum) and pageToken; newest course first, as documented.
//     A domain admin sees every course, anyone else only courses they
//     teach or take ("courses that the requesting user is permitted to
//     view").
//   - courses.get (GET /v1/courses/{id}): 404 NOT_FOUND for an unknown id.
//   - courses.students.list and courses.teachers.list: pageSize default
//     30, pageToken, 404 for an unknown course, 403 PERMISSION_DENIED for
//     a course the caller may not see. Each item is {courseId, userId,
//     profile{id, name{givenName, familyName, fullName}, emailAddress}};
//     emailAddress is present only when the token carries the
//     classroom.profile.emails scope, as the UserProfile reference says.
//   - userProfiles.get (GET /v1/userProfiles/{userId}) by id, email or "me".
//   - Scopes per method: courses.readonly or courses for courses; any of
//     rosters, rosters.readonly, profile.emails, profile.photos for rosters
//     and profiles; 403 insufficientPermissions otherwise.
//   - "The server may return fewer than the specified number of results":
//     every page is capped at Options.MaxPageSize (default 1,000, an
//     assumption: Google names no maximum). Page tokens are opaque and
//     bound to the request that issued them ("must be otherwise
//     identical"); another request's token is 400. Rosters page by
//     enrollment order, so people joining or leaving between pages shift
//     nobody.
//   - Quota: RateLimit answers 429 RESOURCE_EXHAUSTED (limits page: over
//     1,200 requests a minute per user), without Retry-After as Classroom
//     names no wait; RateLimitAs gives the 403 rateLimitExceeded /
//     userRateLimitExceeded / quotaExceeded forms and Retry-After.
//   - Delegation, the token endpoint, 401s and error bodies are
//     connectors/googleauth/fakeauth's, shared with the Directory fake.
//
// fields= partial responses are served (only the fields asked for, as
// Google answers), but a field the resource lacks selects nothing rather
// than Google's 400.
//
// Not reproduced: course aliases, invitations listing,
// guardians, and every write method. Invitations exist only so a test can
// hold someone who was invited and never joined (never listed).
//
// Fidelity: FIDELITY.md lists every endpoint, parameter, field, header and
// status the fake serves with its Google source; Options.Fidelity (or
// RecordFidelity) serves through connectors/fidelity recorders and
// CheckFidelity fails a test for anything outside it. Its tests hold the
// table to the discovery document in google.golang.org/api and run
// Google's Python client (testdata/pyclient.py) against the fake.
//
// Fault switches (RateLimit, RateLimitAs, ServerErrors, ServerErrorsCode,
// FailOnPage, Truncate, SlowPages, Empty, BadCredentials, ExpireTokens)
// match connectortest.Faults; they and the mutations (AddUser, AddCourse,
// SetState, Enroll, Unenroll, Invite, RemoveUser, Churn) are safe with
// requests in flight.
package fake
