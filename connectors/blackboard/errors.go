package blackboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
)

// ErrUnknownUnit marks a selection naming a course, term or data source
// Learn does not have (or will not show this application).
var ErrUnknownUnit = errors.New("no such course, term or data source in Blackboard Learn")

// ErrBadUnit marks a selection unit that is not course:<id>, term:<id> or
// datasource:<id>.
var ErrBadUnit = errors.New("unit must be course:<id>, term:<id> or datasource:<id>")

// ErrEmailsHidden marks a read that found people but not one email: the
// user the REST application acts as cannot see users' contact details, and
// a sync on it would remove everyone. It wraps connectors.ErrNoEmails.
var ErrEmailsHidden = connectors.HiddenEmails("no user in Blackboard Learn shows a contact.email: the REST application's user needs an entitlement such as system.user.VIEW to see emails")

// APIError is a Learn call that failed for good: after the retries, or at
// once for an answer not worth retrying. Its text names the connector, the
// call and Learn's own message; never a token or the secret.
type APIError struct {
	Connector   string
	Call        string        // e.g. "memberships of course _12_1, page 3"
	Code        int           // HTTP status; 0 when there was no answer
	Reason      string        // the OAuth 2 error code of a refused grant
	Message     string        // Learn's message
	Token       bool          // the token endpoint refused the application
	RateLimited bool          // Learn was still answering 429 when the retries ran out
	ResetIn     time.Duration // when rate limited: until the quota's window resets
	Err         error
}

func (e *APIError) Error() string {
	what := "Blackboard Learn answered"
	if e.Token {
		what = "Blackboard Learn's token endpoint refused the application key and secret"
	}
	status := strconv.Itoa(e.Code)
	if e.Code == 0 {
		status = "no answer"
	}
	if e.Reason != "" {
		status += " " + e.Reason
	}
	s := fmt.Sprintf("%s %q: %s: %s (%s)", Type, e.Connector, e.Call, what, status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RateLimited && e.ResetIn > 0 {
		s += fmt.Sprintf(" (the application's REST quota resets in %s)", e.ResetIn.Round(time.Second))
	}
	if e.Code == http.StatusForbidden {
		s += " (the user the REST application runs as lacks an entitlement such as system.courseuserlist.VIEW)"
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

// learnMessage extracts Learn's words from an error body: its
// {"status","code","message","developerMessage"} form, OAuth 2's
// error_description, or plain text.
func learnMessage(body []byte, contentType string) string {
	var j struct {
		Message string `json:"message"`
		DevMsg  string `json:"developerMessage"`
	}
	if json.Unmarshal(body, &j) == nil && j.Message != "" && j.DevMsg != "" {
		return errbody.Clip(j.Message + " (" + j.DevMsg + ")")
	}
	return errbody.Message(body, contentType, "message", "error_description", "error")
}
