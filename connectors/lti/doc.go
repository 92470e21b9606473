// Package lti owns Rollcall as an LTI 1.3 tool (connector type "lti"):
// one connector per registered platform (an LMS: Canvas, Schoology,
// Moodle, Blackboard, Brightspace), its registration settings and the
// tool's own signing key; the Names and Role Provisioning Services 2.0
// client that reads a course's roster (OAuth 2 client credentials with a
// signed JWT client assertion, Link rel="next" paging, member status and
// LIS role mapping); the verification of launches (OIDC third-party login
// initiation, state and nonce used once, the id_token checked against the
// platform's JWKS with key rotation, issuer, audience, expiry, deployment
// id and message type, all through go-jose); the registry of courses
// launched so far; and the HTTP endpoints /lti/jwks, /lti/login and
// /lti/launch, which reach the sync engine only through the Launcher
// interface that cmd/rollcall wires.
//
// Selection units: "memberships:<context_memberships_url>" (an admin who
// knows a course's roster URL, e.g. Canvas's
// /api/lti/courses/:course_id/names_and_roles) and "context:<id>" (a course
// launched at least once, whose roster URL the launch recorded).
// Selection.Roles is keyed by LIS role short names (Learner, Instructor,
// TeachingAssistant, Mentor, ContentDeveloper, Administrator): by default
// Learner is student, Instructor and TeachingAssistant are teacher, and
// Mentor, ContentDeveloper and Administrator are not members. Members whose
// status is Inactive or Deleted are left out; members without an email
// (the platform's privacy settings) are reported without one, and the
// planner skips and counts them. NRPS sets no rate limit, so roster
// requests are paced (connectors/ratelimit) only when quota_per_minute is
// set to the platform's figure.
//
// The fake platform it is tested against is in lti/fake.
package lti
