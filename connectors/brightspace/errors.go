package brightspace

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
)

// ErrUnknownUnit marks a selection naming an org unit Brightspace does
// not have (or will not show the service user).
var ErrUnknownUnit = errors.New("no such org unit in Brightspace")

// ErrBadUnit marks a selection unit that is not orgunit:<id>,
// offering:<id> or section:<id>.
var ErrBadUnit = errors.New("unit must be orgunit:<id>, offering:<id> or section:<id>")

// ErrEmailsHidden marks a read that found people but not one email: the
// service user lacks the permission to see email addresses, and a sync
// on it would remove everyone. It wraps connectors.ErrNoEmails.
var ErrEmailsHidden = connectors.HiddenEmails("Brightspace sent every EmailAddress null: the service user's role needs the permission to see email addresses")

// APIError is a Brightspace call that failed for good: after the
// retries, or at once for an answer not worth retrying. Its text names
// the connector and the call; never a token or the client secret.
type APIError struct {
	Connector   string
	Call        string // e.g. "enrollments of org unit 10001, page 3"
	Code        int    // HTTP status; 0 when there was no answer
	Reason      string // the OAuth 2 error code of a refused grant
	Message     string
	Token       bool // the token endpoint refused the grant
	RateLimited bool // still 429 when the retries ran out
	Err         error
}

func (e *APIError) Error() string {
	what := "Brightspace answered"
	if e.Token {
		what = "Brightspace's token endpoint refused the grant"
	}
	status := strconv.Itoa(e.Code)
	if e.Code == 0 {
		status = "no answer"
	} else if t := http.StatusText(e.Code); t != "" && e.Reason == "" {
		status += " " + t
	}
	if e.Reason != "" {
		status += " " + e.Reason
	}
	s := fmt.Sprintf("%s %q: %s: %s (%s)", Type, e.Connector, e.Call, what, status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Code == http.StatusForbidden {
		s += " (the service user's role lacks a permission this call needs)"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the transport error, connectors.ErrRateLimited and
// ErrUnknownUnit.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.RateLimited {
		out = append(out, connectors.ErrRateLimited)
	}
	if e.Code == http.StatusNotFound {
		out = append(out, ErrUnknownUnit)
	}
	return out
}

// message extracts what Brightspace or its auth service said, if anything.
func message(body []byte, contentType string) string {
	return errbody.Message(body, contentType, "Message", "error_description", "error")
}
