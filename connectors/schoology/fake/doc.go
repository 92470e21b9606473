// Package fake serves a fake Schoology REST API v1 on loopback for tests,
// benchmarks and `rollcall demo --lms schoology`, built from Schoology's
// API documentation (see FIDELITY.md beside it for every path, parameter,
// field, header and status it serves and where each comes from).
//
// The traps it keeps: requests are signed with two-legged OAuth 1.0a
// (realm "Schoology API", an empty oauth_token, HMAC-SHA1 or PLAINTEXT) and
// a nonce may not be used twice nor a timestamp go backwards; enrollments
// carry no email (only the user record has primary_email); numbers arrive
// as strings in some fields and as numbers in others ("total" is a string,
// a user's "id" a number, an enrollment's "status" a string and "admin" a
// number); enrollment statuses 2-5 (expired, invite pending, request
// pending, archived) sit beside active ones; sections of past grading
// periods are left out unless include_past=1; deactivated users vanish
// from enrollments and from /v1/users, and /v1/users/{id} answers 404 for
// them; some users have no primary_email; the same person sits in several
// sections; custom school roles (a "Guest" role) are enrolled as members;
// lists page with start/limit (default 20, at most 200) and links.next;
// throttling is a bare 429.
package fake
