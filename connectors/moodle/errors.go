package moodle

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rollcall-sync/rollcall/connectors"
	"github.com/rollcall-sync/rollcall/connectors/errbody"
)

// ErrUnknownUnit marks a selection naming a category or course Moodle
// does not have (or will not show this token).
var ErrUnknownUnit = errors.New("no such category or course in Moodle")

// ErrBadUnit marks a unit that is not category:<id> or course:<id>.
var ErrBadUnit = errors.New("unit must be category:<id> or course:<id>")

// ErrNoEmails marks a roster in which Moodle showed nobody's email: the
// token's user may not see them, and syncing would skip everyone. It
// wraps connectors.ErrNoEmails.
var ErrNoEmails = connectors.HiddenEmails("the token's user needs moodle/site:viewuseridentity (or email among the site's identity fields)")

// ErrInvalidToken marks a token Moodle does not know (errorcode invalidtoken).
var ErrInvalidToken = errors.New("web-service token refused by Moodle")

// Exception is Moodle's error answer, sent with HTTP 200:
// {"exception","errorcode","message","debuginfo"?}.
type Exception struct {
	Connector string `json:"-"`
	Call      string `json:"-"`
	Function  string `json:"-"`
	Exception string `json:"exception"`
	ErrorCode string `json:"errorcode"`
	Message   string `json:"message"`
	DebugInfo string `json:"debuginfo"`
}

func (e *Exception) Error() string {
	s := fmt.Sprintf("%s %q: %s: Moodle raised %s (%s) in %s: %s", Type, e.Connector, e.Call, e.Exception, e.ErrorCode, e.Function, errbody.Clip(e.Message))
	switch e.ErrorCode {
	case "accessexception":
		s += " (add the function to the token's external service)"
	case "invalidtoken":
		s += " (check settings.token)"
	}
	return s
}

// Unwrap exposes ErrInvalidToken and ErrUnknownUnit where they apply.
func (e *Exception) Unwrap() []error {
	switch e.ErrorCode {
	case "invalidtoken":
		return []error{ErrInvalidToken}
	case "invalidrecord":
		return []error{ErrUnknownUnit}
	}
	return nil
}

// HTTPError is a call that got no answer, or a non-200 one (a proxy's
// 429, a 5xx), after the retries.
type HTTPError struct {
	Connector string
	Call      string
	Code      int
	Message   string
	Err       error
}

func (e *HTTPError) Error() string {
	status := strconv.Itoa(e.Code)
	if e.Code == 0 {
		status = "no answer"
	}
	s := fmt.Sprintf("%s %q: %s: Moodle answered (%s)", Type, e.Connector, e.Call, status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the transport error and, for a 429 that outlasted the
// retries, connectors.ErrRateLimited.
func (e *HTTPError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Code == http.StatusTooManyRequests {
		out = append(out, connectors.ErrRateLimited)
	}
	return out
}
