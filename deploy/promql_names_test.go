package deploy

import (
	"fmt"
	"slices"
	"testing"
)

// promqlSelectorNames returns the metric names a PromQL expression selects,
// in order of first use. It is a lexer, not a parser: it is only as strict as
// it must be to tell metric names from functions, keywords, label names
// (inside {...} and the grouping lists of by/without/on/ignoring/group_*),
// strings, numbers, durations and Grafana variables ($x, ${x}). Pulling in
// the Prometheus parser for this would add the whole Prometheus module to
// go.mod.
func promqlSelectorNames(expr string) ([]string, error) {
	var names []string
	add := func(n string) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	i := 0
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			end, err := skipString(expr, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '{':
			end, err := skipBalanced(expr, i, '{', '}')
			if err != nil {
				return nil, err
			}
			i = end
		case c == '[':
			end, err := skipBalanced(expr, i, '[', ']')
			if err != nil {
				return nil, err
			}
			i = end
		case c == '$':
			i++
			if i < len(expr) && expr[i] == '{' {
				end, err := skipBalanced(expr, i, '{', '}')
				if err != nil {
					return nil, err
				}
				i = end
				continue
			}
			for i < len(expr) && isIdentChar(expr[i]) {
				i++
			}
		case isDigit(c) || c == '.' && i+1 < len(expr) && isDigit(expr[i+1]):
			// Numbers and durations: 0.95, 1e15, 0x1f, 5m, 1h30m.
			for i < len(expr) && (isIdentChar(expr[i]) || expr[i] == '.') {
				i++
			}
		case isIdentStart(c):
			start := i
			for i < len(expr) && isIdentChar(expr[i]) {
				i++
			}
			word := expr[start:i]
			next := i
			for next < len(expr) && (expr[next] == ' ' || expr[next] == '\t' || expr[next] == '\n' || expr[next] == '\r') {
				next++
			}
			followedByParen := next < len(expr) && expr[next] == '('
			// "sum by (x) (...)": an aggregation whose grouping comes first.
			followedByGrouping := false
			for _, kw := range []string{"by", "without"} {
				rest := expr[next:]
				if len(rest) > len(kw) && rest[:len(kw)] == kw && !isIdentChar(rest[len(kw)]) {
					followedByGrouping = true
				}
			}
			switch {
			case groupingKeywords[word]:
				if followedByParen {
					end, err := skipBalanced(expr, next, '(', ')')
					if err != nil {
						return nil, err
					}
					i = end
				}
			case followedByParen, followedByGrouping, operatorKeywords[word]:
				// A function or aggregation name, or a keyword.
			default:
				add(word)
			}
		default:
			i++
		}
	}
	return names, nil
}

// groupingKeywords are followed by a parenthesised list of label names.
var groupingKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

// operatorKeywords are words that are never metric names.
var operatorKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
	"inf": true, "Inf": true, "INF": true, "nan": true, "NaN": true, "NAN": true,
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) }

// skipString returns the index just past the string literal opening at i.
func skipString(s string, i int) (int, error) {
	quote := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && quote != '`':
			j++
		case s[j] == quote:
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("offset %d: unterminated string", i)
}

// skipBalanced returns the index just past the close that matches the open
// at i, stepping over strings so that a brace inside a label value counts
// for nothing.
func skipBalanced(s string, i int, open, close byte) (int, error) {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '"', '\'', '`':
			end, err := skipString(s, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("offset %d: %q is never closed", i, open)
}

func TestPromQLSelectorNames(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		want    []string
		wantErr bool
	}{
		{name: "aggregation with grouping", expr: `sum by (deployment, result) (rate(rollcall_sync_runs_total{result="failed"}[5m])) > 0`, want: []string{"rollcall_sync_runs_total"}},
		{name: "grouping after the aggregation", expr: `sum(rate(a_total[5m])) without (instance)`, want: []string{"a_total"}},
		{name: "two vectors with matching", expr: `a / on (deployment) group_left (license) b`, want: []string{"a", "b"}},
		{name: "group_left without labels", expr: `a * on (x) group_left b`, want: []string{"a", "b"}},
		{name: "set operators and absent", expr: `up{job="rollcall"} == 0 or absent(up{job="rollcall"})`, want: []string{"up"}},
		{name: "unless and bool", expr: "(m > bool 0)\nunless on (deployment)\nn", want: []string{"m", "n"}},
		{name: "recording rule names with colons", expr: `deployment:rollcall_sync_staleness:ratio > 3`, want: []string{"deployment:rollcall_sync_staleness:ratio"}},
		{name: "numbers, exponent and time()", expr: `time() - (m > 1e15) > 86400 * 0.5`, want: []string{"m"}},
		{name: "Inf and NaN", expr: `m > Inf or n != NaN`, want: []string{"m", "n"}},
		{name: "strings with braces and quotes", expr: `label_replace(m{a="}\"{"}, "dst", "$1", 'src', "(.*)")`, want: []string{"m"}},
		{name: "offset, subquery and @", expr: `max_over_time(m[1h:5m] offset 1d) + n @ end()`, want: []string{"m", "n"}},
		{name: "grafana variables", expr: `histogram_quantile(0.9, sum by (le) (rate(h_bucket{d=~"$deployment"}[$__rate_interval]))) * ${factor}`, want: []string{"h_bucket"}},
		{name: "label name matcher only", expr: `{__name__="m"}`, want: nil},
		{name: "comment", expr: "# uses x\nm", want: []string{"m"}},
		{name: "repeated name once", expr: `a + a`, want: []string{"a"}},
		{name: "unterminated string", expr: `m{a="b}`, wantErr: true},
		{name: "unclosed brace", expr: `m{a="b"`, wantErr: true},
		{name: "unclosed grouping", expr: `sum by (a m`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := promqlSelectorNames(tt.expr)
			if (err != nil) != tt.wantErr {
				t.Fatalf("promqlSelectorNames(%q) error = %v, want error %v", tt.expr, err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("promqlSelectorNames(%q) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}
