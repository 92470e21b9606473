package httpretry

import (
	"strings"
	"testing"
	"time"
)

// Backoff is full jitter under a ceiling that doubles from BaseDelay and
// stops at MaxDelay: the jitter source is asked for [0, ceiling], so its
// largest draw is the ceiling and its smallest is no wait.
func TestBackoff(t *testing.T) {
	cases := []struct {
		base    time.Duration
		attempt int
		ceiling time.Duration
	}{
		{500 * time.Millisecond, 1, 500 * time.Millisecond},
		{500 * time.Millisecond, 2, time.Second},
		{500 * time.Millisecond, 3, 2 * time.Second},
		{500 * time.Millisecond, 6, 16 * time.Second},
		{500 * time.Millisecond, 7, MaxDelay},
		{500 * time.Millisecond, 60, MaxDelay},
		{time.Minute, 1, MaxDelay},
		{0, 5, 0},
	}
	for _, tc := range cases {
		r := Retry{BaseDelay: tc.base}
		var asked int64 = -1
		top := func(n int64) int64 { asked = n; return n - 1 }
		if got := r.Backoff(tc.attempt, top); got != tc.ceiling {
			t.Errorf("base %s attempt %d: largest backoff %s, want %s", tc.base, tc.attempt, got, tc.ceiling)
		}
		if tc.ceiling > 0 && asked != int64(tc.ceiling)+1 {
			t.Errorf("base %s attempt %d: jitter asked for [0, %d), want [0, %d)", tc.base, tc.attempt, asked, int64(tc.ceiling)+1)
		}
		if got := r.Backoff(tc.attempt, func(int64) int64 { return 0 }); got != 0 {
			t.Errorf("base %s attempt %d: backoff %s with zero jitter, want 0", tc.base, tc.attempt, got)
		}
	}
}

func TestGiveUp(t *testing.T) {
	r := Retry{MaxAttempts: 3, MaxElapsed: time.Minute}
	cases := []struct {
		attempt        int
		elapsed, delay time.Duration
		want           bool
	}{
		{1, 0, time.Second, false},
		{2, 50 * time.Second, 10 * time.Second, false}, // exactly at MaxElapsed
		{2, 50 * time.Second, 11 * time.Second, true},
		{3, 0, 0, true},
		{1, 0, 2 * time.Minute, true}, // a Retry-After past the bound
	}
	for _, tc := range cases {
		if got := r.GiveUp(tc.attempt, tc.elapsed, tc.delay); got != tc.want {
			t.Errorf("GiveUp(%d, %s, %s) = %v, want %v", tc.attempt, tc.elapsed, tc.delay, got, tc.want)
		}
	}
}

func TestDefaults(t *testing.T) {
	cases := []struct {
		name string
		got  Retry
		want Retry
	}{
		{"zero", Retry{}.WithDefaults(), Retry{MaxAttempts: DefaultMaxAttempts, MaxElapsed: DefaultMaxElapsed, BaseDelay: DefaultBaseDelay}},
		{"set kept", Retry{MaxAttempts: 2, BaseDelay: time.Second}.WithDefaults(),
			Retry{MaxAttempts: 2, MaxElapsed: DefaultMaxElapsed, BaseDelay: time.Second}},
		{"other defaults", Retry{MaxElapsed: time.Hour}.Or(Retry{MaxAttempts: 4, MaxElapsed: time.Minute, BaseDelay: 15 * time.Second}),
			Retry{MaxAttempts: 4, MaxElapsed: time.Hour, BaseDelay: 15 * time.Second}},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		r    Retry
		want []string // fields named, in order
	}{
		{Retry{}, nil},
		{Retry{MaxAttempts: 1, MaxElapsed: time.Second, BaseDelay: time.Millisecond}, nil},
		{Retry{MaxAttempts: -1}, []string{"settings.retry.max_attempts"}},
		{Retry{MaxElapsed: -1, BaseDelay: -1}, []string{"settings.retry.max_elapsed", "settings.retry.base_delay"}},
	}
	for _, tc := range cases {
		errs := tc.r.Validate()
		if len(errs) != len(tc.want) {
			t.Errorf("%+v: %d errors %v, want %d", tc.r, len(errs), errs, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if !strings.HasPrefix(errs[i].Error(), w+": ") {
				t.Errorf("%+v: error %q does not name %s", tc.r, errs[i], w)
			}
		}
	}
}
