package errbody

import (
	"encoding/json"
	"strings"
)

// MaxRunes bounds a vendor message quoted in an error.
const MaxRunes = 300

// HTMLPage is what Message says of an HTML answer (a proxy's or load
// balancer's error page) rather than quoting it.
const HTMLPage = "an HTML error page"

// Clip bounds s to MaxRunes runes, marking a cut with an ellipsis.
func Clip(s string) string {
	if r := []rune(s); len(r) > MaxRunes {
		return string(r[:MaxRunes]) + "…"
	}
	return s
}

// Field returns, clipped, the first of fields that body, a JSON object,
// holds as a non-empty string; "" when body is not a JSON object or none
// is. Names match as encoding/json matches struct fields: exactly, else
// without regard to case.
func Field(body []byte, fields ...string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return ""
	}
	for _, f := range fields {
		raw, ok := obj[f]
		if !ok {
			for k, v := range obj {
				if strings.EqualFold(k, f) {
					raw, ok = v, true
					break
				}
			}
		}
		var s string
		if ok && json.Unmarshal(raw, &s) == nil && s != "" {
			return Clip(s)
		}
	}
	return ""
}

// Text returns a text/plain body, trimmed and clipped, or HTMLPage for a
// text/html one; "" for any other content type or an empty body.
func Text(body []byte, contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "text/plain"):
		return Clip(strings.TrimSpace(string(body)))
	case strings.HasPrefix(contentType, "text/html"):
		return HTMLPage
	}
	return ""
}

// Message is Field(body, fields...), else Text(body, contentType).
func Message(body []byte, contentType string, fields ...string) string {
	if m := Field(body, fields...); m != "" {
		return m
	}
	return Text(body, contentType)
}
