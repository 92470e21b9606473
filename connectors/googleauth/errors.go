package googleauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/rollcall-sync/rollcall/connectors"
)

// APIError is a call to Google that failed for good: after the retries, or
// at once for an answer not worth retrying. Its text names the connector,
// the call and Google's own message.
type APIError struct {
	Type      string // connector type, e.g. "google-classroom"
	Connector string // instance name
	Call      string // e.g. "courses.list page 3"
	Code      int    // HTTP status; 0 when there was no answer
	Reason    string // Google's errors[0].reason, or the OAuth error code
	Status    string // Google's canonical status, e.g. RESOURCE_EXHAUSTED, when known
	Message   string // Google's message
	Token     bool   // the token endpoint refused, not the API
	Err       error
}

func (e *APIError) Error() string {
	what := "Google answered"
	if e.Token {
		what = "Google's token endpoint refused the service account"
	}
	status := strconv.Itoa(e.Code)
	if e.Reason != "" {
		status += " " + e.Reason
	}
	s := fmt.Sprintf("%s %q: %s: %s (%s)", e.Type, e.Connector, e.Call, what, status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap exposes the client's error and, for a rate limit that outlasted
// the retries, connectors.ErrRateLimited.
func (e *APIError) Unwrap() []error {
	if e.RateLimited() {
		return []error{e.Err, connectors.ErrRateLimited}
	}
	return []error{e.Err}
}

// RateLimited reports whether Google was still saying "slow down".
func (e *APIError) RateLimited() bool {
	if e.Token {
		return false
	}
	return RateLimitReason(e.Reason) || e.Status == "RESOURCE_EXHAUSTED" || e.Code == http.StatusTooManyRequests
}

// NotFound reports whether Google answered 404.
func (e *APIError) NotFound() bool { return !e.Token && e.Code == http.StatusNotFound }

// Wrap turns an error from a generated client into one that names the
// connector (type typ, instance name) and the call: an *APIError for
// Google's answers and the token endpoint's refusals, else the error
// wrapped with %w. Context errors keep their identity.
func Wrap(typ, name, call string, err error) error {
	if err == nil {
		return nil
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		e := &APIError{Type: typ, Connector: name, Call: call, Code: gerr.Code, Message: gerr.Message, Err: err}
		if len(gerr.Errors) > 0 {
			e.Reason = gerr.Errors[0].Reason
			if e.Message == "" {
				e.Message = gerr.Errors[0].Message
			}
		}
		e.Status = statusOf(gerr.Body)
		if e.Message == "" {
			e.Message = http.StatusText(gerr.Code) + " (no JSON error body)"
		}
		return e
	}
	var rerr *oauth2.RetrieveError
	if errors.As(err, &rerr) {
		e := &APIError{Type: typ, Connector: name, Call: call + ": fetching an access token", Token: true, Err: err}
		if rerr.Response != nil {
			e.Code = rerr.Response.StatusCode
		}
		e.Reason, e.Message = tokenRefusal(rerr.Body)
		if e.Reason == "" {
			e.Reason = rerr.ErrorCode
		}
		return e
	}
	return fmt.Errorf("%s %q: %s: %w", typ, name, call, err)
}

// statusOf reads error.status from a Google error body.
func statusOf(body string) string {
	var v struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	if body == "" || json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	return v.Error.Status
}
