// Package oneroster owns the OneRoster connectors: `oneroster` reads a
// 1EdTech OneRoster 1.1 or 1.2 REST service, and `oneroster-csv` reads a
// OneRoster CSV bundle (a .zip file or a folder, such as an SFTP drop
// folder) from a local path. Both turn class enrollments into people with
// Rollcall roles. Its fake (connectors/oneroster/fake) serves both REST
// versions and writes equivalent bundles for tests and the demo.
//
// Decisions worth knowing:
//
//   - A selection unit is "org:<sourcedId>" (a school: everyone enrolled in
//     any of its classes) or "class:<sourcedId>" (one class). People come
//     from enrollments, not from users' org lists, because the license
//     follows courses. A person enrolled several times is emitted once per
//     Fetch (REST org units and bundles), with the strongest role.
//   - Roles: the enrollment's role names are mapped by a built-in table
//     (student → student; teacher, aide → teacher; administrator, proctor
//     and the 1.2 staff roles → other) that Selection.Roles overrides key
//     by key. guardian, parent and relative are left out unless
//     Selection.Roles names them; extension roles ("ext:…") take
//     Selection.DefaultRole when it is set and are left out otherwise.
//   - Users' roles at orgs: a 1.2 bundle says them in roles.csv (one row
//     per user, org and role; roleType primary or secondary), a 1.1
//     bundle in users.csv's role and orgSourcedIds (one role per user).
//     The bundle connector reads roles.csv when the manifest declares it
//     bulk and users.csv's role otherwise, and validates either like any
//     other file. They are used only with the bundle selection option
//     include_org_roles: "true", which makes an org:<id> unit also take
//     everyone holding a role at that org (a principal or counselor who
//     teaches no class), through the same role table; roles tobedeleted
//     or past their endDate bring nobody. The REST connector has no
//     selection options.
//   - Left out: records with status tobedeleted (users, enrollments,
//     classes, schools), users with enabledUser false, and enrollments
//     whose endDate has passed.
//   - Emails come from `email`; when it is empty, from `username` if that
//     is an email address (settings email_from_username, default true).
//     People without either are emitted without one: the planner skips
//     them with a reason.
//   - REST paging uses limit/offset and X-Total-Count, advances by the
//     records received (servers cap limit silently) and stops at an empty
//     page. Retries (429 with Retry-After, 5xx, network errors and bodies
//     cut short) live in an http.RoundTripper under the authentication,
//     so that every attempt of a 1.1 request is signed afresh (new nonce
//     and timestamp) and token requests of 1.2 are retried too. The
//     specifications set no rate limit, so requests are paced
//     (connectors/ratelimit) only when quota_per_minute is set.
//   - Errors carry the server's imsx_codeMajor, imsx_severity,
//     imsx_description and codeMinor, and name the connector and the call.
//   - A bundle is read and validated whole on every Fetch, before anything
//     is emitted: any problem rejects it, listing every problem found
//     (up to a bound) with file, line and column. A bundle that cannot be
//     opened at all (a zip still being uploaded) is retried after a wait;
//     a bundle that opens but is wrong is not.
package oneroster
