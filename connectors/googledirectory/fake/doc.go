// Package fake serves a faithful fake of the Google Admin SDK Directory API
// (directory_v1) and of Google's OAuth 2.0 token endpoint, over httptest, so
// that the real Go client (google.golang.org/api/admin/directory/v1) and the
// real service-account JWT flow (golang.org/x/oauth2/google, /jwt) run
// against it unmodified. It owns the generated demo and test districts too.
//
// Reproduced behaviour, by the lines of ../shared/VENDOR-FACTS.md
// ("Google Admin SDK Directory API") and the discovery document
// admin/directory/v1/admin-api.json:
//
//   - Quota: fault switches answer 403 userRateLimitExceeded,
//     rateLimitExceeded or quotaExceeded (domain usageLimits), or 429
//     RESOURCE_EXHAUSTED, each with Retry-After.
//   - users.list: customer my_customer or the customer id, or domain;
//     maxResults 1–500, default 100, 400 "invalid" outside that range;
//     query clauses orgUnitPath='<path>' (single quotes, \' and \\ escapes,
//     matching the unit and everything below it, case-insensitively),
//     isSuspended=, isArchived=, isAdmin=, email:<prefix>*; an org unit that
//     does not exist is 400 Invalid Input (an assumption: Google's exact
//     answer is not documented); paging by an opaque nextPageToken that is
//     bound to the query; a stable order (by user id) that is unrelated to
//     names or org units, as Google documents no default order.
//   - fields= partial responses for every method (users.list and
//     users.get, orgunits.list, roleAssignments.list, roles.get),
//     including the users(id,primaryEmail,name/fullName,...) form; an
//     unknown field is 400 "Invalid field selection".
//   - JWT assertions with '='-padded segments are accepted, as Google
//     accepts them from google-auth-python (see fakeauth).
//   - orgunits.list with type=all|children|allIncludingParent, not paged;
//     OrgUnit ids carry the "id:" prefix while role assignments name the
//     same unit without it, as Google answers.
//   - users.get by primary email or id; roleAssignments.list (userKey,
//     roleId, includeIndirectRoleAssignments, maxResults 1–200, paged);
//     roles.get with numeric role ids sent as JSON strings.
//   - Service-account delegation: POST /token with grant_type
//     urn:ietf:params:oauth:grant-type:jwt-bearer; the RS256 assertion is
//     checked against the registered service account's public key, iss,
//     sub (a user of the district), aud (the token URL), iat/exp (at most one
//     hour apart, not expired) and scope (only the scopes granted to the
//     account's domain-wide delegation: 400 unauthorized_client otherwise;
//     400 invalid_grant for a bad signature, unknown subject or bad times).
//   - Every API call needs a live bearer token (401 authError with
//     WWW-Authenticate otherwise) whose scopes cover the method (403
//     insufficientPermissions otherwise); a subject who is not an admin gets
//     403 "Not Authorized to access this resource/api".
//   - Error bodies in Google's JSON form: {"error":{"code","message",
//     "errors":[{"message","domain","reason"}],"status"}}; a 502 answers
//     with an HTML page, as Google's front end does.
//
// The token endpoint, the bearer check and the error bodies are
// connectors/googleauth/fakeauth's, shared with the Classroom fake.
//
// Not reproduced: delegated admins see the whole directory (Google narrows
// their users.list to their org units); showDeleted, orderBy, custom
// schemas, and write methods.
//
// Fidelity: FIDELITY.md lists every endpoint, parameter, field, header and
// status the fake serves with its Google source; Options.Fidelity (or
// RecordFidelity) serves through connectors/fidelity recorders and
// CheckFidelity fails a test for anything outside it. Its tests hold the
// table to the discovery document in google.golang.org/api and run
// Google's Python client (testdata/pyclient.py) against the fake.
//
// Cost: users.list answers from an index by org unit path and first email
// byte (index.go), so a page costs about its own size, not the
// directory's: a client splitting a unit into one listing per email
// character (Google answers those from its own indexes) does not make the
// fake scan a million users per listing. Its answers are the scan's,
// page for page (index_test.go holds them equal under churn).
//
// Fault switches (Server.RateLimit, ServerErrors, SlowPages, FailOnPage,
// Truncate, ExpireTokens, Empty) and mutations (Move, Add, Suspend, Remove,
// Churn) are safe for concurrent use with requests in flight.
package fake
