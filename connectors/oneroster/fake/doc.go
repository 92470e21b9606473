// Package fake serves a fake 1EdTech OneRoster rostering service over
// httptest, both REST bindings at once (1.1 at /ims/oneroster/v1p1, 1.2 at
// /ims/oneroster/rostering/v1p2), and writes the equivalent OneRoster CSV
// bundle (WriteBundle), for the connector's tests and the demo. Districts
// are generated deterministically from connectortest's vendor-neutral
// Roster (FromRoster, Generate), of any size.
//
// Reproduced behaviour, by the OneRoster lines of
// ../shared/VENDOR-FACTS.md and the 1.1 / 1.2 REST and CSV bindings:
//
//   - Paths: users, users/{id}, orgs, orgs/{id}, schools, schools/{id},
//     classes, classes/{id}, schools/{id}/classes, classes/{id}/students,
//     classes/{id}/teachers (users with an active enrollment of that role),
//     enrollments, schools/{id}/enrollments and
//     schools/{id}/classes/{id}/enrollments; collections wrapped as
//     {"users": [...]}, single records as {"user": {...}}.
//   - Paging: limit (default 100, capped silently at Options.MaxLimit) and
//     offset; X-Total-Count; Link with rel next (while records remain),
//     last, first and prev; a stable order by sourcedId. A bad limit or
//     offset is 400 invalid_selection_field.
//   - filter: field op 'value' with = != > >= < <= ~, joined by AND or OR
//     (not both); date-times compare as strings, as the ISO form allows.
//     An unknown field is 400 invalid_filter_field.
//   - Records: status active or tobedeleted, dateLastModified in
//     YYYY-MM-DDTHH:MM:SS.sssZ; 1.1 users carry role and enabledUser as a
//     string ("true"), 1.2 users roles[] and enabledUser as a boolean;
//     enrollments carry user, class and school references, role, primary,
//     beginDate and endDate.
//   - Errors: the imsx_StatusInfo body (imsx_codeMajor failure,
//     imsx_severity error, imsx_description, imsx_CodeMinor with
//     unauthorisedrequest, forbidden, unknownobject, invalid_filter_field,
//     invalid_selection_field, invaliddata, server_busy,
//     internal_server_error) for 400/401/403/404/429/500/503; 429 with
//     Retry-After; 401 with WWW-Authenticate.
//   - 1.1 authentication: OAuth 1.0a (RFC 5849) HMAC-SHA256 signatures,
//     verified exactly: the Authorization header's parameters, the base
//     string over the method, the URL as received and every query and
//     oauth_* parameter (encoded per §3.6, sorted by name then value), the
//     key "<secret>&", a timestamp within five minutes, and nonces that
//     may not be used twice.
//   - 1.2 authentication: a token endpoint for the client credentials
//     grant with the client authenticated in HTTP Basic (id and secret
//     form-encoded first, RFC 6749 §2.3.1), scopes among roster-core,
//     roster and roster-demographics (readonly), bearer tokens with an
//     expiry, and 403 for a token whose scope does not cover rostering.
//   - CSV bundles: manifest.csv (manifest.version 1.0, oneroster.version,
//     file.* bulk/absent), orgs.csv, classes.csv, users.csv (1.1 or 1.2
//     columns), enrollments.csv and, in 1.2, roles.csv (each user's role
//     at each org: primary at the first, secondary at the others and for
//     User.OrgRoles, with endDate; 1.1 says one role per user in
//     users.csv's role and orgSourcedIds), as a folder or a zip; options
//     leave roles.csv out of a 1.2 bundle (NoRoles), reorder
//     columns, add ext_* and metadata.* columns, blank the status of
//     active records, add a BOM, or edit a file's bytes.
//
// Deliberate additions for tests: guardians enrolled in their child's
// class (some SIS exports do this), users whose email is only in
// username, and inactive people's enrollments ended by endDate instead of
// status.
//
// Not reproduced: sort/orderBy and fields (ignored), academic sessions,
// courses, demographics, gradebook services, write methods, and delta
// bundles.
//
// Fidelity: FIDELITY.md lists every REST endpoint, parameter, field,
// header and status with its 1EdTech source (Options.Fidelity,
// RecordFidelity and CheckFidelity hold the fake to it), and
// CSV-FIDELITY.md every file, column and manifest property WriteBundle
// writes.
//
// Fault switches (RateLimit, ServerErrors, FailOnPage, SlowPages,
// Truncate, BadCredentials, ExpireTokens, Empty) make *Server a
// connectortest.Faults; mutations (SetUserStatus, SetUserEnabled,
// SetUserEmail, AddUser, Enroll, Unenroll, Churn) change the district
// between syncs. All are safe with requests in flight.
package fake
