// Package fake serves a fake Moodle web-service REST server
// (/webservice/rest/server.php) on loopback for tests, benchmarks and
// `rollcall demo --lms moodle`, built from Moodle's own sources
// (webservice/rest/server.php and locallib.php, enrol/externallib.php,
// course/externallib.php, webservice/externallib.php); FIDELITY.md beside
// it lists every function, parameter, field and status with its source.
//
// The traps it keeps: every answer, errors included, is HTTP 200, an error
// being a JSON object {"exception","errorcode","message"} (invalidtoken,
// accessexception for a function outside the token's service,
// invalidparameter, invalidrecord for a course that does not exist);
// without moodlewsrestformat=json the answer is XML; suspended and
// time-ended enrolments are listed unless onlyactive=1; email is absent
// (not null) for users whose address the token may not see; roles may be
// empty, several, or custom (a "parent" role); the same person is enrolled
// in several courses; the site course (id 1) is listed by
// core_course_get_courses; hidden courses are listed with visible=0;
// paging is limitfrom/limitnumber only, no total; there is no rate limit
// (a proxy's 429 is a fault switch).
package fake
