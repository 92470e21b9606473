package schoology

import (
	"bytes"
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

// num decodes a Schoology number sent either as a JSON number or as a
// string ("total": "3", "uid": "48289", "admin": 1, "status": "1").
type num int64

func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not an integer", b)
	}
	*n = num(v)
	return nil
}

func (n num) String() string { return strconv.FormatInt(int64(n), 10) }

// get fetches rawURL (on the base URL's host) and returns a 200 body.
// Retries of 429 and 5xx happen in the transport.
func (c *Connector) get(ctx context.Context, call, rawURL string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, &APIError{Connector: c.name, Call: call, Err: err}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, &APIError{Connector: c.name, Call: call, Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		msg := message(body, resp.Header.Get("Content-Type"))
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return nil, &APIError{Connector: c.name, Call: call, Code: resp.StatusCode, Message: msg}
	}
	return body, nil
}

// decode reads a JSON answer, naming the call when it is not as documented.
func (c *Connector) decode(call string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: %s: Schoology's answer is not as documented: %w", c.prefix(), call, err)
	}
	return nil
}

// maxPages stops a list whose next links never end.
const maxPages = 1_000_000

type links struct {
	Next string `json:"next"`
}

// paginate GETs first and follows links.next, handing each page's body to
// page, which returns the page's links. Next links must stay on the base
// URL's scheme and host: a PLAINTEXT signature carries the secret.
func (c *Connector) paginate(ctx context.Context, call, first string, page func(call string, body []byte) (links, error)) error {
	next := first
	seen := map[string]bool{}
	for n := 1; next != ""; n++ {
		if n > maxPages {
			return fmt.Errorf("%s: %s: more than %d pages; stopping", c.prefix(), call, maxPages)
		}
		pageCall := fmt.Sprintf("%s, page %d", call, n)
		body, err := c.get(ctx, pageCall, next)
		if err != nil {
			return err
		}
		l, err := page(pageCall, body)
		if err != nil {
			return err
		}
		seen[next] = true
		if l.Next == "" {
			return nil
		}
		u, err := url.Parse(l.Next)
		if err != nil || !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(u.Host, c.base.Host) {
			return fmt.Errorf("%s: %s: links.next %q is not on base_url %s; refusing to sign a request there", c.prefix(), pageCall, l.Next, c.s.BaseURL)
		}
		if seen[u.String()] {
			return fmt.Errorf("%s: %s: links.next points back to a page already read", c.prefix(), pageCall)
		}
		next = u.String()
	}
	return nil
}

// list is the first page's URL of a list endpoint.
func (c *Connector) list(path string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	q.Set("start", "0")
	q.Set("limit", strconv.Itoa(c.s.PageSize))
	return c.s.BaseURL + path + "?" + q.Encode()
}
