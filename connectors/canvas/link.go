package canvas

import "strings"

// parseLink reads RFC 8288 Link header values into rel → URI reference.
// It copes with URIs containing commas and semicolons (bookmarks may),
// several header lines, several rels in one rel="next last", unquoted rel
// values, any case of rel and parameter names, and whitespace; entries it
// cannot read are skipped. The first link of each rel wins.
func parseLink(values []string) map[string]string {
	out := map[string]string{}
	for _, v := range values {
		for len(v) > 0 {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i+1:], '>')
			if j < 0 {
				break
			}
			target := strings.TrimSpace(v[i+1 : i+1+j])
			v = v[i+1+j+1:]
			// Parameters run to the next '<' that starts a new link,
			// which is after a comma outside quotes.
			params, rest := splitParams(v)
			v = rest
			for _, rel := range relValues(params) {
				if _, seen := out[rel]; !seen && target != "" {
					out[rel] = target
				}
			}
		}
	}
	return out
}

// splitParams returns the parameter text of one link and what follows the
// comma ending it.
func splitParams(v string) (params, rest string) {
	quoted := false
	for k := 0; k < len(v); k++ {
		switch v[k] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				k++
			}
		case ',':
			if !quoted {
				return v[:k], v[k+1:]
			}
		}
	}
	return v, ""
}

// relValues finds the rel parameter among ;-separated params and splits it
// into lower-case relation types.
func relValues(params string) []string {
	for _, p := range strings.Split(params, ";") {
		name, val, ok := strings.Cut(p, "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		val = strings.TrimSpace(val)
		val = strings.TrimPrefix(strings.TrimSuffix(val, `"`), `"`)
		return strings.Fields(strings.ToLower(val))
	}
	return nil
}
