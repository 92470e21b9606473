package oneroster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// pageInfo is what one collection answer says about paging.
type pageInfo struct {
	total   int  // X-Total-Count; -1 when absent or unreadable
	hasLink bool // a Link header came
	hasNext bool // ... with rel="next"
	date    string
}

// listPages reads a collection with limit/offset, calling fn with each
// page's records. It advances by the records received (servers cap limit
// without saying so) and stops when X-Total-Count is reached, when a Link
// header comes without rel="next", or at an empty page. A server that
// answers the same first record for two offsets is ignoring offset:
// that is an error, not an endless loop. It returns the Date header of the
// first answer.
func listPages[T any](ctx context.Context, c *Connector, path, key string, q url.Values, id func(*T) string, fn func([]T) error) (string, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", strconv.Itoa(c.s.Limit))
	offset, firstDate, prevFirst := 0, "", ""
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("%s: GET %s page %d: %w", c.prefix(), path, page, err)
		}
		q.Set("offset", strconv.Itoa(offset))
		call := fmt.Sprintf("GET %s page %d (offset %d)", path, page, offset)
		resp, err := c.get(ctx, path, q, call)
		if err != nil {
			return "", err
		}
		items, err := decodeList[T](resp.Body, key)
		if err != nil {
			return "", fmt.Errorf("%s: %s: reading %q: %w", c.prefix(), call, key, err)
		}
		info := readPageInfo(resp.Header)
		if page == 1 {
			firstDate = info.date
		}
		if len(items) == 0 {
			return firstDate, nil
		}
		if first := id(&items[0]); page > 1 && first != "" && first == prevFirst {
			return "", fmt.Errorf("%s: %s: the server answered the same records as for the previous offset: it ignores offset, so the collection cannot be read whole", c.prefix(), call)
		} else {
			prevFirst = first
		}
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
		}
		if err := fn(items); err != nil {
			return "", err
		}
		offset += len(items)
		if info.total >= 0 && offset >= info.total {
			return firstDate, nil
		}
		if info.hasLink && !info.hasNext && info.total < 0 {
			return firstDate, nil
		}
	}
}

func readPageInfo(h http.Header) pageInfo {
	info := pageInfo{total: -1, date: h.Get("Date")}
	if v := h.Get("X-Total-Count"); v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
			info.total = n
		}
	}
	for _, l := range h.Values("Link") {
		info.hasLink = true
		for _, part := range strings.Split(l, ",") {
			for _, attr := range strings.Split(part, ";")[1:] {
				k, v, _ := strings.Cut(strings.TrimSpace(attr), "=")
				if strings.EqualFold(k, "rel") && strings.EqualFold(strings.Trim(v, `"`), "next") {
					info.hasNext = true
				}
			}
		}
	}
	return info
}

// decodeList reads the array under key of a JSON object, skipping the
// other members (some servers add totalCount, pageNumber, ...).
func decodeList[T any](r io.Reader, key string) ([]T, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the answer is not a JSON object")
	}
	var out []T
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if name != key {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		if err := dec.Decode(&out); err != nil {
			return nil, err
		}
		found = true
	}
	if !found {
		return nil, fmt.Errorf("the answer has no %q member", key)
	}
	return out, nil
}

// decodeOne reads the object under key ({"org": {...}}).
func decodeOne[T any](r io.Reader, key string) (*T, error) {
	var v map[string]json.RawMessage
	if err := json.NewDecoder(r).Decode(&v); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	raw, ok := v[key]
	if !ok {
		return nil, fmt.Errorf("the answer has no %q member", key)
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
