package license

import (
	"net/url"
	"slices"
	"strings"
)

// MaxFeatures bounds the named features of one license: a feature list is
// a short menu for admins, and a request naming thousands is a mistake or
// an attack on the store.
const MaxFeatures = 200

// LMSVendors are the vendor names a license's LMS may carry: the LMSes and
// rostering sources Rollcall reads (a link made with "lms link" names the
// connector's type).
var LMSVendors = []string{
	"blackboard", "blackboard-learn", "brightspace", "canvas", "classroom", "clever", "d2l",
	"d2l-brightspace", "google-classroom", "lti", "lti-advantage", "lti-nrps", "moodle",
	"oneroster", "oneroster-csv", "schoology", "static",
}

// validate checks the LMS fields an admin may type: a known vendor and an
// http(s) address. An empty LMS is valid (none linked).
func (m *LMS) validate() error {
	m.Vendor = strings.ToLower(strings.TrimSpace(m.Vendor))
	m.BaseURL = strings.TrimSpace(m.BaseURL)
	if m.Vendor != "" && !slices.Contains(LMSVendors, m.Vendor) {
		return invalid("lms.vendor", m.Vendor, "is not an LMS Rollcall knows: use one of %s", strings.Join(LMSVendors, ", "))
	}
	if m.BaseURL == "" {
		return nil
	}
	if len(m.BaseURL) > 2048 {
		return invalid("lms.base_url", m.BaseURL[:40]+"…", "is longer than 2048 characters")
	}
	u, err := url.Parse(m.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return invalid("lms.base_url", m.BaseURL, "must be an http or https address such as https://district.instructure.com")
	}
	return nil
}
