package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Clever's words in the fake's error bodies.
const (
	MsgInvalidToken = "invalid token"
	MsgRateLimited  = "rate limit exceeded"
	MsgNotFound     = "Resource not found"
	MsgLimitTooBig  = "limit must be at most 10000"
)

// apiError is an error answer: {"message": ...} with a status.
type apiError struct {
	code    int
	message string
}

func (e *apiError) write(w http.ResponseWriter) { writeMessage(w, e.code, e.message) }

func writeMessage(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

func errNotFound() *apiError { return &apiError{http.StatusNotFound, MsgNotFound} }

func errBadRequest(msg string) *apiError { return &apiError{http.StatusBadRequest, msg} }

func itoa(n int) string { return strconv.Itoa(n) }
