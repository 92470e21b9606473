// Package fake serves a fake of D2L Brightspace's Valence REST API (the
// routes a roster sync uses) and of the D2L OAuth 2 token endpoint over
// httptest, for the brightspace connector's tests, benchmarks and the demo.
// It owns the fake's tenant model (org units, roles, users, enrollments)
// and its fault switches. FIDELITY.md lists every endpoint, parameter,
// field, header and status it serves, each with its D2L source.
//
// Reproduced, by ../shared/VENDOR-FACTS.md ("D2L Brightspace") and the
// sources in FIDELITY.md:
//
//   - POST /core/connect/token with grant_type=refresh_token: the client's
//     id and secret in the form or in HTTP Basic; refresh tokens are single
//     use (each grant returns the next and kills the one it spent); access
//     tokens last an hour and are refused with 401 once expired or revoked.
//     An unknown or spent refresh token is 400 invalid_grant, a wrong client
//     401 invalid_client.
//   - GET /d2l/api/versions/ and GET /d2l/api/lp/{version}/users/whoami.
//     Routes of an lp version the tenant does not serve answer 404.
//   - GET /d2l/api/lp/{version}/enrollments/orgUnits/{orgUnitId}/users/
//     with roleId, isActive and bookmark: a paged result set
//     {"PagingInfo":{"Bookmark","HasMoreItems"},"Items":[{"User":{...},
//     "Role":{"Id","Code","Name"}}]}; the page size is the server's
//     (Options.PageSize, 100 by default), never the client's; bookmarks are
//     opaque. EmailAddress and OrgDefinedId are null when the user has
//     none. Without isActive=true inactive users are listed too (nothing
//     in the item says so). Users in roles the caller may not search for
//     are left out silently (HideRoles), as is everybody when the caller
//     may not view enrollments at all (HideAll): 200 and fewer items, no
//     error.
//   - GET /d2l/api/lp/{version}/orgstructure/{orgUnitId} and
//     .../descendants/paged/ with ouTypeId and bookmark.
//   - Role ids and names are the tenant's own (District.Roles); nothing in
//     the fake assumes an id.
//   - Rate limits: every API answer carries X-Rate-Limit-Remaining (a
//     bucket of 50,000 credits a minute), X-Rate-Limit-Reset (seconds to the
//     refill) and X-Request-Cost (10); a throttled request gets 429 with
//     only Retry-After.
//
// Not reproduced: the authorization-code step of OAuth 2 (a refresh token
// is issued by IssueRefreshToken), scopes, the le classlist routes, user
// lookups, course offering details (IsActive, dates), semesters, the
// ID-key (app/user signature) scheme, and error bodies beyond the status
// (Valence sends little there; the fake sends none for 401/403/404).
package fake
