// Package canvas owns the Canvas LMS connector (type "canvas"): it reads
// course enrollments through the Canvas REST API, for one course, the
// courses of an account and its sub-accounts, or the courses of a term, and
// maps enrollment types to Rollcall roles. It authenticates with an access
// token or an OAuth2 developer key's refresh token, follows Canvas's Link
// header pagination, backs off on Canvas's throttling signals, and turns
// Canvas's error bodies into errors that name the connector and the call.
//
// Selection units: "course:<id>", "account:<id>" ("account:self" is the
// root account; option include_sub_accounts=false keeps only the account's
// own courses), "term:<id>" (courses of that term in the root account).
// Selection.Roles is keyed by enrollment type or custom role name
// ("TaEnrollment": other); ObserverEnrollment is left out unless mapped
// there or by the include_observers setting. Options: enrollment_states
// (comma list, default "active"), course_states (default "available").
//
// The fake Canvas it is tested against is in canvas/fake.
package canvas
