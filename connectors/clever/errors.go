package clever

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
)

// Errors callers branch on.
var (
	// ErrUnknownUnit: Clever has no such school, section or teacher, or
	// does not share it with the app (Clever answers 404 for both).
	ErrUnknownUnit = errors.New("no such school, section or teacher shared with the app in Clever")
	// ErrBadUnit: a unit that is not district, school:<id>, section:<id>
	// or teacher:<id>.
	ErrBadUnit = errors.New(`unit must be district, school:<id>, section:<id> or teacher:<id>`)
	// ErrWrongToken: Clever answered an HTML page, as it does to a token
	// of the wrong kind (an Instant Login token on the Data API).
	ErrWrongToken = errors.New("an HTML page instead of JSON, as Clever answers a token of the wrong kind: use the district-app bearer token")
)

// APIError is a Clever call that failed for good: after the retries, or at
// once for an answer not worth retrying. Its text names the connector, the
// call and Clever's message; never the token.
type APIError struct {
	Connector string
	Call      string // e.g. "users with role student, page 3"
	Code      int    // HTTP status; 0 when there was no answer
	Message   string // Clever's message
	Err       error  // the transport error, if any
}

func (e *APIError) Error() string {
	status := strconv.Itoa(e.Code)
	if e.Code == 0 {
		status = "no answer"
	}
	s := fmt.Sprintf("%s %q: %s: Clever answered (%s)", Type, e.Connector, e.Call, status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	switch e.Code {
	case http.StatusUnauthorized:
		s += " (check settings.token: the district-app bearer token)"
	case http.StatusRequestEntityTooLarge:
		s += " (settings.page_size is above Clever's limit)"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the transport error, connectors.ErrRateLimited for
// throttling that outlasted the retries, ErrUnknownUnit for a 404 and
// ErrWrongToken for an HTML page.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	switch {
	case e.Code == http.StatusTooManyRequests:
		out = append(out, connectors.ErrRateLimited)
	case e.Code == http.StatusNotFound:
		out = append(out, ErrUnknownUnit)
	case e.Message == htmlMessage:
		out = append(out, ErrWrongToken)
	}
	return out
}

const htmlMessage = "an HTML page instead of JSON"

// cleverMessage extracts Clever's words from an error body: {"message"},
// {"error"}, plain text, or a note that it was HTML.
func cleverMessage(code int, body []byte, contentType string) string {
	if strings.HasPrefix(contentType, "text/html") || strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
		return htmlMessage
	}
	if m := errbody.Message(body, contentType, "message", "error"); m != "" {
		return m
	}
	return http.StatusText(code)
}
