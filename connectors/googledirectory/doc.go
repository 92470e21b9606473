// Package googledirectory owns the google-directory connector: it reads the
// people of Google Workspace organizational units through the Admin SDK
// Directory API (google.golang.org/api/admin/directory/v1, the real Go
// client) with a service account's domain-wide delegation, and it answers
// the questions a deployment asks before it is saved: do these org units
// exist, and may this admin read their users.
//
// Decisions worth knowing:
//
//   - Sub-OUs are included. Google's orgUnitPath='/X' query matches /X and
//     every unit below it, and that is what a district means by "deploy to
//     /Students". Selection option include_sub_org_units=false keeps only
//     people whose orgUnitPath is exactly one of the selected units.
//     Selected units nested in one another are read once, through the
//     outermost one, so nobody is emitted twice.
//   - Roles: Selection.Roles is keyed by org unit path; a person takes the
//     role of the longest key that is their unit or an ancestor of it, else
//     Selection.DefaultRole.
//   - Suspended and archived users are left out (asked of Google in the
//     query and checked again on each user) unless include_suspended or
//     include_archived is set.
//   - Emails are emitted as Google gives them; the planner normalizes them.
//   - Delegation, retries (429, 5xx, 403 rate-limit reasons, bodies cut
//     short, honoring Retry-After), the 401 refresh and Google's error
//     bodies live in connectors/googleauth, shared with google-classroom.
//   - Only read-only scopes are ever asked for.
//   - Reads run concurrently within the quota: every selected unit is its
//     own listing, and a unit whose first pages spend their time waiting
//     on the server (Google's ~200 ms a page) is split into one listing
//     per first character of the
//     primary email (split.go says why not by org unit, and what that
//     assumes). At most `concurrency` requests are in flight, every
//     request waits on a token bucket sized to quota_per_minute ×
//     quota_percent (connectors/ratelimit), retries included, and the
//     first listing to fail cancels the others and fails the read.
//   - users.list asks only for the fields the planner uses (fields=).
package googledirectory
