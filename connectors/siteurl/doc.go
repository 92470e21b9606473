// Package siteurl owns the check every HTTP connector makes of the vendor
// addresses in its settings (base_url, token_url, jwks_url, …): an http
// or https URL with a host; for a site, no query either; for a site's
// root, no path as well, since the connector appends the API's paths to
// it. A wrong address then fails when the config is checked, with the
// setting's name, rather than as a 404 at the first sync. It also owns
// following a vendor's next-page link (Follow), which must stay on the
// base URL's origin.
//
// The wording of a settings error, and any path rule of a vendor's own
// (Moodle's address must not be its webservice path; OneRoster's must stop
// before /ims), stay with the connector.
package siteurl
