package canvas

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
)

// ErrUnknownUnit marks a selection naming a course, account or term
// Canvas does not have (or will not show this token).
var ErrUnknownUnit = errors.New("no such course, account or term in Canvas")

// ErrEmailPermission marks a token whose user may not see other users'
// email addresses: Canvas leaves the email key out of every user it
// lists. A sync cannot tell members without emails, so it fails and
// removes nobody. It wraps connectors.ErrNoEmails.
var ErrEmailPermission = connectors.HiddenEmails(`the token's user may not see email addresses in Canvas (Canvas sent no email key): give them a role with the permission "Users - view primary email address" (read_email_addresses) on the account or course synced`)

// ErrBadUnit marks a selection unit that is not course:<id>,
// account:<id> or term:<id>.
var ErrBadUnit = errors.New("unit must be course:<id>, account:<id> or term:<id>")

// APIError is a Canvas call that failed for good: after the retries, or at
// once for an answer not worth retrying. Its text names the connector, the
// call and Canvas's own message; never the token.
type APIError struct {
	Connector   string // instance name
	Call        string // e.g. "users of course 5001, page 3"
	Code        int    // HTTP status; 0 when there was no answer
	Reason      string // the OAuth2 error code for a refused token
	Message     string // Canvas's message
	Token       bool   // the token endpoint refused the developer key
	RateLimited bool   // Canvas was still throttling when the retries ran out
	Err         error  // the transport error, if any
}

func (e *APIError) Error() string {
	what := "Canvas answered"
	if e.Token {
		what = "Canvas's token endpoint refused the developer key"
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
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the transport error and, for throttling that outlasted
// the retries, connectors.ErrRateLimited.
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

// canvasMessage extracts Canvas's words from an error body: the JSON
// {"errors":[{"message":...}]} form, its older {"errors":{"field":[...]}}
// and {"message":...} forms, OAuth2's error_description, or plain text.
func canvasMessage(body []byte, contentType string) string {
	var j struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &j) == nil {
		var list []struct {
			Message string `json:"message"`
		}
		var msgs []string
		if json.Unmarshal(j.Errors, &list) == nil {
			for _, m := range list {
				if m.Message != "" {
					msgs = append(msgs, m.Message)
				}
			}
		} else {
			var byField map[string][]struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(j.Errors, &byField) == nil {
				for f, ms := range byField {
					for _, m := range ms {
						msgs = append(msgs, f+": "+m.Message)
					}
				}
			}
		}
		if len(msgs) > 0 {
			return errbody.Clip(strings.Join(msgs, "; "))
		}
	}
	return errbody.Message(body, contentType, "message", "error_description", "error")
}
