package clever

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rollcall-sync/rollcall/connectors/bearer"
	"github.com/rollcall-sync/rollcall/connectors/httpretry"
)

// resetMargin is added to a wait until X-RateLimit-Reset: the header has
// one-second resolution and Clever's clock is not ours.
const resetMargin = time.Second

// maxResetWait caps a wait X-RateLimit-Reset asks for: Clever's windows
// are a minute long, so anything longer is a clock gone wrong.
const maxResetWait = 2 * time.Minute

// classify is httpretry.Standard (no answer, 429, 5xx; a 429 waits for
// Retry-After, else X-RateLimit-Reset, read by the retries' clock) plus a
// margin on that wait: the header has one-second resolution and Clever's
// clock is not ours. 501 is Clever's "not implemented", not worth another
// try.
func classify(resp *http.Response, err error, now time.Time) (retry bool, reason string, wait time.Duration) {
	retry, reason, wait = httpretry.Standard(resp, err, now)
	if err != nil || resp == nil {
		return retry, reason, wait
	}
	switch {
	case resp.StatusCode == http.StatusNotImplemented:
		return false, "", 0
	case resp.StatusCode == http.StatusTooManyRequests && wait > 0:
		wait = min(wait+resetMargin, maxResetWait)
	}
	return retry, reason, wait
}

// untilReset is how long until X-RateLimit-Reset, plus a margin; zero
// when the header is absent or unreadable.
func (c *Connector) untilReset(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if v == "" {
		return 0
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec <= 0 {
		return 0
	}
	d := time.Unix(sec, 0).Sub(c.clock.Now()) + resetMargin
	return min(max(d, resetMargin), maxResetWait)
}

// get fetches rawURL and returns a 2xx body. Retries happen under c.http
// (classify); when an answer says the window is spent (remaining 0) the
// next request waits for its reset first.
func (c *Connector) get(ctx context.Context, call, rawURL string) ([]byte, error) {
	ans, err := bearer.Get(ctx, c.http, bearer.Static(c.s.Token.Value()), rawURL)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, ctx.Err())
	}
	if err != nil {
		return nil, &APIError{Connector: c.name, Call: call, Err: err}
	}
	code := ans.Code
	if code >= 200 && code < 300 {
		if ans.Header.Get("X-RateLimit-Remaining") == "0" {
			if d := c.untilReset(ans.Header); d > 0 {
				c.log.LogAttrs(ctx, slog.LevelDebug, "Clever rate-limit window spent; waiting for its reset", slog.Duration("wait", d))
				if err := c.clock.Sleep(ctx, d); err != nil {
					return nil, fmt.Errorf("%s: %s: %w", c.prefix(), call, err)
				}
			}
		}
		return ans.Body, nil
	}
	return nil, &APIError{Connector: c.name, Call: call, Code: code,
		Message: cleverMessage(code, ans.Body, ans.Header.Get("Content-Type"))}
}
