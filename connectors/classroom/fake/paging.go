package fake

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/rollcall-sync/rollcall/connectors/googleauth/fakeauth"
)

// page is where one list request starts and how much it may hold.
type page struct {
	n     int    // 1-based page number within the listing
	after int    // sequence key of the last item served before; -1: none
	size  int    // items this page may hold
	fp    uint32 // binds tokens to the request they continue
}

// readPage reads pageSize and pageToken. A token only continues the
// request that issued it: Google says the request "must be otherwise
// identical", and the fake refuses one that is not.
func (srv *Server) readPage(q url.Values, path string, defaultSize int) (page, *fakeauth.Error) {
	p := page{n: 1, after: -1, size: defaultSize}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, fakeauth.BadRequest(fmt.Sprintf("Invalid value at 'page_size' (TYPE_INT32), %q", v))
		}
		if n > 0 {
			p.size = n
		}
	}
	p.size = min(p.size, srv.maxPage)
	p.fp = fingerprint(path, q)
	if tok := q.Get("pageToken"); tok != "" {
		n, after, ok := decodeToken(tok, p.fp)
		if !ok {
			return p, fakeauth.BadRequest("Invalid page token.")
		}
		p.n, p.after = n, after
	}
	return p, nil
}

func fingerprint(path string, q url.Values) uint32 {
	h := fnv.New32a()
	h.Write([]byte(path))
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "pageToken" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s=%s", k, strings.Join(q[k], ","))
	}
	return h.Sum32()
}

func (p page) next(after int) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d|%d|%08x", p.n+1, after, p.fp))
}

func decodeToken(tok string, fp uint32) (n, after int, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, 0, false
	}
	parts := strings.Split(string(raw), "|")
	if len(parts) != 3 || parts[2] != fmt.Sprintf("%08x", fp) {
		return 0, 0, false
	}
	n, err1 := strconv.Atoi(parts[0])
	after, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || n < 2 || after < 0 {
		return 0, 0, false
	}
	return n, after, true
}
