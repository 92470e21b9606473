// Package blackboard owns the Blackboard Learn connector (type
// "blackboard"): it reads course memberships through Learn's public REST
// API (GET /learn/api/public/v1/courses/{courseId}/users?expand=user) for
// courses a district admin names directly, by term or by data source, and
// maps course roles to Rollcall roles. It authenticates as a registered
// REST application (OAuth 2 client credentials, the application key and
// secret), follows Learn's paging.nextPage, paces its calls to the
// application's documented 10,000 a day (connectors/ratelimit; settings
// quota_per_day, quota_percent), honours its 429s and X-Rate-Limit
// headers through connectors/httpretry, and turns Learn's error bodies
// into errors that name the connector and the call.
//
// Selection units: "course:<id>" (a primary id such as _123_1, or
// courseId:X, externalId:X, uuid:X), "term:<id>" and "datasource:<id>"
// (primary id or externalId:X): every course of that term or data source,
// organizations left out. Only available memberships (availability Yes) of
// available users count; courses that are unavailable (No, Disabled, or
// Term while their term is not available; each term is read once) are
// skipped unless option include_unavailable_courses=true. Roles: Instructor,
// BbFacilitator and TeachingAssistant are teachers, Student is a student;
// Guest, Grader, CourseBuilder and custom course roles are left out unless
// the settings' or the deployment's roles map them (keyed by courseRoleId).
// A person's email is user.contact.email; people without one are reported
// without an email and skipped by the planner.
//
// The fake Learn it is tested against is in blackboard/fake.
package blackboard
