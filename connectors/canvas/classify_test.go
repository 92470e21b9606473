package canvas

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/metrics"
)

// classify adds Canvas's 403 "Rate Limit Exceeded" to the shared retries,
// leaves other 403s alone and caps Retry-After.
func TestClassify(t *testing.T) {
	cases := []struct {
		name       string
		code       int
		body       string
		retryAfter string
		err        error
		retry      bool
		reason     string
		wait       time.Duration
	}{
		{"network", 0, "", "", errors.New("reset"), true, metrics.ReasonNetwork, 0},
		{"429", 429, "", "3", nil, true, metrics.ReasonRateLimit, 3 * time.Second},
		{"403 throttled", 403, "403 Forbidden (Rate Limit Exceeded)\n", "2", nil, true, metrics.ReasonRateLimit, 2 * time.Second},
		{"403 refused", 403, `{"errors":[{"message":"user not authorized to perform that action"}]}`, "", nil, false, "", 0},
		{"503 long wait", 503, "", "3600", nil, true, metrics.ReasonServerError, maxRetryAfter},
		{"404", 404, "", "", nil, false, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp *http.Response
			if tc.err == nil {
				resp = &http.Response{StatusCode: tc.code, Header: http.Header{},
					Body: io.NopCloser(strings.NewReader(tc.body))}
				if tc.retryAfter != "" {
					resp.Header.Set("Retry-After", tc.retryAfter)
				}
			}
			retry, reason, wait := classify(resp, tc.err, time.Now())
			if retry != tc.retry || reason != tc.reason || wait != tc.wait {
				t.Fatalf("classify = %v %q %s, want %v %q %s", retry, reason, wait, tc.retry, tc.reason, tc.wait)
			}
			if resp != nil {
				if b, _ := io.ReadAll(resp.Body); string(b) != tc.body {
					t.Errorf("body after classify %q, want it left readable", b)
				}
			}
		})
	}
}
