package oauth2token

import (
	"errors"

	"golang.org/x/oauth2"
)

// Refusal is what a token endpoint said when it refused a grant.
type Refusal struct {
	Code        int    // HTTP status; 0 when unknown
	ErrorCode   string // RFC 6749 error, e.g. invalid_client, invalid_grant
	Description string // error_description, or the body when it has none
}

// Refused extracts the token endpoint's refusal from err, if it is one.
func Refused(err error) (Refusal, bool) {
	var rerr *oauth2.RetrieveError
	if !errors.As(err, &rerr) {
		return Refusal{}, false
	}
	r := Refusal{ErrorCode: rerr.ErrorCode, Description: rerr.ErrorDescription}
	if rerr.Response != nil {
		r.Code = rerr.Response.StatusCode
	}
	if r.Description == "" && r.ErrorCode == "" {
		r.Description = string(rerr.Body)
	}
	return r, true
}
