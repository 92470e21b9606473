package googleauth

import (
	"fmt"
	"net/mail"
	"net/url"
)

// CheckDelegation names every bad delegation setting of a Google
// connector (credentials_file, use_application_default, subject), without
// touching the disk or the network.
func CheckDelegation(credentialsFile string, useApplicationDefault bool, subject string) []error {
	var errs []error
	switch {
	case useApplicationDefault && credentialsFile != "":
		errs = append(errs, fmt.Errorf("settings.credentials_file: set together with use_application_default: choose one"))
	case !useApplicationDefault && credentialsFile == "":
		errs = append(errs, fmt.Errorf("settings.credentials_file: is required (or set use_application_default: true)"))
	}
	if subject == "" {
		errs = append(errs, fmt.Errorf("settings.subject: is required: the Google admin the service account impersonates"))
	} else if a, err := mail.ParseAddress(subject); err != nil || a.Address != subject {
		errs = append(errs, fmt.Errorf("settings.subject: %q is not an email address", subject))
	}
	return errs
}

// CheckURL names an endpoint or token_url setting that is set but not an
// http(s) URL.
func CheckURL(field, v string) error {
	if v == "" {
		return nil
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("settings.%s: %q is not an http(s) URL", field, v)
	}
	return nil
}
