package schoology

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
)

// ErrUnknownUnit marks a selection naming a school, building, course or
// section Schoology does not have (or will not show this key).
var ErrUnknownUnit = errors.New("no such school, building, course or section in Schoology")

// ErrBadUnit marks a unit that is not school:, building:, course: or
// section: with a numeric id.
var ErrBadUnit = errors.New("unit must be school:<id>, building:<id>, course:<id> or section:<id>")

// ErrNoEmails marks a roster in which Schoology showed nobody's
// primary_email: the key's user may not see them, and syncing would skip
// everyone. It wraps connectors.ErrNoEmails.
var ErrNoEmails = connectors.HiddenEmails("Schoology sent no primary_email: the API key's user must be allowed to view users' email addresses")

// APIError is a Schoology call that failed for good. Its text names the
// connector, the call and Schoology's words; never the key or secret.
type APIError struct {
	Connector string
	Call      string // e.g. "enrollments of section 4318461, page 3"
	Code      int    // HTTP status; 0 when there was no answer
	Message   string
	Err       error
}

func (e *APIError) Error() string {
	status := strconv.Itoa(e.Code)
	if e.Code == 0 {
		status = "no answer"
	}
	s := fmt.Sprintf("%s %q: %s: Schoology answered (%s)", Type, e.Connector, e.Call, status)
	if e.Code == http.StatusUnauthorized {
		s += " refusing the consumer key and secret"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the transport error, connectors.ErrRateLimited for a 429
// that outlasted the retries, and ErrUnknownUnit for a 404.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Code == http.StatusTooManyRequests {
		out = append(out, connectors.ErrRateLimited)
	}
	if e.Code == http.StatusNotFound {
		out = append(out, ErrUnknownUnit)
	}
	return out
}

// message is Schoology's words from an error body: its plain text, or an
// HTML page named as such; bounded.
func message(body []byte, contentType string) string {
	if strings.HasPrefix(contentType, "text/html") {
		return "an HTML error page"
	}
	return errbody.Clip(strings.TrimSpace(string(body)))
}
