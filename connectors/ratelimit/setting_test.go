package ratelimit

import (
	"strings"
	"testing"
	"time"
)

func TestSettingValidate(t *testing.T) {
	s := Setting{Field: "quota_per_day", Window: 24 * time.Hour, Default: BlackboardPerDay, Why: "Learn's default is 10000"}
	cases := []struct {
		name              string
		requests, percent int
		want              []string // substrings, one error each; none: valid
	}{
		{"defaults", 0, 0, nil},
		{"set", 50000, 80, nil},
		{"negative count", -1, 0, []string{"settings.quota_per_day: -1 must be 1-1000000000 (Learn's default is 10000)"}},
		{"huge count", MaxRequests + 1, 0, []string{"settings.quota_per_day: 1000000001"}},
		{"percent over 100", 0, 101, []string{"settings.quota_percent: 101 must be 1-100"}},
		{"both", -5, -1, []string{"settings.quota_per_day: -5", "settings.quota_percent: -1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := s.Validate(tc.requests, tc.percent)
			if len(errs) != len(tc.want) {
				t.Fatalf("Validate(%d, %d) = %v, want %d errors", tc.requests, tc.percent, errs, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
				}
			}
		})
	}
}

func TestSettingQuota(t *testing.T) {
	day := Setting{Field: "quota_per_day", Window: 24 * time.Hour, Default: BlackboardPerDay}
	none := Setting{Field: "quota_per_minute", Window: time.Minute}
	cases := []struct {
		name              string
		s                 Setting
		requests, percent int
		want              Quota
		paced             bool
	}{
		{"vendor default, default share", day, 0, 0, Quota{Requests: 9500, Window: 24 * time.Hour, Burst: 950}, true},
		{"set count and share", day, 20000, 50, Quota{Requests: 10000, Window: 24 * time.Hour, Burst: 1000}, true},
		{"no documented quota: off", none, 0, 0, Quota{}, false},
		{"no documented quota, a cap set", none, 600, 100, Quota{Requests: 600, Window: time.Minute, Burst: 60}, true},
		{"tiny cap", none, 3, 0, Quota{Requests: 2, Window: time.Minute, Burst: 1}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, ok := tc.s.Quota(tc.requests, tc.percent)
			if ok != tc.paced || q != tc.want {
				t.Fatalf("Quota(%d, %d) = %+v, %v; want %+v, %v", tc.requests, tc.percent, q, ok, tc.want, tc.paced)
			}
			l, err := tc.s.Limiter(tc.requests, tc.percent)
			if err != nil || (l != nil) != tc.paced {
				t.Fatalf("Limiter(%d, %d) = %v, %v; want a limiter: %v", tc.requests, tc.percent, l, err, tc.paced)
			}
			if l != nil && l.Quota() != q {
				t.Errorf("the limiter paces to %+v, want %+v", l.Quota(), q)
			}
		})
	}
}
