package lti

import "strings"

// nextLink finds the rel="next" target among RFC 8288 Link header values:
// several values or lines, quoted or bare rel, several rels in one, any
// case, commas inside <...>.
func nextLink(values []string) string {
	for _, v := range values {
		for len(v) > 0 {
			i := strings.IndexByte(v, '<')
			if i < 0 {
				break
			}
			j := strings.IndexByte(v[i:], '>')
			if j < 0 {
				break
			}
			target := strings.TrimSpace(v[i+1 : i+j])
			v = v[i+j+1:]
			params := v
			if k := strings.IndexByte(v, '<'); k >= 0 {
				params, v = v[:k], v[k:]
			} else {
				v = ""
			}
			for _, p := range strings.Split(params, ";") {
				name, val, ok := strings.Cut(p, "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				val = strings.Trim(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(val), ",")), `"`)
				for _, rel := range strings.Fields(val) {
					if strings.EqualFold(rel, "next") && target != "" {
						return target
					}
				}
			}
		}
	}
	return ""
}
