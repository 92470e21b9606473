// Package brightspace owns the D2L Brightspace connector (type
// "brightspace"): it reads enrollments through Brightspace's Valence REST
// API (GET /d2l/api/lp/{version}/enrollments/orgUnits/{orgUnitId}/users/)
// for course offerings, sections, or every course offering below an org
// unit, and maps the tenant's role ids to Rollcall roles by configuration:
// Brightspace numbers roles per tenant, so no role id is built in.
//
// It authenticates with OAuth 2: an admin consents once (the
// authorization-code flow, as a dedicated service user) and gives the
// refresh token; every grant spends that refresh token and returns the
// next, which connectors/oauth2token writes to the token file before the
// new access token is used. The lp version is the tenant's latest (from
// GET /d2l/api/versions/) unless set. Paging follows PagingInfo.Bookmark
// while HasMoreItems; 429s (which carry only Retry-After) and 5xx are
// retried through connectors/httpretry, calls are paced
// (connectors/ratelimit) to the credit bucket at the published cost, 5,000
// a minute, and when X-Rate-Limit-Remaining runs low the connector pauses
// until X-Rate-Limit-Reset.
//
// Selection units: "offering:<id>", "section:<id>" and "orgunit:<id>"
// (every course offering below it). Only active users are read
// (isActive=true). Users whose role no mapping names (parents, guests,
// custom roles) are left out. Brightspace hides what the service user may
// not see instead of refusing: users of roles it may not search for are
// silently absent, and emails it may not see are null; a sync that finds
// people but not one email fails instead of planning everyone away.
//
// The fake Brightspace it is tested against is in brightspace/fake.
package brightspace
