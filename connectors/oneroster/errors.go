package oneroster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors"
)

// ErrUnknownUnit marks a selection naming a school or class the source
// does not have (or has marked tobedeleted).
var ErrUnknownUnit = errors.New("unknown school or class")

// APIError is a request that failed for good: after the retries, or at
// once for an answer not worth retrying. Its text names the connector, the
// call and the server's own words.
type APIError struct {
	Connector string // instance name
	Call      string // e.g. "GET /schools/s1/enrollments offset 200"
	Code      int    // HTTP status
	// From the imsx_StatusInfo body (1EdTech's error payload).
	CodeMajor   string // failure, processing, unsupported
	Severity    string // error, warning, status
	Description string
	CodeMinor   string // e.g. unauthorisedrequest, server_busy, unknownobject
	// Token: the 1.2 token endpoint refused, not the API.
	Token bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q: %s: ", Type, e.Connector, e.Call)
	if e.Token {
		b.WriteString("the token endpoint refused the client credentials: ")
	}
	b.WriteString(strconv.Itoa(e.Code))
	if t := http.StatusText(e.Code); t != "" {
		b.WriteString(" " + t)
	}
	minorName := "imsx_codeMinor"
	if e.CodeMajor == "" && e.Token {
		minorName = "error" // RFC 6749's error code
	}
	var parts []string
	for _, p := range []struct{ k, v string }{
		{"imsx_codeMajor", e.CodeMajor}, {"imsx_severity", e.Severity}, {minorName, e.CodeMinor},
	} {
		if p.v != "" {
			parts = append(parts, p.k+"="+p.v)
		}
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

// Unwrap exposes connectors.ErrRateLimited for a rate limit that outlasted
// the retries. (ValidateSelection wraps a 404 for a selected unit with
// ErrUnknownUnit itself.)
func (e *APIError) Unwrap() error {
	if e.RateLimited() {
		return connectors.ErrRateLimited
	}
	return nil
}

// RateLimited reports whether the server was still saying "slow down".
func (e *APIError) RateLimited() bool {
	return !e.Token && (e.Code == http.StatusTooManyRequests || e.CodeMinor == "server_busy")
}

// statusInfo is imsx_StatusInfo as 1.1 and 1.2 servers send it: at the top
// level, under imsx_StatusInfo, or as the first of statusInfoSet.
type statusInfo struct {
	CodeMajor   string `json:"imsx_codeMajor"`
	Severity    string `json:"imsx_severity"`
	Description string `json:"imsx_description"`
	CodeMinor   *struct {
		Fields []struct {
			Name  string `json:"imsx_codeMinorFieldName"`
			Value string `json:"imsx_codeMinorFieldValue"`
		} `json:"imsx_codeMinorField"`
	} `json:"imsx_CodeMinor"`
}

func (s *statusInfo) minor() string {
	if s.CodeMinor == nil {
		return ""
	}
	var vs []string
	for _, f := range s.CodeMinor.Fields {
		if f.Value != "" {
			vs = append(vs, f.Value)
		}
	}
	return strings.Join(vs, ",")
}

// apiError reads an error answer. Bodies that are not imsx JSON (an HTML
// page from a proxy) are quoted, cut short.
func apiError(name, call string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Connector: name, Call: call, Code: resp.StatusCode}
	var v struct {
		statusInfo
		Nested *statusInfo  `json:"imsx_StatusInfo"`
		Set    []statusInfo `json:"statusInfoSet"`
		// OAuth 2 (RFC 6749 §5.2) errors, from the token endpoint or an
		// API's bearer check.
		OAuthError string `json:"error"`
		OAuthDesc  string `json:"error_description"`
	}
	if json.Unmarshal(body, &v) == nil {
		si := &v.statusInfo
		switch {
		case si.CodeMajor == "" && v.Nested != nil:
			si = v.Nested
		case si.CodeMajor == "" && len(v.Set) > 0:
			si = &v.Set[0]
		}
		e.CodeMajor, e.Severity, e.Description, e.CodeMinor = si.CodeMajor, si.Severity, si.Description, si.minor()
		if e.CodeMajor == "" && v.OAuthError != "" {
			e.CodeMinor, e.Description = v.OAuthError, v.OAuthDesc
		}
		if e.CodeMajor != "" || e.Description != "" || e.CodeMinor != "" {
			return e
		}
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		e.Description = fmt.Sprintf("no imsx_StatusInfo in the answer (%s): %q", resp.Header.Get("Content-Type"), s)
	}
	return e
}
