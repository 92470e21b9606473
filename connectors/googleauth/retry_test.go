package googleauth

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRateLimitBody(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{`{"error":{"code":403,"errors":[{"reason":"userRateLimitExceeded"}],"status":"PERMISSION_DENIED"}}`, true},
		{`{"error":{"code":403,"errors":[{"reason":"rateLimitExceeded"}]}}`, true},
		{`{"error":{"code":403,"errors":[{"reason":"quotaExceeded"}]}}`, true},
		{`{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}`, true},
		{`{"error":{"code":403,"errors":[{"reason":"forbidden"}],"status":"PERMISSION_DENIED"}}`, false},
		{`{"error":{"code":403,"errors":[{"reason":"insufficientPermissions"}]}}`, false},
		{`<html>`, false},
	}
	for _, tc := range cases {
		if got := rateLimitBody([]byte(tc.body)); got != tc.want {
			t.Errorf("rateLimitBody(%s) = %v, want %v", tc.body, got, tc.want)
		}
	}
}

// classify adds Google's 403 "slow down" reasons to the shared retries and
// leaves other 403s (a missing permission) alone.
func TestClassify(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		body   string
		err    error
		retry  bool
		reason string
	}{
		{"network", 0, "", errors.New("reset"), true, ReasonNetwork},
		{"429", 429, "", nil, true, ReasonRateLimit},
		{"503", 503, "", nil, true, ReasonServerError},
		{"403 quota", 403, `{"error":{"code":403,"errors":[{"reason":"quotaExceeded"}]}}`, nil, true, ReasonRateLimit},
		{"403 forbidden", 403, `{"error":{"code":403,"errors":[{"reason":"forbidden"}]}}`, nil, false, ""},
		{"404", 404, "", nil, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			if tc.err == nil {
				resp = &http.Response{StatusCode: tc.code, Header: http.Header{"Retry-After": {"4"}},
					Body: http.NoBody}
				if tc.body != "" {
					resp.Body = io.NopCloser(strings.NewReader(tc.body))
				}
			}
			retry, reason, wait := classify(resp, tc.err, time.Now())
			if retry != tc.retry || reason != tc.reason {
				t.Fatalf("classify = %v %q, want %v %q", retry, reason, tc.retry, tc.reason)
			}
			if retry && tc.err == nil && wait != 4*time.Second {
				t.Errorf("wait %s, want Retry-After's 4s", wait)
			}
			if tc.body != "" {
				if b := readAll(t, resp); b != tc.body {
					t.Errorf("body after classify %q, want it left readable", b)
				}
			}
		})
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
