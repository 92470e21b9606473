package googleauth

import (
	"net/http"
	"testing"
	"time"
)

// Backoff is full jitter under a doubling ceiling capped at MaxDelay.
func TestBackoffCeiling(t *testing.T) {
	r := Retry{BaseDelay: 500 * time.Millisecond}
	top := func(n int64) int64 { return n - 1 }
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, MaxDelay, MaxDelay}
	for i, w := range want {
		if got := r.Backoff(i+1, top); got != w {
			t.Errorf("attempt %d: backoff %s, want the ceiling %s", i+1, got, w)
		}
		if got := r.Backoff(i+1, func(int64) int64 { return 0 }); got != 0 {
			t.Errorf("attempt %d: backoff %s with zero jitter, want 0", i+1, got)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tc := range cases {
		if got := RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

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

func TestRetryValidate(t *testing.T) {
	if errs := (Retry{}).Validate(); len(errs) != 0 {
		t.Errorf("zero Retry refused: %v", errs)
	}
	errs := Retry{MaxAttempts: -1, MaxElapsed: -1, BaseDelay: -1}.Validate()
	if len(errs) != 3 {
		t.Fatalf("%d errors, want 3: %v", len(errs), errs)
	}
	d := Retry{MaxAttempts: 2}.WithDefaults()
	if d.MaxAttempts != 2 || d.MaxElapsed != DefaultMaxElapsed || d.BaseDelay != DefaultBaseDelay {
		t.Errorf("WithDefaults = %+v", d)
	}
}
