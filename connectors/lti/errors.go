package lti

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

// Errors callers branch on.
var (
	// ErrBadUnit: a unit that is not memberships:<url> or context:<id>.
	ErrBadUnit = errors.New("unit must be memberships:<context_memberships_url> or context:<id>")
	// ErrUnknownContext: no launch has come from that course yet, so its
	// roster URL is unknown.
	ErrUnknownContext = errors.New("no launch has come from this course yet, so its roster URL is unknown")
	// ErrTokenRefused: the platform's token endpoint refused the tool.
	ErrTokenRefused = errors.New("the platform refused the tool's client assertion")
)

// APIError is a platform call that failed for good. Its text names the
// connector, the call and the platform's words; never a token.
type APIError struct {
	Connector   string
	Call        string
	Code        int    // HTTP status; 0 when there was no answer
	OAuthError  string // RFC 6749 error code from the token endpoint
	Message     string
	Token       bool // the token endpoint answered
	RateLimited bool
	Err         error
}

func (e *APIError) Error() string {
	status := strconv.Itoa(e.Code)
	if e.Code == 0 {
		status = "no answer"
	}
	if e.OAuthError != "" {
		status += " " + e.OAuthError
	}
	what := "the platform answered"
	if e.Token {
		what = "the platform's token endpoint refused the tool"
	}
	s := fmt.Sprintf("%s %q: %s: %s (%s)", Type, e.Connector, e.Call, what, status)
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Token {
		s += " (check client_id, token_url, token_audience and that the platform has the tool's JWKS)"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes the transport error, ErrTokenRefused and
// connectors.ErrRateLimited.
func (e *APIError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Token && e.Code != 0 {
		out = append(out, ErrTokenRefused)
	}
	if e.RateLimited {
		out = append(out, connectors.ErrRateLimited)
	}
	return out
}

// platformMessage reads a platform's error body: OAuth 2's
// error/error_description, Canvas's {"errors":[{"message"}]}, a plain
// {"message"} or text.
func platformMessage(code int, body []byte, contentType string) (oauthErr, msg string) {
	var j struct {
		Error  json.RawMessage `json:"error"`
		Desc   string          `json:"error_description"`
		Msg    string          `json:"message"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &j) == nil {
		var code string
		_ = json.Unmarshal(j.Error, &code)
		switch {
		case j.Desc != "":
			return code, errbody.Clip(j.Desc)
		case len(j.Errors) > 0 && j.Errors[0].Message != "":
			return code, errbody.Clip(j.Errors[0].Message)
		case j.Msg != "":
			return code, errbody.Clip(j.Msg)
		case code != "":
			return code, ""
		}
	}
	if strings.HasPrefix(contentType, "text/plain") {
		if s := strings.TrimSpace(string(body)); s != "" {
			return "", errbody.Clip(s)
		}
	}
	return "", http.StatusText(code)
}
