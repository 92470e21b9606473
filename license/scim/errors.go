package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Error is a SCIM error response (RFC 7644 §3.12): an HTTP status, a
// scimType for 400s and 409s where the RFC names one, and a detail that
// says what and where.
type Error struct {
	Status int
	Type   string // invalidFilter, tooMany, uniqueness, mutability, invalidSyntax, invalidPath, noTarget, invalidValue, invalidVers, sensitive
	Detail string
}

func (e *Error) Error() string {
	if e.Type != "" {
		return e.Type + ": " + e.Detail
	}
	return e.Detail
}

func writeError(w http.ResponseWriter, e *Error) {
	body := map[string]any{"schemas": []string{SchemaError}, "status": strconv.Itoa(e.Status), "detail": e.Detail}
	if e.Type != "" {
		body["scimType"] = e.Type
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body)
}

func notFound(what string) *Error { return &Error{Status: 404, Detail: what + " not found"} }
