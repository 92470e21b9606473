package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// statusInfo is 1EdTech's imsx_StatusInfo error payload.
type statusInfo struct {
	code        int
	codeMinor   string // unauthorisedrequest, unknownobject, server_busy, ...
	description string
	retryAfter  time.Duration
	challenge   string // WWW-Authenticate for a 401
}

type codeMinorField struct {
	Name  string `json:"imsx_codeMinorFieldName"`
	Value string `json:"imsx_codeMinorFieldValue"`
}

type statusInfoJSON struct {
	CodeMajor   string `json:"imsx_codeMajor"`
	Severity    string `json:"imsx_severity"`
	Description string `json:"imsx_description"`
	CodeMinor   struct {
		Fields []codeMinorField `json:"imsx_codeMinorField"`
	} `json:"imsx_CodeMinor"`
}

func (e *statusInfo) write(w http.ResponseWriter) {
	h := w.Header()
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.retryAfter+time.Second-1)/time.Second)))
	}
	if e.challenge != "" {
		h.Set("WWW-Authenticate", e.challenge)
	}
	var b statusInfoJSON
	b.CodeMajor, b.Severity, b.Description = "failure", "error", e.description
	b.CodeMinor.Fields = []codeMinorField{{Name: "TargetEndSystem", Value: e.codeMinor}}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	_ = json.NewEncoder(w).Encode(&b)
}

func errUnauthorized(desc, challenge string) *statusInfo {
	return &statusInfo{code: 401, codeMinor: "unauthorisedrequest", description: desc, challenge: challenge}
}

func errForbidden(desc string) *statusInfo {
	return &statusInfo{code: 403, codeMinor: "forbidden", description: desc}
}

func errNotFound(what string) *statusInfo {
	return &statusInfo{code: 404, codeMinor: "unknownobject", description: what + " not found."}
}

func errBadRequest(minor, desc string) *statusInfo {
	return &statusInfo{code: 400, codeMinor: minor, description: desc}
}

func errBusy(retryAfter time.Duration) *statusInfo {
	return &statusInfo{code: 429, codeMinor: "server_busy", description: "Too many requests: slow down and try again later.", retryAfter: retryAfter}
}

func errServer(code int) *statusInfo {
	return &statusInfo{code: code, codeMinor: "internal_server_error", description: "The server encountered an internal error."}
}

// writeOAuthError is RFC 6749 §5.2's error form, from the token endpoint.
func writeOAuthError(w http.ResponseWriter, code int, errCode, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oneroster"`)
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": errCode, "error_description": desc})
}
