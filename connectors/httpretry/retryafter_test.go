package httpretry

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		in   string
		want time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "7", 7 * time.Second},
		{"zero", "0", 0},
		{"spaces", " 12 ", 12 * time.Second},
		{"negative", "-3", 0},
		{"garbage", "soon", 0},
		{"fraction", "1.5", 0},
		{"huge seconds", "99999999999", maxRetryAfter},
		{"IMF date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"RFC 850 date", now.Add(time.Hour).Format(time.RFC850), time.Hour},
		{"asctime date", now.Add(5 * time.Second).Format(time.ANSIC), 5 * time.Second},
		{"past date", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"far date", now.Add(72 * time.Hour).Format(http.TimeFormat), maxRetryAfter},
	}
	for _, tc := range cases {
		if got := RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("%s: RetryAfter(%q) = %s, want %s", tc.name, tc.in, got, tc.want)
		}
	}
}
