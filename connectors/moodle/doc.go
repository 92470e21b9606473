// Package moodle owns the Moodle connector (type "moodle"): it reads course
// participants through Moodle's REST web services with a web-service token
// (wstoken, wsfunction, moodlewsrestformat=json, sent as a POST form so the
// token stays out of URLs and logs), and treats every HTTP 200 answer that
// is an {"exception","errorcode","message"} object as the error it is,
// never as an empty roster. Retries of 429 and 5xx (from a proxy or
// maintenance mode; Moodle itself does not throttle) go through
// connectors/httpretry; calls are paced (connectors/ratelimit) only when
// a quota_per_minute cap is set.
//
// Selection units: "category:<id>" (its courses and, unless option
// include_subcategories=false, those of every subcategory) and
// "course:<id>". Hidden courses (visible=0) are left out unless option
// include_hidden=true. Roles map by role shortname: student → student,
// editingteacher and teacher → teacher; every other role (manager,
// coursecreator, guest, a custom "parent" or "observer") is left out unless
// Selection.Roles maps its shortname. Someone with several roles in a
// course takes the strongest mapped one. Only active enrolments are read
// (onlyactive=1, which needs moodle/course:enrolreview).
//
// Users whose email the token may not see come without one and are
// counted as skipped by the planner; when nobody's email is visible the
// sync fails with ErrNoEmails instead of planning to skip everyone. The token's user needs
// moodle/site:viewuseridentity (or the site's identity fields) to see
// emails, moodle/course:viewparticipants, moodle/course:enrolreview and
// moodle/category:viewcourselist.
//
// The fake Moodle it is tested against is in moodle/fake.
package moodle
