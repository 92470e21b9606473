package fake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Page sizes (lib/api.rb PER_PAGE and MAX_PER_PAGE).
const (
	DefaultPerPage = 10
	MaxPerPage     = 100
)

// perPage reads per_page as Canvas's Api.per_page_for does: 10 when the
// parameter is absent, else its integer value clamped to 1..100, so that
// "0", "-5" or "abc" ask for one item a page, not for the default.
func perPage(r *http.Request) int {
	q := r.URL.Query()
	if _, ok := q["per_page"]; !ok {
		return DefaultPerPage
	}
	return min(max(rubyToI(q.Get("per_page")), 1), MaxPerPage)
}

// rubyToI is Ruby's String#to_i: the leading integer, 0 when none.
func rubyToI(s string) int {
	s = strings.TrimLeft(s, " \t\n")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return n
}

// excludedFromLinks are the parameters Canvas leaves out of pagination
// links (Api::EXCLUDE_IN_PAGINATION_LINKS); page and per_page are
// appended again at the end.
var excludedFromLinks = []string{"page", "per_page", "access_token", "api_key"}

// pageURL is a pagination link as Canvas's Api.build_links_hash writes
// it: the endpoint's absolute URL, the request's other query parameters
// (sorted and escaped, as Rails' to_query does), then page and per_page.
// The page value goes in as is ("bookmark:..." keeps its colon).
func pageURL(r *http.Request, page string, per int) string {
	q := r.URL.Query()
	for _, k := range excludedFromLinks {
		q.Del(k)
	}
	raw := ""
	if len(q) > 0 {
		raw = q.Encode() + "&"
	}
	raw += "page=" + page + "&per_page=" + strconv.Itoa(per)
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: raw}
	return u.String()
}

// setLink writes the Link header from rel → URL pairs, skipping empty
// URLs, in Canvas's order (current, next, prev, first, last), joined by
// "," as Api.paginate joins them.
func setLink(w http.ResponseWriter, rels ...string) {
	var parts []string
	for i := 0; i+1 < len(rels); i += 2 {
		if rels[i+1] == "" {
			continue
		}
		parts = append(parts, "<"+rels[i+1]+`>; rel="`+rels[i]+`"`)
	}
	if len(parts) == 0 {
		return
	}
	// Written in lower case, as an HTTP/2 front end delivers it, so that
	// clients must match the name case-insensitively; Set would
	// canonicalize it.
	w.Header()["link"] = []string{strings.Join(parts, ",")}
}

// bookmark is the position after the last item of a page, and the page's
// number (for FailOnPage; Canvas's own bookmarks carry only the sort key).
type bookmark struct {
	Type string
	Name string
	ID   int64
	Page int
}

func (b bookmark) encode() string {
	raw, _ := json.Marshal([]any{b.Type, b.Name, b.ID, b.Page})
	return "bookmark:" + base64.RawURLEncoding.EncodeToString(raw)
}

func decodeBookmark(s string) (bookmark, bool) {
	var b bookmark
	rest, ok := strings.CutPrefix(s, "bookmark:")
	if !ok {
		return b, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return b, false
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil || len(parts) != 4 {
		return b, false
	}
	if json.Unmarshal(parts[0], &b.Type) != nil || json.Unmarshal(parts[1], &b.Name) != nil ||
		json.Unmarshal(parts[2], &b.ID) != nil || json.Unmarshal(parts[3], &b.Page) != nil || b.Page < 1 {
		return b, false
	}
	return b, true
}

// ordinalPage reads a numbered page parameter: absent or "first" is 1.
func ordinalPage(r *http.Request) (int, *apiError) {
	v := r.URL.Query().Get("page")
	if v == "" || v == "first" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, errNotFound()
	}
	return n, nil
}
