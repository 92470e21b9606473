package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is an answer other than 200, in the form Canvas gives it.
type apiError struct {
	code      int
	status    string // Canvas's "status" member, when it sends one
	message   string
	plain     string // a plain-text body instead of JSON (throttling)
	html      bool   // an HTML page, as a load balancer answers 502/503
	throttled bool
	reportID  int64
}

func (e *apiError) write(w http.ResponseWriter) {
	h := w.Header()
	if e.code == http.StatusUnauthorized {
		h["WWW-Authenticate"] = []string{`Bearer realm="canvas-lms"`} // as Canvas spells it
	}
	if e.throttled {
		// RequestThrottle#rate_limit_exceeded: the bucket is empty, and
		// the answer carries no X-Request-Cost.
		h.Set("X-Rate-Limit-Remaining", "0.0")
		h.Del("X-Request-Cost")
	}
	switch {
	case e.plain != "":
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.code)
		_, _ = w.Write([]byte(e.plain))
	case e.html:
		h.Set("Content-Type", "text/html")
		w.WriteHeader(e.code)
		_, _ = w.Write([]byte("<html><head><title>" + strconv.Itoa(e.code) + " " + http.StatusText(e.code) +
			"</title></head><body><h1>" + http.StatusText(e.code) + "</h1></body></html>\n"))
	default:
		body := struct {
			Status   string         `json:"status,omitempty"`
			Errors   []errorMessage `json:"errors"`
			ReportID int64          `json:"error_report_id,omitempty"`
		}{e.status, []errorMessage{{e.message}}, e.reportID}
		writeJSON(w, e.code, body)
	}
}

type errorMessage struct {
	Message string `json:"message"`
}

func writeErrors(w http.ResponseWriter, code int, message string) {
	(&apiError{code: code, message: message}).write(w)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// Messages Canvas answers, which tests look for.
const (
	MsgInvalidToken  = "Invalid access token."
	MsgNotFound      = "The specified resource does not exist."
	MsgNotAuthorized = "user not authorized to perform that action"
	// MsgRateLimited is RequestThrottle's plain-text body, newline and all.
	MsgRateLimited = "403 Forbidden (Rate Limit Exceeded)\n"
	// MsgRateLimited429 is the body of the 429 variant, in the words of
	// Instructure's developer documentation ("429 Forbidden (Rate Limit
	// Exceeded)").
	MsgRateLimited429 = "429 Forbidden (Rate Limit Exceeded)\n"
)

func errInvalidToken() *apiError {
	return &apiError{code: http.StatusUnauthorized, message: MsgInvalidToken}
}

func errNotFound() *apiError { return &apiError{code: http.StatusNotFound, message: MsgNotFound} }

func errNotAuthorized() *apiError {
	return &apiError{code: http.StatusUnauthorized, status: "unauthorized", message: MsgNotAuthorized}
}

func errBadRequest(msg string) *apiError { return &apiError{code: http.StatusBadRequest, message: msg} }

// RateLimitKind is how a throttled request is answered.
type RateLimitKind int

const (
	// Forbidden403 is 403 "403 Forbidden (Rate Limit Exceeded)" in plain
	// text, as the long-standing throttling docs describe.
	Forbidden403 RateLimitKind = iota
	// TooMany429 is 429 in plain text, as Instructure's newer developer
	// documentation describes; neither names a Retry-After.
	TooMany429
)

func errThrottled(kind RateLimitKind) *apiError {
	e := &apiError{code: http.StatusForbidden, plain: MsgRateLimited, throttled: true}
	if kind == TooMany429 {
		e.code, e.plain = http.StatusTooManyRequests, MsgRateLimited429
	}
	return e
}

func errServer(code int, reportID int64) *apiError {
	if code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout {
		return &apiError{code: code, html: true}
	}
	return &apiError{code: code, message: "An error occurred.", reportID: reportID}
}

// writeTruncated promises the whole body and sends half of it, then drops
// the connection.
func writeTruncated(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b[:len(b)/2])
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}
