package query

import "testing"

func TestLike(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"%thomas%", "Thomas Anderson", true},
		{"%thomas%", "Maria THOMAS", true},
		{"%thomas%", "Tom", false},
		{"thomas%", "Thomas Anderson", true},
		{"thomas%", "Maria Thomas", false},
		{"%thomas", "Maria Thomas", true},
		{"%thomas", "Thomas Anderson", false},
		{"t_m", "Tom", true},
		{"t_m", "Tim", true},
		{"t_m", "Toom", false},
		{"t_m", "tm", false},
		{"_", "ö", true}, // one character, not one byte
		{"__", "ö", false},
		{"zo_", "Zoë", true},
		{"zoë", "ZOË", true},
		{"%ölberg", "Zoë Ölberg", true},
		{"", "", true},
		{"", "a", false},
		{"%", "", true},
		{"%%", "anything", true},
		{"a%b%c", "aXXbYYc", true},
		{"a%b%c", "aXXcYYb", false},
		{"%aab", "aaab", true}, // needs a backtrack
		{"%a%a%a%b", "aaaaaaaaaaaaaaaa", false},
		{`100\%`, "100%", true},
		{`100\%`, "1000", false},
		{`a\_b`, "a_b", true},
		{`a\_b`, "axb", false},
		{`a\\b`, `a\b`, true},
		{`ab\`, `ab\`, true}, // a trailing backslash is itself
		{"%@district.org", "mthomas@district.org", true},
		{"%@district.org", "thomas@hs.district.org", false},
		{"%district.org", "thomas@hs.district.org", true},
		{"%@district.org", "thomas@district.org.evil", false},
		{"thomas", "THOMAS", true},
		{"thomas", "thomasx", false},
		{"%mas", "as", false},
		{"tho%", "th", false},
		{"%k%", "\u212a", true}, // the Kelvin sign folds to k: the walk, not the ASCII path
	}
	for _, tt := range tests {
		p := compileLike(tt.pat)
		if got := p.match(tt.s); got != tt.want {
			t.Errorf("%q LIKE %q = %v, want %v", tt.s, tt.pat, got, tt.want)
		}
		// The ASCII fast path must agree with the general walk.
		if got := walk(p.elems, tt.s); got != tt.want {
			t.Errorf("walk: %q LIKE %q = %v, want %v", tt.s, tt.pat, got, tt.want)
		}
	}
}

func TestContainsIsLiteral(t *testing.T) {
	tests := []struct {
		v, s string
		want bool
	}{
		{"thomas", "Maria Thomas", true},
		{"100%", "100% Sure", true},
		{"100%", "1000 Sure", false},
		{"a_b", "xa_by", true},
		{"a_b", "xaxby", false},
		{"", "anything", true},
	}
	for _, tt := range tests {
		p := compileContains(tt.v)
		if got := p.match(tt.s); got != tt.want {
			t.Errorf("%q contains %q = %v, want %v", tt.s, tt.v, got, tt.want)
		}
		if got := walk(p.elems, tt.s); got != tt.want {
			t.Errorf("walk: %q contains %q = %v, want %v", tt.s, tt.v, got, tt.want)
		}
	}
}
