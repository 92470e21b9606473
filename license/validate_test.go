package license

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestNormalizeEmailRefuses covers addresses that once passed and were
// stored wrong: invalid UTF-8 (stored as U+FFFD) and an RFC 5321 local
// part over 64 characters.
func TestNormalizeEmailRefuses(t *testing.T) {
	tests := []struct {
		in, why string
	}{
		{"ann\xff@district.org", "UTF-8"},
		{"\xc3@district.org", "UTF-8"},
		{"ann\uFFFD@district.org", "replacement character"},
		{strings.Repeat("a", 65) + "@district.org", "local part"},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", tt.in, got)
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "email" || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("NormalizeEmail(%q) error %v, want a FieldError on email mentioning %q", tt.in, err, tt.why)
		}
	}
	ok := strings.Repeat("a", 64) + "@district.org"
	if got, err := NormalizeEmail(ok); err != nil || got != ok {
		t.Errorf("NormalizeEmail(64-character local part) = %q, %v; want it accepted", got, err)
	}
}

func TestParseSortDashAlone(t *testing.T) {
	for _, in := range []string{"-", " - "} {
		if f, _, err := ParseSort(in); err == nil {
			t.Errorf("ParseSort(%q) = %q, want an error", in, f)
		} else if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "sort") {
			t.Errorf("ParseSort(%q) error %v, want ErrInvalid naming sort", in, err)
		}
	}
	if f, desc, err := ParseSort("-name"); err != nil || f != SortName || !desc {
		t.Errorf("ParseSort(-name) = %q %v %v", f, desc, err)
	}
	if f, desc, err := ParseSort(""); err != nil || f != SortEmail || desc {
		t.Errorf("ParseSort(\"\") = %q %v %v", f, desc, err)
	}
}

func TestNormalizeLicenseInput(t *testing.T) {
	many := map[string]bool{}
	for i := range 20000 {
		many[fmt.Sprintf("f%d", i)] = true
	}
	tests := []struct {
		name  string
		edit  func(l *License)
		field string
	}{
		{"unknown LMS vendor", func(l *License) { l.LMS.Vendor = "nope" }, "lms.vendor"},
		{"javascript base URL", func(l *License) { l.LMS = LMS{Vendor: "canvas", BaseURL: "javascript:alert(1)"} }, "lms.base_url"},
		{"relative base URL", func(l *License) { l.LMS = LMS{Vendor: "canvas", BaseURL: "/canvas"} }, "lms.base_url"},
		{"base URL with credentials", func(l *License) { l.LMS = LMS{Vendor: "canvas", BaseURL: "https://u:p@x.example"} }, "lms.base_url"},
		{"20,000 features", func(l *License) { l.Features = many }, "features"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := License{Name: "Lincoln", Type: TypeSchool, Seats: 10}
			tt.edit(&l)
			err := l.Normalize()
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Normalize() = %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
	good := License{Name: "Lincoln", Type: TypeSchool, LMS: LMS{Vendor: " Canvas ", BaseURL: "https://district.instructure.com"}}
	if err := good.Normalize(); err != nil || good.LMS.Vendor != "canvas" {
		t.Errorf("Normalize(good LMS) = %v, vendor %q", err, good.LMS.Vendor)
	}
}
