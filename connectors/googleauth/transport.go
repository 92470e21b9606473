package googleauth

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/httpretry"
	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// Retry reasons reported to the upstream observer; they are the reason
// label values of connectors/metrics.
const (
	ReasonRateLimit   = metrics.ReasonRateLimit
	ReasonServerError = metrics.ReasonServerError
	ReasonNetwork     = metrics.ReasonNetwork
)

// classify says whether an answer of Google's is worth another try: what
// httpretry.Standard retries, and 403 with reason rateLimitExceeded,
// userRateLimitExceeded or quotaExceeded (or status RESOURCE_EXHAUSTED),
// waiting at least as long as Retry-After asks.
func classify(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait time.Duration) {
	if retry, reason, wait = httpretry.Standard(resp, err, now); retry || err != nil {
		return retry, reason, wait
	}
	if resp.StatusCode == http.StatusForbidden && rateLimitBody(httpretry.Peek(resp)) {
		return true, ReasonRateLimit, httpretry.RetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return false, "", 0
}

// rateLimitBody reports whether a Google error body says "slow down".
func rateLimitBody(body []byte) bool {
	var v struct {
		Error struct {
			Status string `json:"status"`
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return false
	}
	if v.Error.Status == "RESOURCE_EXHAUSTED" {
		return true
	}
	for _, e := range v.Error.Errors {
		if RateLimitReason(e.Reason) {
			return true
		}
	}
	return false
}

// RateLimitReason reports whether an errors[].reason of Google's is one of
// its over-quota answers.
func RateLimitReason(reason string) bool {
	switch reason {
	case "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded":
		return true
	}
	return false
}

// reauthTransport drops the cached token and tries once more when the API
// answers 401: a token the server revoked or considers expired before the
// client's clock does would otherwise fail every call until it lapses.
type reauthTransport struct {
	next http.RoundTripper
	src  *resettableSource
}

func (t *reauthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	gen := t.src.generation()
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil
	}
	resp.Body.Close()
	t.src.reset(gen)
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return t.next.RoundTrip(r)
}
