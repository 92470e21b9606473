package fake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// perPage reads per_page as Canvas does: 10 by default or when not a
// positive number, silently capped at MaxPerPage.
func perPage(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("per_page"))
	if err != nil || n < 1 {
		return DefaultPerPage
	}
	return min(n, MaxPerPage)
}

// Page sizes.
const (
	DefaultPerPage = 10
	MaxPerPage     = 100
)

// pageURL is the request's own absolute URL with page set to page and
// per_page to the size served.
func pageURL(r *http.Request, page string, per int) string {
	q := r.URL.Query()
	q.Del("access_token") // Canvas leaves it out of links
	q.Del("page")
	q.Set("per_page", strconv.Itoa(per))
	// The page value goes in unescaped, "page=bookmark:...", as Canvas
	// writes it; its characters are all legal in a query.
	u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: "page=" + page + "&" + q.Encode()}
	return u.String()
}

// setLink writes the Link header from rel → URL pairs, in the order given.
func setLink(w http.ResponseWriter, rels ...string) {
	var b strings.Builder
	for i := 0; i+1 < len(rels); i += 2 {
		if rels[i+1] == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString("<" + rels[i+1] + `>; rel="` + rels[i] + `"`)
	}
	// Canvas's front end sends the name in lower case; Go would
	// canonicalize it through Set, so the map is written directly.
	w.Header()["link"] = []string{b.String()}
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
