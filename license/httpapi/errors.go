package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/rollcall-sync/rollcall/license"
	"github.com/rollcall-sync/rollcall/license/auth"
	"github.com/rollcall-sync/rollcall/license/csvio"
	"github.com/rollcall-sync/rollcall/license/query"
)

// Stable error codes. Clients branch on these, never on messages.
const (
	CodeUnauthenticated  = "unauthenticated"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeExists           = "exists"
	CodeInvalid          = "invalid"
	CodeInvalidJSON      = "invalid_json"
	CodeInvalidQuery     = "invalid_query"
	CodeInvalidEmails    = "invalid_emails"
	CodeInvalidCSV       = "invalid_csv"
	CodeTooLarge         = "too_large"
	CodeSeatLimit        = "seat_limit"
	CodeExpired          = "license_expired"
	CodeNotConfigured    = "not_configured"
	CodeInternal         = "internal"
)

// apiError is the body of every error answer.
type apiError struct {
	Status   int    `json:"-"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Field    string `json:"field,omitempty"`
	Line     int    `json:"line,omitempty"`
	Position *int   `json:"position,omitempty"`
	// Details lists every bad item of a list or file: each email of an
	// add, each row of a CSV upload.
	Details any `json:"details,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// toAPIError maps an error from the store, the authorizer or a parser to
// its answer. Anything unrecognised is a 500 whose message hides the cause.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var qe *query.Error
	if errors.As(err, &qe) {
		pos := qe.Pos
		return &apiError{Status: 400, Code: CodeInvalidQuery, Message: qe.Msg, Field: "q", Position: &pos}
	}
	var ie *csvio.ImportError
	if errors.As(err, &ie) {
		return &apiError{Status: 400, Code: CodeInvalidCSV, Message: ie.Error(), Details: ie.Rows}
	}
	var fe *license.FieldError
	switch {
	case errors.Is(err, csvio.ErrTooLarge):
		return &apiError{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge, Message: err.Error()}
	case errors.As(err, &fe):
		return &apiError{Status: 400, Code: CodeInvalid, Message: fe.Error(), Field: fe.Field}
	case errors.Is(err, auth.ErrUnauthenticated):
		return &apiError{Status: 401, Code: CodeUnauthenticated, Message: err.Error()}
	case errors.Is(err, auth.ErrForbidden):
		return &apiError{Status: 403, Code: CodeForbidden, Message: err.Error()}
	case errors.Is(err, license.ErrNotFound):
		return &apiError{Status: 404, Code: CodeNotFound, Message: err.Error()}
	case errors.Is(err, license.ErrExists):
		return &apiError{Status: 409, Code: CodeExists, Message: err.Error()}
	case errors.Is(err, license.ErrSeatLimit):
		return &apiError{Status: 409, Code: CodeSeatLimit, Message: err.Error()}
	case errors.Is(err, license.ErrExpired):
		return &apiError{Status: 409, Code: CodeExpired, Message: err.Error()}
	case errors.Is(err, license.ErrInvalid):
		return &apiError{Status: 400, Code: CodeInvalid, Message: err.Error()}
	}
	return &apiError{Status: 500, Code: CodeInternal, Message: "internal error; the server log has the details"}
}

// writeError answers with err as JSON, logging server faults.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := toAPIError(err)
	if ae.Status == 401 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rollcall"`)
		if why := auth.AuthError(r.Context()); why != nil && ae.Message == auth.ErrUnauthenticated.Error() {
			ae.Message = why.Error()
		}
	}
	if ae.Status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(ae.Status)
	_ = json.NewEncoder(w).Encode(map[string]*apiError{"error": ae})
}
