package oneroster

import (
	"strings"
	"time"
)

// Bundle file names.
const (
	fileManifest    = "manifest.csv"
	fileUsers       = "users.csv"
	fileOrgs        = "orgs.csv"
	fileClasses     = "classes.csv"
	fileEnrollments = "enrollments.csv"
	fileRoles       = "roles.csv" // 1.2: users' roles per org
)

// roleTypes are roles.csv's roleType values (1.2 CSV binding).
var roleTypes = []string{"primary", "secondary"}

// columns of one data file: those that must be in the header, and every
// other column the 1.1 and 1.2 CSV bindings define for it. Columns
// beginning with ext_ or metadata. are extensions and always allowed.
type columns struct {
	required []string
	optional []string
}

var fileColumns = map[string]columns{
	fileUsers: {
		required: []string{"sourcedId", "enabledUser", "username", "givenName", "familyName"},
		optional: []string{"status", "dateLastModified", "email", "orgSourcedIds", "role", "userIds",
			"middleName", "identifier", "sms", "phone", "agentSourcedIds", "grades", "password",
			"userMasterIdentifier", "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
			"preferredFamilyName", "primaryOrgSourcedId", "pronouns"},
	},
	fileEnrollments: {
		required: []string{"sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"},
		optional: []string{"status", "dateLastModified", "primary", "beginDate", "endDate"},
	},
	fileOrgs: {
		required: []string{"sourcedId", "name", "type"},
		optional: []string{"status", "dateLastModified", "identifier", "parentSourcedId"},
	},
	fileRoles: {
		required: []string{"sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"},
		optional: []string{"status", "dateLastModified", "beginDate", "endDate", "userProfileSourcedId"},
	},
	fileClasses: {
		required: []string{"sourcedId", "title", "schoolSourcedId"},
		optional: []string{"status", "dateLastModified", "courseSourcedId", "classCode", "classType",
			"location", "grades", "subjects", "termSourcedIds", "subjectCodes", "periods", "resources"},
	},
}

func extensionColumn(name string) bool {
	return strings.HasPrefix(name, "ext_") || strings.HasPrefix(name, "metadata.")
}

// parseDateTime accepts the date-times the CSV bindings allow for
// dateLastModified: ISO 8601 in its RFC 3339 profile, with a time zone
// (Z or an offset) and optional fractional seconds, e.g.
// 2012-04-23T18:25:43.511Z. Dates alone, spaces for the T and local
// times without a zone are rejected.
func parseDateTime(v string) (time.Time, bool) {
	if len(v) < len("2006-01-02T15:04:05Z") || v[10] != 'T' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	return t, err == nil
}

// parseDate accepts the CSV bindings' Date: YYYY-MM-DD.
func parseDate(v string) bool {
	if len(v) != len(time.DateOnly) {
		return false
	}
	_, err := time.Parse(time.DateOnly, v)
	return err == nil
}
